import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FILES, SlipwayError, writeFileAtomic } from '@slipway/core';
import type { Command } from '../command.js';
import { WORKFLOWS_REF } from '../release-ref.js';

/** The GitHub repository whose reusable workflows and Actions users call. */
export const SLIPWAY_REPO = 'slipway-ml/slipway';

/** Sample datasets `slipway init --example <name>` copies into data/ (files in this package's templates/). */
export const EXAMPLES = {
  penguins: {
    files: ['train.csv', 'eval.csv', 'README.md'],
    summary: '333 Palmer penguins (CC0): is the penguin male, from its species, island and measurements',
  },
} as const;
export type ExampleName = keyof typeof EXAMPLES;

function templatesDir(): string {
  // dist/commands/init.js and src/commands/init.ts both sit two levels below the package root.
  return fileURLToPath(new URL('../../templates/', import.meta.url));
}

function configTemplate(name: string, example: ExampleName | null): string {
  const data = example
    ? `    // The sample data init wrote (data/README.md says where it comes from); replace it with yours.
    train: 'data/train.csv',
    eval: 'data/eval.csv',
    label: 'male',
    id: 'id',
    schema: 'schema.json',`
    : `    // Training and evaluation splits: CSV, Parquet or JSON lines.
    train: 'data/train.csv',
    eval: 'data/eval.csv',
    label: 'label',
    schema: 'schema.json',`;
  const features = example
    ? `    { column: 'species', transform: 'oneHot' },
    { column: 'island', transform: 'oneHot' },
    { column: 'beak_length_mm', transform: 'standardize' },
    { column: 'beak_depth_mm', transform: 'standardize' },
    { column: 'flipper_length_mm', transform: 'standardize' },
    { column: 'body_mass_g', transform: 'standardize' },`
    : `    { column: 'x', transform: 'standardize' },`;
  return `// Slipway project config: https://github.com/${SLIPWAY_REPO}/blob/main/docs/config.md
// \`import type\` keeps this file loadable even before @slipway/core is installed.
import type { SlipwayConfigInput } from '@slipway/core';

export default {
  project: { name: '${name}', owners: [] },
  data: {
${data}
  },
  features: [
    // One entry per input column; transforms are fitted on the training split and saved with the model.
${features}
  ],
  // Gradient-boosted trees learn small and medium tables well without tuning; the validation split
  // (training.validationSplit) stops boosting once it stops improving.
  model: { task: 'binary', type: 'gbdt', gbdt: { iterations: 200, minSamplesLeaf: 10 } },
  training: { seed: 42, earlyStopping: { patience: 20 } },
  eval: {
    baseline: 'champion',
    gates: {
      roc_auc: { threshold: 0.6, minAbsoluteChange: 0 },
    },
  },
} satisfies SlipwayConfigInput;
`;
}

const POLICY_TEMPLATE = `# Who may register, promote and roll out models. Deny by default.
# In CI the policy is read from the base branch, never from the pull request being judged.
#
# Members are named the way Slipway sees the person running it:
#   - "@local" is whoever runs slipway on their own machine (outside GitHub Actions). Locally the identity
#     is \`git config user.name\` (else $USER), but only "@local" matches it: a name cannot be claimed locally.
#   - In GitHub Actions the identity is the GitHub login that triggered the run (the event's sender);
#     list logins (alice) or org/team slugs (acme/ml-release). "@local" never matches in CI.
version: 1
roles:
  local:
    members: ["@local"]   # you, on your machine: register and promote while trying things out
  maintainers:
    members: []           # GitHub logins or org/team slugs that may release from CI
grants:
  - role: local
    models: "*"
    actions: [register, "promote:champion"]
  - role: maintainers
    models: "*"
    actions: [register, "promote:champion", "rollout:production"]
approvals: {}
`;

/**
 * slipway.config.ts, or .mts where package.json says "type": "commonjs" (what `npm init` writes): Node
 * would load a .ts file there as CommonJS and reject the config's `export default`.
 */
export function configFileName(dir: string): string {
  for (const name of CONFIG_FILES) if (existsSync(join(dir, name))) return name;
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: string };
    if (pkg.type === 'commonjs') return 'slipway.config.mts';
  } catch {}
  return 'slipway.config.ts';
}

/** The version of the pnpm on PATH, which wrote the lockfile CI must read; null when there is none. */
function installedPnpm(): string | null {
  try {
    const v = execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return /^\d+\.\d+\.\d+$/.test(v) ? v : null;
  } catch {
    return null;
  }
}

/** How the repository installs its dependencies, from its lockfile (or package.json's packageManager). */
export function detectPackageManager(dir: string): {
  name: 'pnpm' | 'npm' | 'yarn' | 'bun';
  install: string;
} {
  let declared: string | undefined;
  try {
    declared = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { packageManager?: string })
      .packageManager;
  } catch {}
  const pnpmVersion = declared?.startsWith('pnpm@') ? declared.slice(5).split('+')[0] : undefined;
  const pnpm = {
    name: 'pnpm' as const,
    // The runner has Node, not pnpm: fetch the declared pnpm (else the one installed here) through npx.
    install: `npx --yes pnpm@${pnpmVersion ?? installedPnpm() ?? '10'} install --frozen-lockfile`,
  };
  if (existsSync(join(dir, 'pnpm-lock.yaml'))) return pnpm;
  if (existsSync(join(dir, 'yarn.lock')))
    return { name: 'yarn', install: 'corepack enable && yarn install --immutable' };
  if (existsSync(join(dir, 'bun.lock')) || existsSync(join(dir, 'bun.lockb')))
    return { name: 'bun', install: 'npx --yes bun install --frozen-lockfile' };
  if (existsSync(join(dir, 'package-lock.json'))) return { name: 'npm', install: 'npm ci' };
  if (pnpmVersion) return pnpm;
  return { name: 'npm', install: 'npm ci' };
}

function workflowTemplate(install: string): string {
  return `name: slipway
on:
  pull_request:
    paths: [data/**, "*.dvc", "slipway.config.*", src/**]
permissions:
  contents: read
jobs:
  slipway:
    uses: ${SLIPWAY_REPO}/.github/workflows/slipway-pr.yml@${WORKFLOWS_REF}
    permissions:
      contents: read
      pull-requests: write
      checks: write
    with:
      install-command: ${JSON.stringify(install)}
`;
}

/** The environment that holds the release secrets (docs/security.md "Threat model"). */
export const RELEASE_ENVIRONMENT = 'slipway-release';

function releaseTemplate(install: string): string {
  return `name: release
on:
  push:
    branches: [main]
    paths: [data/**, "*.dvc", "slipway.config.*", src/**]
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
      install-command: ${JSON.stringify(install)}
      serving-url: \${{ vars.SLIPWAY_SERVING_URL }}
      serving-model: \${{ vars.SLIPWAY_SERVING_MODEL }}
    permissions:
      contents: write
      checks: write
      deployments: write
    # Inherit, not pass: the keys are the environment's, so the caller has nothing to hand over.
    secrets: inherit
`;
}

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

const GITIGNORE_LINES = ['# slipway', 'node_modules/', '.slipway/', 'slipway-out/'];

export interface InitResult {
  created: string[];
  skipped: string[];
  updated: string[];
  /** The package manager the workflow installs with. */
  packageManager: string;
}

/** Scaffolds a project; never overwrites an existing file. */
export async function initProject(
  dir: string,
  options: { name?: string; example?: ExampleName | null } = {},
): Promise<InitResult> {
  // Sample data only into a project that has no splits yet (never next to the user's own data).
  const hasData = existsSync(join(dir, 'data', 'train.csv')) || existsSync(join(dir, 'data', 'eval.csv'));
  const example = hasData ? null : options.example === undefined ? 'penguins' : options.example;
  const name =
    (options.name ?? basename(dir)).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') ||
    'my-model';
  const result: InitResult = { created: [], skipped: [], updated: [], packageManager: '' };
  const pm = detectPackageManager(dir);
  result.packageManager = pm.name;
  const configName = configFileName(dir);
  const files: [string, string][] = [
    [configName, configTemplate(name, example)],
    ['slipway.policy.yaml', POLICY_TEMPLATE],
    ['.github/workflows/slipway.yml', workflowTemplate(pm.install)],
    ['.github/workflows/slipway-release.yml', releaseTemplate(pm.install)],
    ...(example
      ? await Promise.all(
          EXAMPLES[example].files.map(
            async (f): Promise<[string, string]> => [
              `data/${f}`,
              await readFile(join(templatesDir(), example, f), 'utf8'),
            ],
          ),
        )
      : [['data/.gitkeep', ''] as [string, string]]),
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
      'scaffold a Slipway project here: config, policy, sample data, .gitignore lines, PR and release workflows',
    description: `Never overwrites a file. --example picks the sample dataset written to data/ (${Object.entries(
      EXAMPLES,
    )
      .map(([n, e]) => `${n}: ${e.summary}`)
      .join('; ')}); --example none writes no data.`,
    flags: {
      example: {
        type: 'string',
        value: '<name>',
        description: `sample dataset for data/: ${Object.keys(EXAMPLES).join(', ')} or none (default: penguins)`,
      },
      name: {
        type: 'string',
        value: '<name>',
        description: 'project and model name (default: the directory name)',
      },
    },
    async run(ctx) {
      if (!existsSync(ctx.cwd)) throw new SlipwayError('CLI_BAD_CWD', `${ctx.cwd} does not exist`);
      const ex = typeof ctx.flags.example === 'string' ? ctx.flags.example : 'penguins';
      if (ex !== 'none' && !(ex in EXAMPLES)) {
        throw new SlipwayError('CLI_BAD_ARGUMENTS', `--example ${ex}: no such sample dataset`, {
          hint: `pass one of ${Object.keys(EXAMPLES).join(', ')}, or none`,
        });
      }
      const result = await initProject(ctx.cwd, {
        ...(typeof ctx.flags.name === 'string' ? { name: ctx.flags.name } : {}),
        example: ex === 'none' ? null : (ex as ExampleName),
      });
      ctx.output({ dir: ctx.cwd, ...result }, () =>
        [
          ...result.created.map((f) => `created  ${f}`),
          ...result.updated.map((f) => `updated  ${f}`),
          ...result.skipped.map((f) => `kept     ${f} (already exists)`),
          '',
          `workflow installs with: ${result.packageManager}`,
          '',
          ex === 'none'
            ? 'Next: put your data in data/, point slipway.config.ts at it, then run `slipway doctor`.'
            : 'Next: run `slipway doctor`, then follow docs/getting-started.md (data/README.md describes the sample data).',
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
