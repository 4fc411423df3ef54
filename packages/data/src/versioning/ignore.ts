import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** One `.dvcignore` line (gitignore syntax, as DVC reads it through pathspec's gitwildmatch). */
interface Rule {
  re: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

function classToRegex(body: string): string {
  let out = body.replace(/\\/g, '\\\\');
  if (out.startsWith('!')) out = `^${out.slice(1)}`;
  return `[${out}]`;
}

/** Compiles one line; undefined for blanks and comments. */
export function compileIgnoreLine(line: string): Rule | undefined {
  let p = line.replace(/(?<!\\)\s+$/, '');
  if (p === '' || p.startsWith('#')) return undefined;
  let negate = false;
  if (p.startsWith('!')) {
    negate = true;
    p = p.slice(1);
  } else if (p.startsWith('\\!') || p.startsWith('\\#')) p = p.slice(1);
  let dirOnly = false;
  if (p.endsWith('/')) {
    dirOnly = true;
    p = p.slice(0, -1);
  }
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  if (p === '') return undefined;
  const segments = p.split('/');
  let re = '';
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === '**') {
      if (i === 0) re += last ? '.*' : '(?:.*/)?';
      else re += last ? '/.*' : '/(?:.*/)?';
      return;
    }
    if (i > 0 && segments[i - 1] !== '**') re += '/';
    for (let k = 0; k < seg.length; k++) {
      const c = seg[k] as string;
      if (c === '\\' && k + 1 < seg.length) {
        re += (seg[++k] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      } else if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else if (c === '[') {
        const end = seg.indexOf(']', k + 2);
        if (end < 0) re += '\\[';
        else {
          re += classToRegex(seg.slice(k + 1, end));
          k = end;
        }
      } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  });
  return { re: new RegExp(`^${anchored ? '' : '(?:.*/)?'}${re}$`), negate, dirOnly };
}

export interface IgnoreMatcher {
  /** Whether `abs` (a file, or a directory when `isDir`) is ignored. */
  ignored(abs: string, isDir: boolean): boolean;
  /** Number of rules in force (0: nothing is ever ignored). */
  size: number;
}

/**
 * The `.dvcignore` rules that apply inside `outputDir`: those of the project root and of every
 * directory between it and the output, each relative to its own directory; the last match wins.
 */
export function ignoreFor(root: string, outputAbs: string): IgnoreMatcher {
  const sets: { base: string; rules: Rule[] }[] = [];
  const dirs: string[] = [];
  if (!outputAbs.startsWith(`${root}${sep}`)) return { size: 0, ignored: () => false };
  for (let d = dirname(outputAbs); ; d = dirname(d)) {
    dirs.unshift(d);
    if (d === root || dirname(d) === d) break;
  }
  for (const base of dirs) {
    const file = join(base, '.dvcignore');
    if (!existsSync(file)) continue;
    const rules = readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .map(compileIgnoreLine)
      .filter((r): r is Rule => r !== undefined);
    if (rules.length) sets.push({ base, rules });
  }
  const size = sets.reduce((a, s) => a + s.rules.length, 0);
  return {
    size,
    ignored(abs, isDir) {
      let result = false;
      for (const { base, rules } of sets) {
        const rel = relative(base, abs).split(sep).join('/');
        for (const rule of rules) {
          if (rule.dirOnly && !isDir) continue;
          if (rule.re.test(rel)) result = !rule.negate;
        }
      }
      return result;
    },
  };
}
