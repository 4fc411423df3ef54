import { readFile } from 'node:fs/promises';
import { fsError, SlipwayError, writeFileAtomic } from '@slipway/core/base';
import {
  Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';

/** One output of a `.dvc` file (the fields Slipway reads; every other field is kept untouched). */
export interface DvcOut {
  path: string;
  md5?: string;
  size?: number;
  nfiles?: number;
  isexec?: boolean;
  /** `md5` for DVC 3 entries; absent means a DVC 2 entry (md5-dos2unix). */
  hash?: string;
  remote?: string;
  /** 1-based line of the entry in the file, for messages. */
  line: number;
}

export interface DvcFile {
  file: string;
  /** The file's text as read. */
  text: string;
  outs: DvcOut[];
  doc: Document;
  /** The document as plain values (aliases expanded within the parser's budget). */
  value: Record<string, unknown>;
}

/** The hash of a newly computed output, written in DVC's key order. */
export interface OutHash {
  md5: string;
  size: number;
  nfiles?: number;
  isexec?: boolean;
}

const OID_RE = /^[0-9a-f]{32}(\.dir)?$/;

function invalid(file: string, line: number, what: string, hint?: string): SlipwayError {
  return new SlipwayError('DVC_FILE_INVALID', `${file}:${line}: ${what}`, {
    hint: hint ?? 'fix the file by hand, restore it from git, or re-create it with `slipway data add <path>`',
  });
}

/** Parses and validates a `.dvc` file; every error names the file and the line. */
export function parseDvcFile(text: string, file: string): DvcFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lc.linePos(offset).line);
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line ?? lineOf(first.pos[0]);
    throw invalid(
      file,
      line,
      `not valid YAML: ${first.message.split('\n')[0]}`,
      'the file may be truncated or hand-edited; restore it from git or re-add the data',
    );
  }
  // Aliases expand when the document is turned into values: a "billion laughs" file is stopped by
  // the parser's alias budget, which must surface as this file being invalid, not as a crash.
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw invalid(
      file,
      1,
      `not a usable YAML document: ${(err as Error).message.split('\n')[0]}`,
      'a .dvc file needs no YAML anchors or aliases; restore it from git or re-create it with `slipway data add <path>`',
    );
  }
  const root = doc.contents;
  if (!isMap(root)) {
    throw invalid(
      file,
      root ? lineOf(root.range?.[0]) : 1,
      root ? 'expected a mapping with an `outs:` list' : 'the file is empty',
    );
  }
  const outsNode = root.get('outs', true);
  if (!isSeq(outsNode) || outsNode.items.length === 0) {
    const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'outs');
    const line = pair && isScalar(pair.key) ? lineOf(pair.key.range?.[0]) : lineOf(root.range?.[0]);
    throw invalid(
      file,
      line,
      outsNode === undefined ? 'missing `outs:`' : '`outs:` must be a non-empty list',
    );
  }
  const outs: DvcOut[] = (outsNode as YAMLSeq).items.map((item) => {
    const node = item as YAMLMap | Scalar;
    const line = lineOf(node?.range?.[0]);
    if (!isMap(node)) throw invalid(file, line, 'each entry of `outs:` must be a mapping with `path:`');
    const get = (key: string) => {
      const v = node.get(key, true);
      return {
        v: isScalar(v) ? v.value : v,
        line: lineOf((v as Scalar | undefined)?.range?.[0] ?? node.range?.[0]),
      };
    };
    const path = get('path');
    if (typeof path.v !== 'string' || path.v === '') throw invalid(file, line, 'entry has no `path:`');
    const out: DvcOut = { path: path.v, line };
    const md5 = get('md5');
    if (md5.v !== undefined && md5.v !== null) {
      if (typeof md5.v !== 'string' || !OID_RE.test(md5.v))
        throw invalid(
          file,
          md5.line,
          `\`md5: ${String(md5.v)}\` is not a 32-hex-digit md5 (optionally ending in .dir)`,
        );
      out.md5 = md5.v;
    }
    for (const key of ['size', 'nfiles'] as const) {
      const f = get(key);
      if (f.v === undefined || f.v === null) continue;
      if (typeof f.v !== 'number' || !Number.isInteger(f.v) || f.v < 0)
        throw invalid(file, f.line, `\`${key}: ${String(f.v)}\` must be a whole number ≥ 0`);
      out[key] = f.v;
    }
    const isexec = get('isexec');
    if (isexec.v === true) out.isexec = true;
    const hash = get('hash');
    if (hash.v !== undefined) {
      if (hash.v !== 'md5')
        throw invalid(file, hash.line, `\`hash: ${String(hash.v)}\` is not supported (only md5)`);
      out.hash = 'md5';
    }
    const remote = get('remote');
    if (typeof remote.v === 'string') out.remote = remote.v;
    return out;
  });
  return { file, text, outs, doc, value: value as Record<string, unknown> };
}

export async function readDvcFile(file: string): Promise<DvcFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw fsError(err, file, 'read the .dvc file');
  }
  return parseDvcFile(text, file);
}

const CANONICAL = ['md5', 'size', 'nfiles', 'isexec', 'hash', 'path'];

/** A scalar styled the way ruamel (DVC's YAML writer) styles it where `yaml` would differ. */
function pathScalar(path: string): Scalar {
  const s = new Scalar(path);
  if (/[\t\x00-\x08\x0b-\x1f\x7f]/.test(path)) s.type = Scalar.QUOTE_DOUBLE;
  else if (path === '---' || path === '...' || path === '=') s.type = Scalar.QUOTE_SINGLE;
  return s;
}

/**
 * Text of a `.dvc` file after (re)adding `path` with `hash`: DVC's key order for the known fields,
 * every other field of the entry and of the file kept as it was.
 */
export function renderDvcFile(existing: DvcFile | undefined, path: string, hash: OutHash): string {
  const doc = existing?.doc ?? new Document({ outs: [{}] });
  const outs = (doc.contents as YAMLMap).get('outs', true) as unknown as YAMLSeq;
  let index = existing ? existing.outs.findIndex((o) => o.path.replace(/^\.\//, '') === path) : 0;
  // A single entry is this output under another spelling; never overwrite one of several others.
  if (index < 0) index = existing?.outs.length === 1 ? 0 : outs.items.length;
  const old = outs.items[index] as YAMLMap | undefined;
  const entry = doc.createNode({}) as YAMLMap;
  entry.set('md5', hash.md5);
  entry.set('size', hash.size);
  if (hash.nfiles !== undefined) entry.set('nfiles', hash.nfiles);
  if (hash.isexec) entry.set('isexec', true);
  entry.set('hash', 'md5');
  entry.set('path', pathScalar(path));
  if (old && isMap(old)) {
    for (const pair of old.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key === 'string' && CANONICAL.includes(key)) continue;
      entry.items.push(pair);
    }
    entry.commentBefore = old.commentBefore;
    entry.comment = old.comment;
  }
  outs.items[index] = entry;
  return doc.toString({ indentSeq: false, singleQuote: true, lineWidth: 0 });
}

/** Writes a `.dvc` file; with `root`, never through a link below the project root. */
export async function writeDvcFile(file: string, text: string, root?: string): Promise<void> {
  await writeFileAtomic(file, text, root ? { root } : {});
}
