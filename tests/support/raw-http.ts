/** Raw HTTP/1.1 over a socket, for requests no well-behaved client would send. */
import { connect } from 'node:net';

export interface RawAnswer {
  /** Status code of the first response, null when the server closed without one. */
  status: number | null;
  text: string;
}

export function rawRequest(
  port: number,
  head: string,
  body: Buffer = Buffer.alloc(0),
  timeoutMs = 15_000,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${head.split('\r\n')[0]}`));
    }, timeoutMs);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text });
    });
    // No half-close: Node's server drops requests whose client sent FIN before the answer was ready.
    s.write(head);
    if (body.length) s.write(body);
  });
}
