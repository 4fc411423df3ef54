import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/** Reads the whole body, refusing more than `max` bytes (413) before buffering it. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) {
    return Promise.reject(
      new HttpError(
        413,
        'BODY_TOO_LARGE',
        `the body is ${declared} bytes; the limit is ${max}`,
        'send fewer rows per request or raise serving.maxBodyBytes',
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        done = true;
        reject(
          new HttpError(
            413,
            'BODY_TOO_LARGE',
            `the body is over the limit of ${max} bytes`,
            'send fewer rows per request or raise serving.maxBodyBytes',
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      }
    });
    req.on('error', (err) => {
      if (!done) {
        done = true;
        reject(err);
      }
    });
  });
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0)
    throw new HttpError(400, 'MALFORMED_JSON', 'the request body is empty', 'send a JSON object');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(
      400,
      'MALFORMED_JSON',
      `the request body is not valid JSON: ${(err as Error).message}`,
      'check the JSON syntax (quotes, commas, brackets)',
    );
  }
}
