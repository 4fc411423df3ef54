/**
 * Git's smart HTTP protocol for the GitHub double, so that a workflow under act clones, fetches and pushes
 * `${GITHUB_SERVER_URL}/<owner>/<repo>` the way it does on github.com: `git http-backend` (git's own CGI
 * server) answers, over a bare repository. As on GitHub, reads are public and a push needs a token of
 * the double (Basic `x-access-token:<token>`, the header actions/checkout and Slipway send) that may write.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface GitHttpRequest {
  service: 'upload-pack' | 'receive-pack';
  token: string | null;
  status: number;
}

/** `/<owner>/<repo>[.git]/(info/refs|git-upload-pack|git-receive-pack)` → the path inside the repository. */
export function gitHttpPath(pathname: string, owner: string, repo: string): string | null {
  const m = /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/(?:info\/refs|git-upload-pack|git-receive-pack))$/.exec(
    pathname,
  );
  if (!m || m[1] !== owner || m[2] !== repo) return null;
  return m[3]!;
}

function basicToken(header: string | undefined): string | null {
  const m = /^basic (\S+)$/i.exec(header ?? '');
  if (!m) return null;
  const [user, pass] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
  return user === 'x-access-token' && pass ? pass : null;
}

/**
 * Serves one request with `git http-backend` over `bareRepo`; `mayWrite(token)` decides pushes (401 asks
 * git for credentials, 403 refuses them, as GitHub does).
 */
export async function serveGitHttp(o: {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  subPath: string;
  bareRepo: string;
  mayWrite: (token: string | null) => boolean;
  log: GitHttpRequest[];
}): Promise<void> {
  const { req, res, url } = o;
  const service = (url.searchParams.get('service') ?? o.subPath.slice(1)).replace(/^git-/, '');
  const token = basicToken(req.headers.authorization);
  const entry: GitHttpRequest = {
    service: service === 'receive-pack' ? 'receive-pack' : 'upload-pack',
    token,
    status: 200,
  };
  o.log.push(entry);
  if (entry.service === 'receive-pack' && !o.mayWrite(token)) {
    entry.status = token ? 403 : 401;
    res.writeHead(entry.status, {
      'content-type': 'text/plain',
      ...(token ? {} : { 'www-authenticate': 'Basic realm="GitHub"' }),
    });
    res.end(token ? 'Permission denied\n' : 'Authentication required\n');
    return;
  }
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: o.bareRepo,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: o.subPath,
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      // http-backend allows receive-pack for an authenticated user only.
      REMOTE_USER: token ? 'x-access-token' : '',
      REMOTE_ADDR: '127.0.0.1',
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  req.pipe(child.stdin);
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  const out = Buffer.concat(chunks);
  const split = out.indexOf('\r\n\r\n');
  if (split < 0) {
    entry.status = 500;
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`git http-backend: ${stderr}`);
    return;
  }
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of out.subarray(0, split).toString('latin1').split('\r\n')) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  entry.status = status;
  res.writeHead(status, headers);
  res.end(out.subarray(split + 4));
}
