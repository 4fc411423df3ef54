import type { Command } from '../command.js';

export const trainingCommands: Command[] = [];
