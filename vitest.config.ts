import { existsSync, readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Workspace imports resolve to src/ through the "@slipway/source" export condition: tests never need a build.
const conditions = ['@slipway/source', 'node', 'import', 'module', 'default'];
const nodeConditions = conditions.filter((c) => c !== 'module');

const unit = ['packages', 'apps', 'actions'].flatMap((group) =>
  existsSync(group)
    ? readdirSync(group, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(`${group}/${d.name}/package.json`))
        .map((d) => ({
          extends: true as const,
          test: {
            name: `unit:${d.name}`,
            root: `${group}/${d.name}`,
            include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
          },
        }))
    : [],
);

export default defineConfig({
  resolve: { conditions },
  // Test workers get these as Node `--conditions`: no "module", which points some packages (the AWS
  // SDK's @aws-sdk/checksums) at bundler-only ESM with extensionless imports that Node cannot load.
  ssr: { resolve: { conditions: nodeConditions, externalConditions: nodeConditions } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    restoreMocks: true,
    // User config files load through Node itself (type stripping), exactly as the CLI loads them.
    server: { deps: { external: [/slipway\.config\.(ts|mts|js|mjs)/] } },
    projects: [
      ...unit,
      {
        extends: true,
        test: {
          name: 'interop',
          include: ['tests/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // Real servers (MLflow, moto, the inference server) bind ports; one file at a time keeps 2 cores sane.
          fileParallelism: false,
        },
      },
    ],
  },
});
