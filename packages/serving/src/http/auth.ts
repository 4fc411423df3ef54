import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/**
 * Bearer-token check for the admin API. Both sides are hashed first so the constant-time compare
 * sees equal lengths and the token's length does not leak either.
 */
export function checkAdminToken(req: IncomingMessage, expected: string | undefined): void {
  if (!expected) {
    throw new HttpError(
      403,
      'ADMIN_DISABLED',
      'the admin API is disabled on this server',
      'start the server with an admin token (serving.adminTokenEnv)',
    );
  }
  const header = req.headers.authorization;
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) {
    throw new HttpError(
      401,
      'UNAUTHENTICATED',
      'missing bearer token',
      'send "Authorization: Bearer <token>"',
    );
  }
  const a = createHash('sha256')
    .update(m[1] as string)
    .digest();
  const b = createHash('sha256').update(expected).digest();
  if (!timingSafeEqual(a, b)) {
    throw new HttpError(
      403,
      'FORBIDDEN',
      'the bearer token is not valid for this server',
      'use the token in the variable named by serving.adminTokenEnv',
    );
  }
}
