/**
 * The floor's HTTP side (issue 12): a bare `node:http` server that turns each request into
 * one NATS request to the floor responder and writes its reply. No auth, no proof check,
 * no validation: what is left is the least any implementation of the API must do.
 *   FLOOR_PORT, NATS_URL, FLOOR_SUBJECT
 */
import { createServer } from 'node:http';
import { connect, JSONCodec } from 'nats';

async function main(): Promise<void> {
  const nats = await connect({ servers: process.env.NATS_URL });
  const codec = JSONCodec<Record<string, unknown>>();
  const subject = process.env.FLOOR_SUBJECT!;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // The caller is who the token says (decoded, not verified: the floor skips auth).
      const token = (req.headers.authorization ?? '').slice('Bearer '.length);
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}') as {
        sub?: string;
        wid?: string;
        email?: string;
      };
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
      const [path] = (req.url ?? '/').split('?');
      nats
        .request(subject, codec.encode({ method: req.method, path, sub: claims.sub, wid: claims.wid, email: claims.email, body }), {
          timeout: 5000,
        })
        .then((message) => {
          const reply = codec.decode(message.data) as { status: number; body: unknown };
          res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
        })
        .catch(() => res.writeHead(503).end());
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.FLOOR_PORT), '127.0.0.1', () => process.send?.('ready'));
  process.on('SIGTERM', () => {
    server.close();
    void nats.close().then(() => process.exit(0));
  });
}

void main();
