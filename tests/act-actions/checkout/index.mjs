// Does what actions/checkout does for these workflows, with git and nothing else.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const { env } = process;

const input = (name) => env[`INPUT_${name.toUpperCase()}`] ?? '';
const workspace = env.GITHUB_WORKSPACE;
const remote = `${env.GITHUB_SERVER_URL}/${input('repository')}`;
const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${input('token')}`).toString('base64')}`;
const git = (...args) =>
  execFileSync('git', args, { cwd: workspace, stdio: ['ignore', 'inherit', 'inherit'] });

mkdirSync(workspace, { recursive: true });
git('init', '--quiet');
git('remote', 'add', 'origin', remote);
git('config', '--local', 'http.extraheader', header);
const ref = input('ref') || env.GITHUB_REF;
const depth = Number(input('fetch-depth'));
const refspecs = [
  `+${ref}:${ref.startsWith('refs/heads/') ? ref.replace('refs/heads/', 'refs/remotes/origin/') : `refs/remotes/${ref.replace(/^refs\//, '')}`}`,
];
if (depth === 0) refspecs.push('+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*');
git('fetch', '--quiet', '--no-tags', ...(depth > 0 ? [`--depth=${depth}`] : []), 'origin', ...refspecs);
git('checkout', '--quiet', '--force', input('ref') ? refspecs[0].split(':')[1] : env.GITHUB_SHA);
if (input('persist-credentials') !== 'true') git('config', '--local', '--unset-all', 'http.extraheader');
console.log(`checked out ${remote} ${ref} at ${env.GITHUB_SHA}`);
