// Slipway side of bench/drift: the full drift report (reference dataset → profile, current dataset)
// in a fresh process; prints one JSON line with the time, peak RSS and per-column decisions.
import { driftReport, profileDataset } from '../../packages/data/dist/index.js';

const [mode, a, b] = process.argv.slice(2);
if (mode === 'profile') {
  const t0 = performance.now();
  const profile = await profileDataset(a!);
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({ seconds, rows: profile.rowCount, max_rss_mb: process.resourceUsage().maxRSS / 1024 }),
  );
} else {
  const t0 = performance.now();
  const report = await driftReport({ reference: a!, current: b! });
  const seconds = (performance.now() - t0) / 1000;
  const columns = Object.fromEntries(
    report.columns.map((c) => [
      c.column,
      {
        method: c.method,
        score: c.statistic,
        threshold: c.threshold,
        drifted: c.drifted,
        approximate: c.approximate,
      },
    ]),
  );
  console.log(
    JSON.stringify({
      seconds,
      max_rss_mb: process.resourceUsage().maxRSS / 1024,
      share: report.share,
      columns,
    }),
  );
}
