import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The probe port of a process that has no HTTP API of its own (the bus services and the
 * deprovisioning worker): `GET /health/live` and `GET /health/ready` answer 200 once the
 * process has started. Container engines and Kubernetes probe it (HEALTH_PORT); it carries
 * nothing else, shows nothing about the process, and never keeps the process alive
 * (unref'd: a graceful shutdown is not held up by it).
 */
export async function serveHealth(port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const known = request.method === 'GET' && (path === '/health/live' || path === '/health/ready');
    response.writeHead(known ? 200 : 404, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(known ? '{"status":"ok"}' : '{"status":"not_found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  server.unref();
  return { server, port: (server.address() as AddressInfo).port };
}
