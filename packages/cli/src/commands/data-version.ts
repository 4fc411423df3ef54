import type { Command } from '../command.js';

export const dataVersionCommands: Command[] = [];
