// A separate process that logs to one run: `node … tracking-writer.ts <uri> <runId> <tag> <calls> <perCall>`.
// Used to check that two processes logging to the same run at once lose nothing, and crash safety.
import { openStore } from '../../packages/tracking/src/index.ts';

const [uri, runId, tag, calls, perCall] = process.argv.slice(2);
const store = await openStore(uri, { backoffMs: 100 });
const n = Number(calls);
const k = Number(perCall);
for (let c = 0; c < n; c++) {
  const points = Array.from({ length: k }, (_, i) => ({
    key: `proc_${tag}`,
    value: c * k + i,
    timestamp: 1_700_000_000_000 + c * k + i,
    step: c * k + i,
  }));
  await store.logMetrics(runId as string, points);
  await store.setTags(runId as string, { [`last_${tag}`]: String(c) });
  process.stdout.write(`${c}\n`);
}
await store.close();
