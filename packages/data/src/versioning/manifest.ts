import { createHash } from 'node:crypto';

/** One file of a tracked directory, as DVC's `.dir` manifest lists it. */
export interface ManifestEntry {
  md5: string;
  /** POSIX path relative to the directory. */
  relpath: string;
}

/** Python's `json.dumps(s)` with `ensure_ascii=True`: everything outside printable ASCII becomes `\uXXXX`. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export function pythonJsonString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    // UTF-16 code units, so non-BMP characters come out as surrogate pairs exactly as Python writes them.
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** Python orders strings by code point; UTF-8 byte order is the same order (JS `sort()` is not). */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The exact bytes DVC stores for a directory: `json.dumps(sorted entries, sort_keys=True)`. */
export function serializeManifest(entries: readonly ManifestEntry[]): Buffer {
  // Without surrogates, UTF-16 order is code point order and the plain comparison is much faster.
  const surrogates = entries.some((e) => /[\uD800-\uDFFF]/.test(e.relpath));
  const sorted = surrogates
    ? entries
        .map((e) => ({ e, key: Buffer.from(e.relpath, 'utf8') }))
        .sort((a, b) => Buffer.compare(a.key, b.key))
        .map((x) => x.e)
    : [...entries].sort((a, b) => (a.relpath < b.relpath ? -1 : a.relpath > b.relpath ? 1 : 0));
  const parts = sorted.map(
    (e) => `{"md5": ${pythonJsonString(e.md5)}, "relpath": ${pythonJsonString(e.relpath)}}`,
  );
  return Buffer.from(`[${parts.join(', ')}]`, 'utf8');
}

/** Directory object id: md5 of the manifest bytes plus `.dir`. */
export function manifestOid(bytes: Uint8Array): string {
  return `${createHash('md5').update(bytes).digest('hex')}.dir`;
}

const MD5_RE = /^[0-9a-f]{32}$/;

/** Parses a `.dir` object; throws a plain Error describing the first problem (callers add the path). */
export function parseManifest(bytes: Uint8Array): ManifestEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new Error('expected a JSON list of {md5, relpath} entries');
  return raw.map((item, i) => {
    const e = item as Record<string, unknown>;
    if (!e || typeof e !== 'object' || typeof e.md5 !== 'string' || typeof e.relpath !== 'string')
      throw new Error(`entry ${i} lacks md5 or relpath`);
    if (!MD5_RE.test(e.md5)) throw new Error(`entry ${i} (${e.relpath}) has a malformed md5 "${e.md5}"`);
    const rel = e.relpath;
    if (rel.startsWith('/') || rel.split('/').some((p) => p === '..' || p === ''))
      throw new Error(`entry ${i} has an unsafe relpath "${rel}"`);
    return { md5: e.md5, relpath: rel };
  });
}
