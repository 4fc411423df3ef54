import type { Command } from '../command.js';

export const dataQualityCommands: Command[] = [];
