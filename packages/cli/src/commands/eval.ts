import type { Command } from '../command.js';

export const evalCommands: Command[] = [];
