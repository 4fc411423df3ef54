import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const { env } = process;

const input = (name) => env[`INPUT_${name.toUpperCase()}`] ?? '';
const name = input('name');
const path = resolve(env.GITHUB_WORKSPACE, input('path'));
const days = Number(input('retention-days'));
if (!Number.isInteger(days) || days < 0 || days > 90) {
  console.log(`::error::retention-days must be 0..90, got "${input('retention-days')}"`);
  process.exit(1);
}
const present =
  existsSync(path) && (statSync(path).isFile() || readdirSync(path, { recursive: true }).length > 0);
if (!present) {
  const mode = input('if-no-files-found');
  if (mode === 'error') {
    console.log(`::error::No files were found with the provided path: ${input('path')}`);
    process.exit(1);
  }
  if (mode === 'warn') console.log(`::warning::No files were found with the provided path: ${input('path')}`);
  process.exit(0);
}
const root = env.SLIPWAY_ACT_ARTIFACTS;
if (!root) {
  console.log('::error::SLIPWAY_ACT_ARTIFACTS is not set (the test passes it with --env)');
  process.exit(1);
}
const dest = join(root, name);
mkdirSync(dest, { recursive: true });
cpSync(path, dest, { recursive: true });
writeFileSync(join(root, `${name}.json`), JSON.stringify({ name, path: input('path'), retentionDays: days }));
appendFileSync(env.GITHUB_OUTPUT, `artifact-id=${readdirSync(root).length}\n`);
console.log(`uploaded ${input('path')} as ${name}`);
