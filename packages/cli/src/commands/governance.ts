import type { Command } from '../command.js';

export const governanceCommands: Command[] = [];
