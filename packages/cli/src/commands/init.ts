import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SlipwayError, writeFileAtomic } from '@slipway/core';
import type { Command } from '../command.js';
import { WORKFLOWS_REF } from '../release-ref.js';

/** The GitHub repository whose reusable workflows and Actions users call. */
export const SLIPWAY_REPO = 'slipway-ml/slipway';

function configTemplate(name: string): string {
  return `// Slipway project config: https://github.com/${SLIPWAY_REPO}/blob/main/docs/config.md
// \`import type\` keeps this file loadable even before @slipway/core is installed.
import type { SlipwayConfigInput } from '@slipway/core';

export default {
  project: { name: '${name}', owners: [] },
  data: {
    // Training and evaluation splits: CSV, Parquet or JSON lines.
    train: 'data/train.csv',
    eval: 'data/eval.csv',
    label: 'label',
  },
  features: [
    // One entry per input column; transforms are fitted on the training split and saved with the model.
    { column: 'x', transform: 'standardize' },
  ],
  model: { task: 'binary', type: 'mlp', hidden: [32] },
  training: { epochs: 5, seed: 42 },
  eval: {
    gates: {
      roc_auc: { threshold: 0.6, minAbsoluteChange: 0 },
    },
  },
} satisfies SlipwayConfigInput;
`;
}

const POLICY_TEMPLATE = `# Who may register, promote and roll out models. Deny by default.
# Read from the base branch, never from the pull request being judged.
version: 1
roles:
  maintainers:
    members: []   # GitHub logins or org/team slugs
grants:
  - role: maintainers
    models: "*"
    actions: [register, "promote:champion", "rollout:production"]
approvals: {}
`;

const WORKFLOW_TEMPLATE = `name: slipway
on:
  pull_request:
    paths: [data/**, "*.dvc", slipway.config.ts, src/**]
permissions:
  contents: read
jobs:
  slipway:
    uses: ${SLIPWAY_REPO}/.github/workflows/slipway-pr.yml@${WORKFLOWS_REF}
    permissions:
      contents: read
      pull-requests: write
      checks: write
`;

/** The environment that holds the release secrets (docs/security.md "Threat model"). */
export const RELEASE_ENVIRONMENT = 'slipway-release';

const RELEASE_TEMPLATE = `name: release
on:
  push:
    branches: [main]
    paths: [data/**, "*.dvc", slipway.config.ts, src/**]
permissions:
  contents: read
jobs:
  release:
    uses: ${SLIPWAY_REPO}/.github/workflows/slipway-release.yml@${WORKFLOWS_REF}
    with:
      # SLIPWAY_AUDIT_KEY, SLIPWAY_SIGNING_KEY and SLIPWAY_ADMIN_TOKEN are secrets of this deployment
      # environment, never repository secrets: create it (Settings → Environments) limited to the default
      # branch, with required reviewers. A branch someone pushes cannot read them there.
      secrets-environment: ${RELEASE_ENVIRONMENT}
      serving-url: \${{ vars.SLIPWAY_SERVING_URL }}
      serving-model: \${{ vars.SLIPWAY_SERVING_MODEL }}
    permissions:
      contents: write
      checks: write
      deployments: write
    # Inherit, not pass: the keys are the environment's, so the caller has nothing to hand over.
    secrets: inherit
`;

/** What to run once, by someone with admin rights, to create the release environment (gh CLI). */
export function releaseEnvironmentSetup(reviewer = '<your-user-id>'): string[] {
  return [
    `gh api -X PUT repos/{owner}/{repo}/environments/${RELEASE_ENVIRONMENT} --input - <<'JSON'`,
    `{"reviewers":[{"type":"User","id":${reviewer}}],"deployment_branch_policy":{"protected_branches":true,"custom_branch_policies":false}}`,
    'JSON',
    `gh secret set SLIPWAY_AUDIT_KEY --env ${RELEASE_ENVIRONMENT}     # openssl rand -hex 32`,
    `gh secret set SLIPWAY_SIGNING_KEY --env ${RELEASE_ENVIRONMENT}   # the same key on your model server`,
    `gh secret set SLIPWAY_ADMIN_TOKEN --env ${RELEASE_ENVIRONMENT}   # only with a serving-url`,
  ];
}

const GITIGNORE_LINES = ['# slipway', '.slipway/', 'slipway-out/'];

export interface InitResult {
  created: string[];
  skipped: string[];
  updated: string[];
}

/** Scaffolds a project; never overwrites an existing file. */
export async function initProject(dir: string, options: { name?: string } = {}): Promise<InitResult> {
  const name =
    (options.name ?? basename(dir)).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') ||
    'my-model';
  const result: InitResult = { created: [], skipped: [], updated: [] };
  const files: [string, string][] = [
    ['slipway.config.ts', configTemplate(name)],
    ['slipway.policy.yaml', POLICY_TEMPLATE],
    ['.github/workflows/slipway.yml', WORKFLOW_TEMPLATE],
    ['.github/workflows/slipway-release.yml', RELEASE_TEMPLATE],
    ['data/.gitkeep', ''],
  ];
  for (const [rel, content] of files) {
    const path = join(dir, rel);
    if (existsSync(path)) {
      result.skipped.push(rel);
      continue;
    }
    await mkdir(join(path, '..'), { recursive: true });
    await writeFileAtomic(path, content);
    result.created.push(rel);
  }
  const gitignore = join(dir, '.gitignore');
  const current = existsSync(gitignore) ? await readFile(gitignore, 'utf8') : '';
  const have = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_LINES.filter((l) => !have.has(l));
  if (missing.length > 0) {
    const sep = current.length === 0 || current.endsWith('\n') ? '' : '\n';
    await writeFileAtomic(gitignore, `${current}${sep}${missing.join('\n')}\n`);
    (current ? result.updated : result.created).push('.gitignore');
  }
  return result;
}

export const initCommands: Command[] = [
  {
    name: 'init',
    summary:
      'scaffold a Slipway project here: config, policy, data folder, .gitignore lines, PR and release workflows',
    flags: {
      name: {
        type: 'string',
        value: '<name>',
        description: 'project and model name (default: the directory name)',
      },
    },
    async run(ctx) {
      if (!existsSync(ctx.cwd)) throw new SlipwayError('CLI_BAD_CWD', `${ctx.cwd} does not exist`);
      const result = await initProject(
        ctx.cwd,
        typeof ctx.flags.name === 'string' ? { name: ctx.flags.name } : {},
      );
      ctx.output({ dir: ctx.cwd, ...result }, () =>
        [
          ...result.created.map((f) => `created  ${f}`),
          ...result.updated.map((f) => `updated  ${f}`),
          ...result.skipped.map((f) => `kept     ${f} (already exists)`),
          '',
          'Next: put your data in data/, edit slipway.config.ts, then run `slipway doctor`.',
          ...(result.created.includes('.github/workflows/slipway-release.yml')
            ? [
                '',
                `The release workflow reads its secrets from the "${RELEASE_ENVIRONMENT}" environment. Create it,`,
                'limited to protected branches and with a required reviewer, before the first push to main',
                '(GitHub would otherwise create it unprotected):',
                ...releaseEnvironmentSetup().map((l) => `  ${l}`),
              ]
            : []),
        ].join('\n'),
      );
    },
  },
];
