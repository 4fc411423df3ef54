import type { Command } from '../command.js';

export const trackingCommands: Command[] = [];
