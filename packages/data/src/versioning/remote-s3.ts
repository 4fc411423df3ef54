import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { SlipwayError, tempName } from '@slipway/core/base';
import type { RemoteConfig } from './config.js';

/** An S3-compatible remote, `s3://bucket/prefix`, with DVC's `files/md5/xx/…` keys under the prefix. */
export interface S3Remote {
  config: RemoteConfig;
  bucket: string;
  prefix: string;
  client: S3Client;
  sdk: typeof import('@aws-sdk/client-s3');
}

export async function openS3Remote(config: RemoteConfig): Promise<S3Remote> {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(config.url);
  if (!m) {
    throw new SlipwayError(
      'REMOTE_INVALID',
      `remote "${config.name}": url "${config.url}" is not s3://bucket/path`,
      {
        hint: 'fix the url in .dvc/config',
      },
    );
  }
  // Loaded on demand: it is large and most commands never talk to S3.
  const sdk = await import('@aws-sdk/client-s3');
  const o = config.options;
  const env = process.env;
  const keyId = o.access_key_id ?? env.AWS_ACCESS_KEY_ID;
  const secret = o.secret_access_key ?? env.AWS_SECRET_ACCESS_KEY;
  const token = o.session_token ?? env.AWS_SESSION_TOKEN;
  const client = new sdk.S3Client({
    region: o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(o.endpointurl ? { endpoint: o.endpointurl, forcePathStyle: true } : {}),
    ...(keyId && secret
      ? {
          credentials: {
            accessKeyId: keyId,
            secretAccessKey: secret,
            ...(token ? { sessionToken: token } : {}),
          },
        }
      : {}),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5000, requestTimeout: 120_000 },
  });
  return { config, bucket: m[1] as string, prefix: (m[2] as string).replace(/\/+$/, ''), client, sdk };
}

export function s3Key(r: S3Remote, oid: string): string {
  return `${r.prefix ? `${r.prefix}/` : ''}files/md5/${oid.slice(0, 2)}/${oid.slice(2)}`;
}

function where(r: S3Remote): string {
  return `remote "${r.config.name}" (${r.config.url}${r.config.options.endpointurl ? ` at ${r.config.options.endpointurl}` : ''})`;
}

/** Turns an SDK or network failure into an error that names the remote. */
export function s3Error(r: S3Remote, err: unknown, doing: string): SlipwayError {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? e.code ?? 'Error';
  const msg = `${where(r)}: cannot ${doing}: ${name}${e.message && e.message !== name ? ` (${e.message})` : ''}`;
  if (
    status === 403 ||
    /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|CredentialsProviderError/.test(name)
  )
    return new SlipwayError('REMOTE_ACCESS_DENIED', msg, {
      hint: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the credentials in .dvc/config.local)',
      cause: err,
    });
  if (name === 'NoSuchBucket')
    return new SlipwayError('REMOTE_NOT_FOUND', msg, {
      hint: `create bucket ${r.bucket} or fix the url`,
      cause: err,
    });
  if (status === undefined || status >= 500)
    return new SlipwayError('REMOTE_UNREACHABLE', msg, {
      hint: 'check the network and the endpointurl/region of the remote in .dvc/config, then retry',
      cause: err,
    });
  return new SlipwayError('REMOTE_ERROR', msg, { hint: 'see the message from the server', cause: err });
}

export async function s3Exists(r: S3Remote, oid: string): Promise<boolean> {
  try {
    await r.client.send(new r.sdk.HeadObjectCommand({ Bucket: r.bucket, Key: s3Key(r, oid) }));
    return true;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.$metadata?.httpStatusCode === 404 || e.name === 'NotFound' || e.name === 'NoSuchKey') return false;
    throw s3Error(r, err, `check ${s3Key(r, oid)}`);
  }
}

const MULTIPART_ABOVE = 64 << 20;
const PART = 32 << 20;

/**
 * Uploads a cache object so that the remote never holds a partial or wrong one. Small objects: one
 * PUT with Content-MD5, stored whole or not at all and refused if the bytes do not match. Large ones:
 * a multipart upload (parts are invisible until completed) whose bytes are hashed on the way; it is
 * completed only if they hash to the object's name, else aborted.
 */
export async function s3Upload(
  r: S3Remote,
  oid: string,
  file: string,
  onBytes: (n: number) => void = () => {},
): Promise<number> {
  const md5 = oid.replace(/\.dir$/, '');
  const size = (await stat(file)).size;
  const key = s3Key(r, oid);
  const corrupt = () =>
    new SlipwayError(
      'CACHE_CORRUPT',
      `cache object ${file} does not match its name ${oid}; it was not pushed`,
      {
        hint: 'delete the object and re-add or pull the data',
      },
    );
  if (size <= MULTIPART_ABOVE) {
    const body = await readFile(file);
    try {
      await r.client.send(
        new r.sdk.PutObjectCommand({
          Bucket: r.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentMD5: Buffer.from(md5, 'hex').toString('base64'),
        }),
      );
    } catch (err) {
      const e = err as { name?: string };
      if (e.name === 'BadDigest' || e.name === 'InvalidDigest') throw corrupt();
      throw s3Error(r, err, `upload ${key}`);
    }
    onBytes(body.length);
    return body.length;
  }
  let uploadId: string | undefined;
  const handle = await open(file, 'r');
  try {
    const created = await r.client.send(
      new r.sdk.CreateMultipartUploadCommand({ Bucket: r.bucket, Key: key }),
    );
    uploadId = created.UploadId;
    const hash = createHash('md5');
    const parts: { ETag: string | undefined; PartNumber: number }[] = [];
    const buf = Buffer.allocUnsafe(PART);
    for (let n = 1, offset = 0; offset < size; n++) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(PART, size - offset), offset);
      if (bytesRead === 0) break;
      const body = buf.subarray(0, bytesRead);
      hash.update(body);
      const res = await r.client.send(
        new r.sdk.UploadPartCommand({
          Bucket: r.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: n,
          Body: body,
          ContentLength: bytesRead,
          ContentMD5: createHash('md5').update(body).digest('base64'),
        }),
      );
      parts.push({ ETag: res.ETag, PartNumber: n });
      offset += bytesRead;
      onBytes(bytesRead);
    }
    if (hash.digest('hex') !== md5) throw corrupt();
    await r.client.send(
      new r.sdk.CompleteMultipartUploadCommand({
        Bucket: r.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    uploadId = undefined;
    return size;
  } catch (err) {
    if (err instanceof SlipwayError) throw err;
    throw s3Error(r, err, `upload ${key}`);
  } finally {
    await handle.close();
    if (uploadId) {
      await r.client
        .send(new r.sdk.AbortMultipartUploadCommand({ Bucket: r.bucket, Key: key, UploadId: uploadId }))
        .catch(() => {});
    }
  }
}

/** Downloads an object into the cache: temp file, md5 checked, then renamed into place read-only. */
export async function s3Download(r: S3Remote, oid: string, dest: string): Promise<number> {
  let body: Readable;
  try {
    const res = await r.client.send(new r.sdk.GetObjectCommand({ Bucket: r.bucket, Key: s3Key(r, oid) }));
    body = res.Body as Readable;
  } catch (err) {
    const e = err as { name?: string };
    if (e.name === 'NoSuchKey') {
      throw new SlipwayError('REMOTE_MISSING_OBJECT', `${where(r)} has no ${s3Key(r, oid)}`, {
        hint: 'push it from a clone that has the data (`slipway data push` / `dvc push`)',
      });
    }
    throw s3Error(r, err, `download ${s3Key(r, oid)}`);
  }
  await mkdir(dirname(dest), { recursive: true });
  // In files/md5/, where the next command's sweep finds it if this process is killed.
  const tmp = join(dirname(dirname(dest)), tempName('incoming'));
  const hash = createHash('md5');
  let size = 0;
  try {
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(tmp, { mode: 0o444, flags: 'wx' }),
    );
    const actual = hash.digest('hex');
    if (actual !== oid.replace(/\.dir$/, '')) {
      throw new SlipwayError(
        'REMOTE_CORRUPT',
        `${where(r)}: ${s3Key(r, oid)} hashes to ${actual}; it was not stored`,
        {
          hint: 'the remote copy is damaged; push it again from a clone with good data',
        },
      );
    }
    await chmod(tmp, 0o444);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof SlipwayError) throw err;
    throw s3Error(r, err, `download ${s3Key(r, oid)}`);
  }
  return size;
}
