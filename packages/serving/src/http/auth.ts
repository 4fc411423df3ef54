/**
 * Bearer tokens: the admin API's and (optionally) inference's and /metrics'. Tokens are named
 * (`name:token`) so the server knows who acts; a bare token has no name. Every check hashes the
 * presented token and compares it with every configured hash in constant time, so neither the match,
 * its position nor a token's length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { SlipwayError } from '@slipway/core';
import { HttpError } from './errors.js';

export interface TokenSet {
  /** How many tokens are configured. */
  readonly size: number;
  /** The token's name (null for a bare token) or undefined when no token matches. */
  match(token: string): string | null | undefined;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** `name:token` pairs or bare tokens, separated by commas or newlines; `#` starts a comment line. */
export function parseTokens(text: string, source: string): { name: string | null; token: string }[] {
  const out: { name: string | null; token: string }[] = [];
  for (const [i, raw] of text.split(/[\n,]/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : null;
    const token = colon > 0 ? line.slice(colon + 1).trim() : line;
    if (name !== null && !/^[A-Za-z0-9][A-Za-z0-9_.@-]*(\[bot\])?$/.test(name)) {
      throw new SlipwayError(
        'BAD_TOKEN_NAME',
        `${source}: entry ${i + 1}: "${name}" is not a valid token name`,
        {
          hint: 'use name:token with a login-like name (letters, digits, . _ - @)',
        },
      );
    }
    if (token === '')
      throw new SlipwayError('EMPTY_TOKEN', `${source}: entry ${i + 1}: the token is empty`, {
        hint: 'generate one with `openssl rand -hex 32`',
      });
    out.push({ name, token });
  }
  return out;
}

export function tokenSet(entries: { name: string | null; token: string }[]): TokenSet {
  const hashes = entries.map((e) => ({ name: e.name, hash: digest(e.token) }));
  return {
    size: hashes.length,
    match(token) {
      const h = digest(token);
      let found: string | null | undefined;
      for (const e of hashes) if (timingSafeEqual(h, e.hash) && found === undefined) found = e.name;
      return found;
    },
  };
}

/** Tokens from an environment variable's value and/or a file; null when none is configured. */
export function loadTokens(sources: {
  env?: { name: string; value: string | undefined };
  file?: string;
}): TokenSet | null {
  const entries: { name: string | null; token: string }[] = [];
  if (sources.env?.value) entries.push(...parseTokens(sources.env.value, `$${sources.env.name}`));
  if (sources.file) {
    let text: string;
    try {
      text = readFileSync(sources.file, 'utf8');
    } catch (err) {
      throw new SlipwayError(
        'TOKEN_FILE_UNREADABLE',
        `${sources.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        {
          hint: 'check the token file path in the serving config',
        },
      );
    }
    entries.push(...parseTokens(text, sources.file));
  }
  return entries.length > 0 ? tokenSet(entries) : null;
}

export function bearer(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m ? (m[1] as string) : null;
}

/** The authenticated caller's name (null for a bare token); 401/403 otherwise. */
export function authenticate(req: IncomingMessage, set: TokenSet, what: string, hint: string): string | null {
  const token = bearer(req);
  if (token === null) {
    throw new HttpError(
      401,
      'UNAUTHENTICATED',
      `${what} needs a bearer token`,
      'send "Authorization: Bearer <token>"',
      {
        'www-authenticate': 'Bearer',
      },
    );
  }
  const name = set.match(token);
  if (name === undefined)
    throw new HttpError(403, 'FORBIDDEN', `the bearer token is not valid for ${what}`, hint);
  return name;
}

/** Bearer-token check for the admin API; returns the token's name (null: a bare token). */
export function checkAdminToken(req: IncomingMessage, tokens: TokenSet | null): string | null {
  if (!tokens) {
    throw new HttpError(
      403,
      'ADMIN_DISABLED',
      'the admin API is disabled on this server',
      'start the server with an admin token (serving.adminTokenEnv)',
    );
  }
  return authenticate(
    req,
    tokens,
    'the admin API',
    'use a token from the variable named by serving.adminTokenEnv',
  );
}
