import { serveHealth } from './health-server';

describe('serveHealth (probe port of bus services)', () => {
  it('OPS-1 answers 200 on /health/live and /health/ready, 404 elsewhere', async () => {
    const { server, port } = await serveHealth(0, '127.0.0.1');
    try {
      const status = (path: string, method = 'GET') => fetch(`http://127.0.0.1:${port}${path}`, { method }).then((r) => r.status);
      expect(await status('/health/live')).toBe(200);
      expect(await status('/health/ready')).toBe(200);
      expect(await status('/health/ready?x=1')).toBe(200);
      expect(await status('/')).toBe(404);
      expect(await status('/health/live', 'POST')).toBe(404);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
