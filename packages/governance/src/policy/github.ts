/**
 * The GitHub facts a policy may depend on, behind an interface so the decision logic is testable and
 * the real implementation is a plain fetch against GITHUB_API_URL.
 */
import { REPO_PERMISSIONS, type RepoPermission, SlipwayError } from '@slipway/core';

export type Answer<T> = { known: true; value: T } | { known: false; reason: string };

export interface GitHubLookup {
  /** Whether `login` is an active member of `org/team`. Needs a token with org read. */
  teamMembership(org: string, team: string, login: string): Promise<Answer<boolean>>;
  /** The user's role on `owner/repo` (read, triage, write, maintain, admin), or null for none. */
  repoPermission(repository: string, login: string): Promise<Answer<RepoPermission | null>>;
}

export interface FetchLookupOptions {
  /** Base URL of the REST API (GITHUB_API_URL; default https://api.github.com). */
  apiUrl?: string;
  /** A token: GITHUB_TOKEN can read collaborator permissions; team membership needs org read. */
  token?: string | null;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The real lookup: GitHub REST. A missing token means "cannot be proven", never "yes". */
export function createGitHubLookup(options: FetchLookupOptions = {}): GitHubLookup {
  const apiUrl = (options.apiUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(
    /\/+$/,
    '',
  );
  const token = options.token ?? null;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function get(path: string): Promise<{ status: number; body: unknown }> {
    const res = await doFetch(`${apiUrl}${path}`, {
      headers: {
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'slipway-governance',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      signal: AbortSignal.timeout(timeoutMs),
    }).catch((err: unknown) => {
      throw new SlipwayError('GITHUB_UNREACHABLE', `${apiUrl}${path}: ${(err as Error).message}`, {
        hint: 'check GITHUB_API_URL and the network; the policy denies while GitHub cannot be asked',
      });
    });
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {}
    return { status: res.status, body };
  }

  const enc = encodeURIComponent;

  return {
    async teamMembership(org, team, login) {
      if (!token) {
        return {
          known: false,
          reason: `membership of team ${org}/${team} cannot be proven without a GitHub token with org read (read:org)`,
        };
      }
      const { status, body } = await get(`/orgs/${enc(org)}/teams/${enc(team)}/memberships/${enc(login)}`);
      if (status === 200) {
        const state = (body as { state?: string } | null)?.state;
        return { known: true, value: state === 'active' };
      }
      if (status === 404) return { known: true, value: false };
      return {
        known: false,
        reason: `GitHub answered ${status} for team ${org}/${team} membership (the token needs org read)`,
      };
    },
    async repoPermission(repository, login) {
      if (!token) {
        return {
          known: false,
          reason: `repository permission on ${repository} cannot be checked without a token`,
        };
      }
      const [owner, repo] = repository.split('/');
      const { status, body } = await get(
        `/repos/${enc(owner ?? '')}/${enc(repo ?? '')}/collaborators/${enc(login)}/permission`,
      );
      if (status === 404) return { known: true, value: null };
      if (status !== 200) {
        return {
          known: false,
          reason: `GitHub answered ${status} for ${login}'s permission on ${repository}`,
        };
      }
      const b = body as { permission?: string; role_name?: string } | null;
      // role_name keeps maintain/triage apart; `permission` folds them into write/read. Custom roles fall back.
      const role = b?.role_name;
      if (role && (REPO_PERMISSIONS as readonly string[]).includes(role)) {
        return { known: true, value: role as RepoPermission };
      }
      const perm = b?.permission;
      if (perm === 'none' || !perm) return { known: true, value: null };
      if ((REPO_PERMISSIONS as readonly string[]).includes(perm))
        return { known: true, value: perm as RepoPermission };
      return { known: false, reason: `GitHub returned an unknown permission "${perm}" for ${login}` };
    },
  };
}

/** A lookup for where GitHub cannot be asked at all (local runs): every team or permission rule is unproven. */
export const offlineLookup: GitHubLookup = {
  async teamMembership(org, team) {
    return {
      known: false,
      reason: `membership of team ${org}/${team} cannot be checked outside GitHub (no token)`,
    };
  },
  async repoPermission(repository) {
    return {
      known: false,
      reason: `repository permission on ${repository} cannot be checked outside GitHub`,
    };
  },
};

export function permissionAtLeast(have: RepoPermission | null, need: RepoPermission): boolean {
  if (have === null) return false;
  return REPO_PERMISSIONS.indexOf(have) >= REPO_PERMISSIONS.indexOf(need);
}
