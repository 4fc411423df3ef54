import { describe, expect, it } from 'vitest';
import { parseDvcConfig } from './config.js';
import { parseDvcFile, renderDvcFile } from './dvcfile.js';
import { compileIgnoreLine } from './ignore.js';
import {
  compareCodePoints,
  manifestOid,
  parseManifest,
  pythonJsonString,
  serializeManifest,
} from './manifest.js';

describe('.dir manifest', () => {
  it('matches the DVC documentation test vector', () => {
    const bytes = serializeManifest([
      { md5: '402e97968614f583ece3b35555971f64', relpath: 'index.jpeg' },
      { md5: 'de7371b0119f4f75f9de703c7c3bac16', relpath: 'cat.jpeg' },
    ]);
    expect(bytes.toString()).toBe(
      '[{"md5": "de7371b0119f4f75f9de703c7c3bac16", "relpath": "cat.jpeg"}, {"md5": "402e97968614f583ece3b35555971f64", "relpath": "index.jpeg"}]',
    );
    expect(manifestOid(bytes)).toBe('6fdb5336fce0dbfd669f83065f107551.dir');
  });

  it('escapes like Python json.dumps(ensure_ascii=True)', () => {
    expect(pythonJsonString('e/ü')).toBe('"e/\\u00fc"');
    expect(pythonJsonString('😀')).toBe('"\\ud83d\\ude00"');
    expect(pythonJsonString('a"b\\c\t\x7f')).toBe('"a\\"b\\\\c\\t\\u007f"');
    expect(serializeManifest([]).toString()).toBe('[]');
    expect(manifestOid(serializeManifest([]))).toBe('d751713988987e9331980363e24189ce.dir');
  });

  it('sorts by code point as Python does, not by UTF-16 unit', () => {
    const names = ['\u{1F600}', '\uFFFD', 'a', 'B'];
    expect([...names].sort(compareCodePoints)).toEqual(['B', 'a', '\uFFFD', '\u{1F600}']);
    expect([...names].sort()).not.toEqual(['B', 'a', '\uFFFD', '\u{1F600}']);
  });

  it('rejects malformed manifests', () => {
    expect(() => parseManifest(Buffer.from('{'))).toThrow(/not valid JSON/);
    expect(() => parseManifest(Buffer.from('[{"md5": "x", "relpath": "a"}]'))).toThrow(/malformed md5/);
    expect(() =>
      parseManifest(Buffer.from('[{"md5": "d41d8cd98f00b204e9800998ecf8427e", "relpath": "../a"}]')),
    ).toThrow(/unsafe relpath/);
  });
});

describe('.dvc files', () => {
  it('writes the exact bytes DVC 3 writes', () => {
    expect(renderDvcFile(undefined, 'foo', { md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3 })).toBe(
      'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\n',
    );
    expect(
      renderDvcFile(undefined, 'data', { md5: '5ea40360f5b4ec688df672a4db9c17d1.dir', size: 6, nfiles: 2 }),
    ).toBe(
      'outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: data\n',
    );
    expect(
      renderDvcFile(undefined, 'run.sh', { md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, isexec: true }),
    ).toContain('  size: 3\n  isexec: true\n  hash: md5\n');
  });

  it('quotes paths the way ruamel does', () => {
    const line = (p: string) =>
      renderDvcFile(undefined, p, { md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3 }).split('\n')[4];
    expect(line('123')).toBe("  path: '123'");
    expect(line('#x')).toBe("  path: '#x'");
    expect(line('yes')).toBe('  path: yes');
    expect(line('null')).toBe("  path: 'null'");
    expect(line('a b')).toBe('  path: a b');
    expect(line('ü.txt')).toBe('  path: ü.txt');
    expect(line('---')).toBe("  path: '---'");
    expect(line('=')).toBe("  path: '='");
    expect(line('a\tb')).toBe('  path: "a\\tb"');
  });

  it('keeps unknown fields and comments when re-adding', () => {
    const text =
      '# dataset of record\nouts:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\n  desc: the foo data\n  meta:\n    owner: ml-team\n  push: false\nmeta:\n  source: s3://raw\n';
    const parsed = parseDvcFile(text, 'foo.dvc');
    const out = renderDvcFile(parsed, 'foo', { md5: '37b51d194a7513e45b56f6524f2d51f2', size: 3 });
    expect(out).toBe(
      '# dataset of record\nouts:\n- md5: 37b51d194a7513e45b56f6524f2d51f2\n  size: 3\n  hash: md5\n  path: foo\n  desc: the foo data\n  meta:\n    owner: ml-team\n  push: false\nmeta:\n  source: s3://raw\n',
    );
    // Unchanged content renders to the same bytes.
    expect(
      renderDvcFile(parseDvcFile(text, 'foo.dvc'), 'foo', {
        md5: 'acbd18db4cc2f85cedef654fccc4a4d8',
        size: 3,
      }),
    ).toBe(text);
  });

  it('updates only the matching entry of a file with several outputs', () => {
    const text =
      'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: a\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: b\n';
    const out = renderDvcFile(parseDvcFile(text, 'x.dvc'), 'b', {
      md5: '37b51d194a7513e45b56f6524f2d51f2',
      size: 3,
    });
    expect(out).toBe(
      text.replace(
        /acbd18db4cc2f85cedef654fccc4a4d8(\n {2}size: 3\n {2}hash: md5\n {2}path: b)/,
        '37b51d194a7513e45b56f6524f2d51f2$1',
      ),
    );
  });

  it('names the file and line of a malformed or truncated file', () => {
    const err = (text: string) => {
      try {
        parseDvcFile(text, 'data/x.dvc');
      } catch (e) {
        return e as { code: string; message: string; hint?: string };
      }
      throw new Error('expected an error');
    };
    const truncated = err('outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  ha');
    expect(truncated.code).toBe('DVC_FILE_INVALID');
    expect(truncated.message).toMatch(/^data\/x\.dvc:4: /);
    expect(err('outs:\n- md5: nothex\n  size: 3\n  hash: md5\n  path: x\n').message).toMatch(
      /^data\/x\.dvc:2: `md5: nothex`/,
    );
    expect(err('outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: -1\n  path: x\n').message).toMatch(
      /x\.dvc:3: `size: -1`/,
    );
    expect(err('').message).toMatch(/x\.dvc:1: the file is empty/);
    expect(err('foo: 1\n').message).toMatch(/x\.dvc:1: missing `outs:`/);
    expect(err('outs:\n- size: 3\n').message).toMatch(/x\.dvc:2: entry has no `path:`/);
    expect(err('outs: [\n').message).toMatch(/x\.dvc:\d+: not valid YAML/);
    expect(
      err('outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  hash: sha256\n  path: x\n').message,
    ).toMatch(/x\.dvc:3: `hash: sha256`/);
  });
});

describe('.dvc/config', () => {
  it('reads sections, quoted remote names and values', () => {
    const c = parseDvcConfig(
      '[core]\n    remote = store\n    no_scm = True\n[\'remote "store"\']\n    url = s3://bucket/path\n    endpointurl = http://127.0.0.1:9000\n# comment\n',
      '.dvc/config',
    );
    expect(c.core).toEqual({ remote: 'store', no_scm: 'True' });
    expect(c['remote "store"']).toEqual({ url: 's3://bucket/path', endpointurl: 'http://127.0.0.1:9000' });
  });

  it('names the line it cannot parse', () => {
    expect(() => parseDvcConfig('[core]\nwhat is this\n', '.dvc/config')).toThrow(
      /\.dvc\/config:2: cannot parse/,
    );
  });
});

describe('.dvcignore patterns', () => {
  const m = (pattern: string, path: string) => compileIgnoreLine(pattern)?.re.test(path) ?? false;
  it('follows gitignore rules', () => {
    expect(m('*.tmp', 'a/b/x.tmp')).toBe(true);
    expect(m('*.tmp', 'a/x.tmpl')).toBe(false);
    expect(m('/data/x', 'data/x')).toBe(true);
    expect(m('/data/x', 'y/data/x')).toBe(false);
    expect(m('data/x', 'y/data/x')).toBe(false);
    expect(m('**/cache-*', 'a/b/cache-1')).toBe(true);
    expect(m('a/**/z', 'a/z')).toBe(true);
    expect(m('a/**/z', 'a/b/c/z')).toBe(true);
    expect(m('a/**', 'a/b/c')).toBe(true);
    expect(m('f?.[ch]', 'x/f1.c')).toBe(true);
    expect(m('f[!0-9]', 'fa')).toBe(true);
    expect(m('f[!0-9]', 'f1')).toBe(false);
    expect(compileIgnoreLine('# comment')).toBeUndefined();
    expect(compileIgnoreLine('   ')).toBeUndefined();
    expect(compileIgnoreLine('!keep')?.negate).toBe(true);
    expect(compileIgnoreLine('logs/')?.dirOnly).toBe(true);
    expect(m('\\#file', '#file')).toBe(true);
  });
});
