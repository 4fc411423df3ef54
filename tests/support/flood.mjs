// Flood client for tests/serving-flood.test.ts, in its own process so that its work does not delay
// the test's health prober: `node flood.mjs <url> <seconds> <concurrency> <body-file> <header-length|-> [content-type]`.
// (bench/serve/mlserver.ts uses it too.)
// Prints one JSON line: statuses seen, 503s without Retry-After, client timeouts and other errors.
import { readFileSync } from 'node:fs';

const [url, seconds, concurrency, bodyFile, headerLength, contentType] = process.argv.slice(2);
const headers = {
  'content-type': contentType ?? 'application/octet-stream',
  ...(headerLength && headerLength !== '-' ? { 'inference-header-content-length': headerLength } : {}),
};
const body = readFileSync(bodyFile);
const until = Date.now() + Number(seconds) * 1000;
const out = { statuses: {}, missingRetryAfter: 0, timeouts: 0, resets: 0, errors: [] };

async function loop() {
  while (Date.now() < until) {
    try {
      const r = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(20_000),
      });
      await r.arrayBuffer();
      out.statuses[r.status] = (out.statuses[r.status] ?? 0) + 1;
      if (r.status === 503) {
        if (!r.headers.get('retry-after')) out.missingRetryAfter++;
        // A well-behaved client backs off a little; a hostile one would not, and is bounded anyway.
        await new Promise((res) => setTimeout(res, 20));
      }
    } catch (err) {
      const code = String(err?.cause?.code ?? err?.message ?? err);
      if (err?.name === 'TimeoutError') out.timeouts++;
      else if (code === 'ECONNRESET') out.resets++;
      if (err?.name !== 'TimeoutError' && out.errors.length < 5) out.errors.push(code);
    }
  }
}

await Promise.all(Array.from({ length: Number(concurrency) }, loop));
process.stdout.write(`${JSON.stringify(out)}\n`);
