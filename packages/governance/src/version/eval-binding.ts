/**
 * The eval report a version is bound to: the digest its `register` entry recorded, or the new digest of
 * the last allowed, audited replacement (`slipway card <version> --eval`). Promotion refuses a stored
 * report whose digest the verified audit chain does not name, so a report swapped in the store (artifact
 * and tag rewritten together) is caught.
 */
import type { AuditEntry } from '../audit/log.js';

export const REPLACE_REPORT = 'replace-eval-report';

export function boundEvalDigest(entries: AuditEntry[], model: string, version: string): string | null {
  let digest: string | null = null;
  for (const e of entries) {
    if (e.model !== model || e.version !== version) continue;
    if (e.event === 'register' && (e.outcome === 'allowed' || e.outcome === 'ok')) {
      if (typeof e.data.evalSha256 === 'string') digest = e.data.evalSha256;
    } else if (e.event === 'eval' && e.outcome === 'allowed' && e.data.change === REPLACE_REPORT) {
      if (typeof e.data.newSha256 === 'string') digest = e.data.newSha256;
    }
  }
  return digest;
}
