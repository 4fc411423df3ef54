import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createProgress,
  ExitCode,
  isSlipwayError,
  SLIPWAY_VERSION,
  SlipwayError,
  suggest,
} from '@slipway/core/base';
import type { Command, CommandContext, FlagSpec } from './command.js';
import { commandNames, groups, loadCommands } from './commands/index.js';

export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  json: { type: 'boolean', description: 'print machine-readable JSON on stdout (progress stays on stderr)' },
  cwd: { type: 'string', value: '<dir>', description: 'run as if started in <dir>' },
  debug: { type: 'boolean', description: 'print stack traces of errors' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

function flagUsage(name: string, spec: FlagSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  const value = spec.type === 'string' ? ` ${spec.value ?? '<value>'}` : '';
  return `  ${short}--${name}${value}`.padEnd(34) + spec.description;
}

export function helpText(commands: readonly Command[], command?: Command): string {
  if (command) {
    const flags = { ...(command.flags ?? {}), ...GLOBAL_FLAGS };
    return [
      `slipway ${command.name}${command.args ? ` ${command.args}` : ''}`,
      '',
      command.summary,
      ...(command.description ? ['', command.description] : []),
      '',
      'Options:',
      ...Object.entries(flags).map(([n, s]) => flagUsage(n, s)),
    ].join('\n');
  }
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `slipway ${SLIPWAY_VERSION}: PR-native MLOps for TypeScript`,
    '',
    'Usage: slipway <command> [options]     (global options may come anywhere on the line)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global options:',
    ...Object.entries(GLOBAL_FLAGS).map(([n, s]) => flagUsage(n, s)),
    '  --version                       print the version',
    '',
    'Exit codes: 0 ok, 1 a check failed (gate, validation, drift, refused promotion), 2 error, 3 internal error.',
    'Run `slipway help <command>` (or `slipway <command> --help`) for the options of one command.',
  ].join('\n');
}

/**
 * Global options may come anywhere on the line (`slipway --json models list`): they are lifted out
 * before the verb is looked up, and handed back to the verb's own parser.
 */
export function liftGlobalFlags(argv: readonly string[]): { globals: string[]; rest: string[] } {
  const globals: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') ? a.slice(2).split('=')[0]! : a === '-h' ? 'help' : '';
    const spec = GLOBAL_FLAGS[name];
    if (!spec) {
      rest.push(a);
      continue;
    }
    globals.push(a);
    if (spec.type === 'string' && !a.includes('=') && i + 1 < argv.length) globals.push(argv[++i]!);
  }
  return { globals, rest };
}

/** The verb whose name matches the longest prefix of the words in argv (global options already lifted). */
function findCommand(
  names: readonly string[],
  argv: string[],
): { name?: string; rest: string[]; words: string[] } {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const name = words.slice(0, n).join(' ');
    if (names.includes(name)) return { name, rest: argv.slice(n), words };
  }
  return { rest: argv, words };
}

/** `slipway data --help`: the verbs that start with these words, or null when none does. */
export function groupHelp(
  names: readonly string[],
  commands: readonly { name: string; summary: string }[] | null,
  words: string[],
): string | null {
  const prefix = `${words.join(' ')} `;
  const members = names.filter((n) => n.startsWith(prefix));
  if (members.length === 0) return null;
  const width = Math.max(...members.map((n) => n.length)) + 2;
  return [
    `slipway ${words.join(' ')} <command>`,
    '',
    'Commands:',
    ...members.map((n) =>
      `  ${n.padEnd(width)}${commands?.find((c) => c.name === n)?.summary ?? ''}`.trimEnd(),
    ),
    '',
    `Run \`slipway ${members[0]} --help\` (or \`slipway help ${members[0]}\`) for one command's options.`,
  ].join('\n');
}

function unknownCommand(names: readonly string[], words: string[]): SlipwayError {
  const typed = words.join(' ');
  // Suggest among commands with the same number of words first ("data ad" → "data add").
  const raw =
    suggest(typed, names) ?? suggest(words[0] ?? '', [...new Set(names.map((n) => n.split(' ')[0]!))]);
  // A group's own word ("data") is not a verb; suggesting it back would be no help.
  const guess = raw === typed ? undefined : raw;
  const group = names.filter((n) => n.startsWith(`${words[0]} `));
  return new SlipwayError(
    'CLI_UNKNOWN_COMMAND',
    `unknown command "${typed}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
    {
      hint: group.length
        ? `"${words[0]}" has: ${group.join(', ')}`
        : 'run `slipway --help` to list the commands',
    },
  );
}

/**
 * Runs `slipway <argv>`. `commands` replaces the built-in verbs (tests); by default only the module of
 * the verb being run is loaded.
 */
export async function main(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
  commands?: readonly Command[],
): Promise<number> {
  const wantsJson = argv.includes('--json');
  const debug = argv.includes('--debug');
  try {
    const lifted = liftGlobalFlags(argv);
    let rest0 = lifted.rest;
    // `slipway help <verb>` is `slipway <verb> --help`.
    const helpWord = rest0[0] === 'help';
    if (helpWord) rest0 = rest0.slice(1);
    const wantsHelp = helpWord || lifted.globals.includes('--help') || lifted.globals.includes('-h');
    if (rest0.length === 0) {
      io.stdout.write(`${helpText(commands ?? (await loadCommands()))}\n`);
      return ExitCode.Ok;
    }
    if (rest0[0] === '--version' || rest0[0] === '-v') {
      io.stdout.write(`${SLIPWAY_VERSION}\n`);
      return ExitCode.Ok;
    }
    const names = commands ? commands.map((c) => c.name) : commandNames;
    const found = findCommand(names, rest0);
    const { name, words } = found;
    const rest = [...lifted.globals, ...(helpWord ? ['--help'] : []), ...found.rest];
    if (name === undefined && wantsHelp && words.length > 0) {
      const prefix = `${words.join(' ')} `;
      const text = groupHelp(
        names,
        commands ??
          (
            await Promise.all(
              groups.filter((g) => g.names.some((n) => n.startsWith(prefix))).map((g) => g.load()),
            )
          ).flat(),
        words,
      );
      if (text) {
        io.stdout.write(`${text}\n`);
        return ExitCode.Ok;
      }
    }
    const command =
      name === undefined
        ? undefined
        : commands
          ? commands.find((c) => c.name === name)
          : (await groups.find((g) => g.names.includes(name))!.load()).find((c) => c.name === name);
    if (!command) {
      if (words.length === 0) {
        const flag = rest0[0] ?? '';
        throw new SlipwayError(
          'CLI_UNKNOWN_FLAG',
          `unknown option "${flag}"${suggestFlag(flag, GLOBAL_FLAGS)}`,
          { hint: 'run `slipway --help`' },
        );
      }
      throw unknownCommand(names, words);
    }
    const specs = { ...(command.flags ?? {}), ...GLOBAL_FLAGS };
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: Object.fromEntries(
          Object.entries(specs).map(([n, s]) => [
            n,
            {
              type: s.type,
              ...(s.short ? { short: s.short } : {}),
              ...(s.multiple ? { multiple: true } : {}),
              ...(s.default !== undefined ? { default: s.default } : {}),
            },
          ]),
        ) as NonNullable<import('node:util').ParseArgsConfig['options']>,
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      const m = /'(-{1,2}[^']+)'/.exec(e.message);
      const flag = m?.[1] ?? '';
      if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
        throw new SlipwayError(
          'CLI_UNKNOWN_FLAG',
          `slipway ${command.name}: unknown option "${flag}"${suggestFlag(flag, specs)}`,
          {
            hint: `run \`slipway ${command.name} --help\` to list its options`,
          },
        );
      }
      throw new SlipwayError('CLI_BAD_ARGUMENTS', `slipway ${command.name}: ${e.message}`, {
        hint: `run \`slipway ${command.name} --help\``,
      });
    }
    const flags = parsed.values as CommandContext['flags'];
    if (flags.help) {
      io.stdout.write(`${helpText([command], command)}\n`);
      return ExitCode.Ok;
    }
    const cwd = resolve(typeof flags.cwd === 'string' ? flags.cwd : process.cwd());
    if (typeof flags.cwd === 'string' && (!existsSync(cwd) || !statSync(cwd).isDirectory())) {
      throw new SlipwayError(
        'CLI_BAD_CWD',
        `--cwd ${flags.cwd}: ${existsSync(cwd) ? 'is not a directory' : 'does not exist'}`,
        {
          hint: 'pass an existing project directory',
        },
      );
    }
    const json = Boolean(flags.json);
    const ctx: CommandContext = {
      cwd,
      json,
      debug,
      flags,
      positionals: parsed.positionals,
      progress: createProgress({ json, stream: io.stderr as NodeJS.WriteStream }),
      stdoutIsTTY: Boolean(io.stdout.isTTY),
      print(text) {
        if (!json) io.stdout.write(`${text}\n`);
      },
      stdout(data) {
        io.stdout.write(data);
      },
      output(data, human) {
        if (json) io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
        else io.stdout.write(`${human ? human(data) : JSON.stringify(data, null, 2)}\n`);
      },
    };
    const code = await command.run(ctx);
    return typeof code === 'number' ? code : ExitCode.Ok;
  } catch (err) {
    return reportError(err, io, { json: wantsJson, debug });
  }
}

function suggestFlag(flag: string, specs: Record<string, FlagSpec>): string {
  const name = flag.replace(/^-+/, '').split('=')[0] ?? '';
  const s = suggest(name, Object.keys(specs));
  return s ? ` (did you mean "--${s}"?)` : '';
}

export function reportError(err: unknown, io: Io, options: { json: boolean; debug: boolean }): number {
  if (isSlipwayError(err)) {
    if (options.json) io.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
    io.stderr.write(`error[${err.code}]: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ''}`);
    if (options.debug && err.stack) io.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  if (options.json)
    io.stdout.write(
      `${JSON.stringify({ error: { code: 'INTERNAL', message: String(e?.message ?? e) } }, null, 2)}\n`,
    );
  io.stderr.write(`internal error: ${String(e?.message ?? e)}\n`);
  io.stderr.write(
    options.debug
      ? `${e?.stack ?? ''}\n`
      : '  hint: this is a bug in Slipway; rerun with --debug and report the stack trace\n',
  );
  return ExitCode.Internal;
}
