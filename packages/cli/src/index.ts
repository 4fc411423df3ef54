export type { Command, CommandContext, FlagSpec } from './command.js';
export { type CommandGroup, commandNames, groups, loadCommands } from './commands/index.js';
export { GLOBAL_FLAGS, helpText, type Io, main, reportError } from './main.js';
export { renderTable } from './table.js';
