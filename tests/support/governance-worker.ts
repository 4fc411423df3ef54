// One governance operation in its own process, for the concurrency and crash tests:
//   node governance-worker.ts <store-uri> <setup.json> promote <model> <version> <alias> <actor>
//   node governance-worker.ts <store-uri> <setup.json> approve <model> <version> <alias> <actor>
//   node governance-worker.ts <store-uri> <setup.json> register <model> <package-dir> <report-file> <actor>
// setup.json holds the policy text, the gate config and the audit key.
// Runs the built packages. Prints one JSON line with the outcome.
import { readFile } from 'node:fs/promises';
import {
  approve,
  type GateConfig,
  type Identity,
  offlineLookup,
  parsePolicy,
  promote,
  registerVersion,
  storeAuditSink,
} from '@slipway/governance';
import { openStore } from '@slipway/tracking';

const [uri, setupFile, op, model, a, b, c] = process.argv.slice(2) as string[];
const setup = JSON.parse(await readFile(setupFile!, 'utf8')) as {
  policy: string;
  gates: GateConfig;
  key?: string;
};
const store = await openStore(uri!, { backoffMs: 100 });
const policy = parsePolicy(setup.policy, 'slipway.policy.yaml');
const key = setup.key ?? null;
const common = { store, policy, lookup: offlineLookup, audit: storeAuditSink(store), auditKey: key };
const actor = (login: string): Identity => ({
  login,
  source: 'github-event',
  ci: true,
  repository: 'acme/flights',
  eventName: 'workflow_dispatch',
  pullRequest: null,
  policyRef: 'origin/main',
});
try {
  if (op === 'promote') {
    const r = await promote({
      ...common,
      model: model!,
      version: a!,
      alias: b!,
      actor: actor(c!),
      gates: setup.gates,
    });
    process.stdout.write(
      `${JSON.stringify({ op, promoted: r.promoted, seq: r.audit.seq, rule: r.refusedBy?.rule ?? null })}\n`,
    );
  } else if (op === 'approve') {
    const r = await approve({ ...common, model: model!, version: a!, alias: b!, actor: actor(c!) });
    process.stdout.write(`${JSON.stringify({ op, approved: r.approved, seq: r.audit.seq })}\n`);
  } else if (op === 'register') {
    const report = JSON.parse(await readFile(b!, 'utf8'));
    const r = await registerVersion({
      ...common,
      model: model!,
      packageDir: a!,
      evalReport: report,
      actor: actor(c!),
    });
    process.stdout.write(`${JSON.stringify({ op, version: r.version, seq: r.audit.seq })}\n`);
  } else throw new Error(`unknown op ${op}`);
} finally {
  await store.close();
}
