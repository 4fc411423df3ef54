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
    'Usage: slipway <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Global options:',
    ...Object.entries(GLOBAL_FLAGS).map(([n, s]) => flagUsage(n, s)),
    '  --version                       print the version',
    '',
    'Exit codes: 0 ok, 1 a check failed (gate, validation, drift, refused promotion), 2 error, 3 internal error.',
    'Run `slipway <command> --help` for the options of one command.',
  ].join('\n');
}

/** The verb whose name matches the longest prefix of the words in argv. */
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
    if (names.includes(name)) {
      const index = argv.indexOf(words[n - 1]!);
      return { name, rest: [...argv.slice(0, argv.indexOf(words[0]!)), ...argv.slice(index + 1)], words };
    }
  }
  return { rest: argv, words };
}

function unknownCommand(names: readonly string[], words: string[]): SlipwayError {
  const typed = words.join(' ');
  // Suggest among commands with the same number of words first ("data ad" → "data add").
  const guess =
    suggest(typed, names) ?? suggest(words[0] ?? '', [...new Set(names.map((n) => n.split(' ')[0]!))]);
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
    if (argv.length === 0 || (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h'))) {
      io.stdout.write(`${helpText(commands ?? (await loadCommands()))}\n`);
      return ExitCode.Ok;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      io.stdout.write(`${SLIPWAY_VERSION}\n`);
      return ExitCode.Ok;
    }
    const names = commands ? commands.map((c) => c.name) : commandNames;
    const { name, rest, words } = findCommand(names, argv);
    const command =
      name === undefined
        ? undefined
        : commands
          ? commands.find((c) => c.name === name)
          : (await groups.find((g) => g.names.includes(name))!.load()).find((c) => c.name === name);
    if (!command) {
      if (words.length === 0) {
        const flag = argv[0] ?? '';
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
