/**
 * Who acts, and what may they do in this repository. GITHUB_TOKEN can read a collaborator's
 * permission (metadata: read) but not team membership (needs org Members: read, an App or PAT).
 */
import { GitHubApiError, type GitHubClient } from './client.js';

export type RepositoryPermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface PermissionResult {
  username: string;
  /** The role, custom roles mapped to their base permission by GitHub. */
  permission: RepositoryPermission;
  /** The role name itself (`maintain`, `triage`, or a custom role). */
  roleName: string;
}

export async function getRepositoryPermission(
  client: GitHubClient,
  o: { owner: string; repo: string; username: string },
): Promise<PermissionResult> {
  try {
    const res = await client.request<{ permission: string; role_name?: string }>(
      'GET',
      `/repos/${o.owner}/${o.repo}/collaborators/${encodeURIComponent(o.username)}/permission`,
    );
    const permission = (
      ['admin', 'maintain', 'write', 'triage', 'read'].includes(res.data.permission)
        ? res.data.permission
        : 'none'
    ) as RepositoryPermission;
    return { username: o.username, permission, roleName: res.data.role_name ?? permission };
  } catch (err) {
    // 404: not a collaborator (or not a user at all).
    if (err instanceof GitHubApiError && err.status === 404) {
      return { username: o.username, permission: 'none', roleName: 'none' };
    }
    throw err;
  }
}

export interface TeamMembership {
  team: string;
  /** `unknown` when the token may not see the team (GITHUB_TOKEN cannot): not the same as "not a member". */
  state: 'active' | 'pending' | 'none' | 'unknown';
}

export async function getTeamMembership(
  client: GitHubClient,
  o: { org: string; team: string; username: string },
): Promise<TeamMembership> {
  try {
    const res = await client.request<{ state: 'active' | 'pending' }>(
      'GET',
      `/orgs/${o.org}/teams/${encodeURIComponent(o.team)}/memberships/${encodeURIComponent(o.username)}`,
    );
    return { team: o.team, state: res.data.state };
  } catch (err) {
    if (err instanceof GitHubApiError && err.status === 404) return { team: o.team, state: 'none' };
    if (err instanceof GitHubApiError && (err.status === 403 || err.status === 401)) {
      return { team: o.team, state: 'unknown' };
    }
    throw err;
  }
}
