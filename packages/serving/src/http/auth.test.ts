import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authenticate, checkAdminToken, parseTokens, tokenSet } from './auth.js';
import type { HttpError } from './errors.js';

const req = (authorization?: string) =>
  ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

describe('bearer tokens', () => {
  it('parses named and bare tokens from commas, newlines and comments', () => {
    expect(parseTokens('alice:aaaa, bob:bbbb\n# ops\nbare-token\n', 'env')).toEqual([
      { name: 'alice', token: 'aaaa' },
      { name: 'bob', token: 'bbbb' },
      { name: null, token: 'bare-token' },
    ]);
    expect(() => parseTokens('bad name:x', 'file.txt')).toThrow(
      /file.txt: entry 1: "bad name" is not a valid token name/,
    );
    expect(() => parseTokens('alice:', 'env')).toThrow(/the token is empty/);
  });

  it('names the caller of a valid token and refuses others with 401/403', () => {
    const set = tokenSet(parseTokens('alice:secret-a,secret-bare', 'env'));
    expect(authenticate(req('Bearer secret-a'), set, 'x', 'h')).toBe('alice');
    expect(authenticate(req('bearer   secret-bare '), set, 'x', 'h')).toBeNull();
    for (const [header, status] of [
      [undefined, 401],
      ['Basic c2VjcmV0LWE=', 401],
      ['Bearer secret-', 403],
      ['Bearer secret-a-longer', 403],
      ['Bearer alice:secret-a', 403],
    ] as const) {
      try {
        authenticate(req(header), set, 'x', 'h');
        expect.unreachable();
      } catch (err) {
        expect((err as HttpError).status).toBe(status);
      }
    }
  });

  it('keeps the admin API off without tokens', () => {
    expect(() => checkAdminToken(req('Bearer x'), null)).toThrow(/disabled/);
  });
});
