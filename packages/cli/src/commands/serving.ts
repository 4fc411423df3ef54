import type { Command } from '../command.js';

export const servingCommands: Command[] = [];
