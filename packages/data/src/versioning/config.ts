import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { SlipwayError } from '@slipway/core/base';

/** `.dvc/config` merged with `.dvc/config.local`: section name → key → value. */
export type DvcConfig = Record<string, Record<string, string>>;

/**
 * Reads DVC's configobj-style INI: `[core]`, `['remote "name"']`, `key = value`, `#` comments.
 * Only what Slipway needs; unknown sections are kept so callers can report them.
 */
export function parseDvcConfig(text: string, file: string): DvcConfig {
  const out: DvcConfig = {};
  let section: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    const head = /^\[\s*(.+?)\s*\]$/.exec(t);
    if (head) {
      let name = head[1] as string;
      if (/^(['"]).*\1$/.test(name)) name = name.slice(1, -1);
      section = name.replace(/\s+/g, ' ');
      out[section] ??= {};
      return;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(t);
    if (!kv || section === undefined) {
      throw new SlipwayError('DVC_CONFIG_INVALID', `${file}:${i + 1}: cannot parse "${t}"`, {
        hint: 'DVC config lines are `[section]` or `key = value`; compare with `dvc config --list`',
      });
    }
    let value = (kv[2] as string).replace(/\s+#.*$/, '');
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    (out[section] as Record<string, string>)[(kv[1] as string).trim()] = value;
  });
  return out;
}

export interface LoadedDvcConfig {
  config: DvcConfig;
  /** Where each `section.key` came from, so a relative path resolves against its own file. */
  origin: Record<string, string>;
}

export function loadDvcConfig(dvcDir: string): LoadedDvcConfig {
  const config: DvcConfig = {};
  const origin: Record<string, string> = {};
  for (const name of ['config', 'config.local']) {
    const file = join(dvcDir, name);
    if (!existsSync(file)) continue;
    const parsed = parseDvcConfig(readFileSync(file, 'utf8'), file);
    for (const [section, values] of Object.entries(parsed)) {
      config[section] = { ...(config[section] ?? {}), ...values };
      for (const key of Object.keys(values)) origin[`${section}.${key}`] = file;
    }
  }
  return { config, origin };
}

export interface RemoteConfig {
  name: string;
  url: string;
  /** For local remotes: the absolute directory. */
  path?: string;
  options: Record<string, string>;
}

const truthy = (v: string | undefined) => v !== undefined && /^(true|yes|1|on)$/i.test(v);

export function isNoScm(config: DvcConfig): boolean {
  return truthy(config.core?.no_scm);
}

/** Remote chosen by name, else `core.remote`; relative local URLs resolve against `.dvc/`. */
export function resolveRemote(loaded: LoadedDvcConfig, dvcDir: string, name?: string): RemoteConfig {
  const { config } = loaded;
  const wanted = name ?? config.core?.remote;
  const names = Object.keys(config)
    .filter((s) => s.startsWith('remote '))
    .map((s) => s.slice(7).replace(/^"|"$/g, ''));
  if (!wanted) {
    throw new SlipwayError('NO_REMOTE', 'no remote given and no default remote in .dvc/config', {
      hint: names.length
        ? `pass --remote <name> (known: ${names.join(', ')}) or set one with \`dvc remote default <name>\``
        : 'add one: `dvc remote add -d storage s3://bucket/path` or a local directory',
    });
  }
  const section = config[`remote "${wanted}"`];
  if (!section?.url) {
    throw new SlipwayError('UNKNOWN_REMOTE', `remote "${wanted}" is not defined in .dvc/config`, {
      hint: names.length ? `known remotes: ${names.join(', ')}` : 'add it with `dvc remote add`',
    });
  }
  const url = section.url;
  const remote: RemoteConfig = { name: wanted, url, options: section };
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || url.startsWith('file://')) {
    const p = url.startsWith('file://') ? url.slice(7) : url;
    const base = loaded.origin[`remote "${wanted}".url`]?.replace(/[/\\][^/\\]+$/, '') ?? dvcDir;
    remote.path = isAbsolute(p) ? p : resolve(base, p);
  }
  return remote;
}

/** Cache directory: `cache.dir` (relative to the config file that sets it) or `.dvc/cache`. */
export function cacheDirOf(loaded: LoadedDvcConfig, dvcDir: string): string {
  const dir = loaded.config.cache?.dir;
  if (!dir) return join(dvcDir, 'cache');
  const base = loaded.origin['cache.dir']?.replace(/[/\\][^/\\]+$/, '') ?? dvcDir;
  return isAbsolute(dir) ? dir : resolve(base, dir);
}
