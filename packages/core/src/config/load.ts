import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SlipwayError } from '../errors.js';
import { hashBytes, hashJson } from '../hash.js';
import { formatIssues, renderProblems } from './format-issues.js';
import { configSchema, type SlipwayConfig } from './schema.js';
import { semanticProblems } from './semantic.js';

export const CONFIG_FILES = [
  'slipway.config.ts',
  'slipway.config.mts',
  'slipway.config.js',
  'slipway.config.mjs',
] as const;

export interface LoadedConfig {
  config: SlipwayConfig;
  /** Absolute path of the config file. */
  file: string;
  /** The project root: the directory holding the config file. Relative paths resolve against it. */
  root: string;
  /** sha256 of the resolved config (defaults applied), for the stage cache and lineage. */
  configHash: string;
  /** sha256 of the config file's bytes. */
  fileHash: string;
}

/** The config file in `cwd`, or the nearest ancestor that has one. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function syntaxLocation(err: unknown, file: string): string {
  const stack = String((err as Error)?.stack ?? '');
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}:(\\d+)(?::(\\d+))?`).exec(stack);
  return m ? `:${m[1]}${m[2] ? `:${m[2]}` : ''}` : '';
}

/** Validates an already-imported config value; throws CONFIG_INVALID listing every problem at once. */
export function validateConfig(value: unknown, file = 'slipway.config.ts'): SlipwayConfig {
  const result = configSchema.safeParse(value, { reportInput: true });
  const semantic = semanticProblems(value);
  if (result.success && semantic.length === 0) return result.data;
  const shape = result.success ? [] : formatIssues(result.error.issues, configSchema, value);
  // A semantic finding on the same field replaces the generic shape message (it knows the metric's range).
  const problems = [...shape.filter((p) => !semantic.some((s) => s.path === p.path)), ...semantic];
  throw new SlipwayError('CONFIG_INVALID', renderProblems(file, problems), {
    hint: 'fix the fields listed above; `slipway config print` shows the resolved config once it is valid',
    details: { file, problems },
  });
}

export async function loadConfig(options: { cwd?: string; file?: string } = {}): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const file = options.file
    ? isAbsolute(options.file)
      ? options.file
      : resolve(cwd, options.file)
    : findConfigFile(cwd);
  if (!file || !existsSync(file)) {
    throw new SlipwayError(
      'CONFIG_NOT_FOUND',
      options.file
        ? `${file}: config file not found`
        : `no slipway.config.ts in ${cwd} or any parent directory`,
      {
        hint: 'run `slipway init` to create one, or pass --config <file>',
      },
    );
  }
  const bytes = await readFile(file);
  let mod: { default?: unknown };
  try {
    // The query string defeats the module cache so that an edited config is re-read in the same process.
    mod = (await import(
      /* @vite-ignore */ `${pathToFileURL(file).href}?v=${(await stat(file)).mtimeMs}`
    )) as { default?: unknown };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (
      e instanceof SyntaxError ||
      e.code === 'ERR_INVALID_TYPESCRIPT_SYNTAX' ||
      e.code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX'
    ) {
      throw new SlipwayError(
        'CONFIG_SYNTAX',
        `${file}${syntaxLocation(err, file)}: syntax error: ${e.message.split('\n')[0]}`,
        {
          hint: 'fix the syntax at that line; the config is a TypeScript/JavaScript module with `export default { ... }`',
          cause: err,
        },
      );
    }
    throw new SlipwayError(
      'CONFIG_LOAD_FAILED',
      `${file}: the config module threw while loading: ${e.message}`,
      {
        hint:
          e.code === 'ERR_MODULE_NOT_FOUND'
            ? 'install the package it imports (pnpm add -D @slipway/core), or use `import type` for types only'
            : 'fix the error in the config module',
        cause: err,
      },
    );
  }
  if (mod.default === undefined) {
    throw new SlipwayError('CONFIG_NO_DEFAULT_EXPORT', `${file}: has no default export`, {
      hint: 'end the file with `export default defineConfig({ ... })`',
    });
  }
  const config = validateConfig(mod.default, file);
  return { config, file, root: dirname(file), configHash: hashJson(config), fileHash: hashBytes(bytes) };
}

/** Resolves a config path (relative to the project root) to an absolute path. */
export function resolveProjectPath(root: string, path: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}
