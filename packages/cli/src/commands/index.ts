import type { Command } from '../command.js';
import { configCommands } from './config.js';
import { dataQualityCommands } from './data-quality.js';
import { dataVersionCommands } from './data-version.js';
import { doctorCommands } from './doctor.js';
import { evalCommands } from './eval.js';
import { governanceCommands } from './governance.js';
import { initCommands } from './init.js';
import { monitorCommands } from './monitor.js';
import { registerCommands } from './register.js';
import { servingCommands } from './serving.js';
import { trackingCommands } from './tracking.js';
import { trainingCommands } from './training.js';

/** Every verb of `slipway`, in help order. Each group file holds only verbs that work end to end. */
export const commands: readonly Command[] = [
  ...initCommands,
  ...doctorCommands,
  ...configCommands,
  ...dataVersionCommands,
  ...dataQualityCommands,
  ...trainingCommands,
  ...evalCommands,
  ...registerCommands,
  ...governanceCommands,
  ...servingCommands,
  ...monitorCommands,
  ...trackingCommands,
];
