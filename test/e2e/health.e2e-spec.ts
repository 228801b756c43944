import { waitUntil } from '@td/testing';
import request from 'supertest';
import { TestSystem } from '../support/system';

describe('health (OPS-1)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  it('OPS-1 /health/live answers 200', async () => {
    await request(system.url).get('/health/live').expect(200, { status: 'ok' });
  });

  it('OPS-1 /health/ready is 200 with every service and its own dependencies up', async () => {
    const response = await request(system.url).get('/health/ready').expect(200);
    expect(response.body.details).toMatchObject({
      nats: { status: 'up' },
      'device-service': { status: 'up', dependencies: { postgres: 'up' } },
      'verification-service': { status: 'up', dependencies: { redis: 'up' } },
      'notification-service': { status: 'up', dependencies: { redis: 'up' } },
    });
  });

  it('OPS-1 a stopped service makes /health/ready 503 naming it, and 200 again once it is back', async () => {
    await system.stopService('verification-service');
    // Readiness is answered from a status up to 1 s old (SEC-9): poll until it has caught up.
    let down = await request(system.url).get('/health/ready');
    await waitUntil(async () => (down = await request(system.url).get('/health/ready')).status === 503, 10_000, 250);
    expect(down.headers['retry-after']).toBeDefined();
    expect(Object.keys(down.body.error)).toEqual(['verification-service']);
    await system.startService('verification-service');
    await waitUntil(async () => (await request(system.url).get('/health/ready')).status === 200, 10_000, 250);
  });

  it('OPS-2 /metrics serves Prometheus text', async () => {
    const response = await request(system.url).get('/metrics').expect(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.text).toContain('td_gateway_http_request_duration_seconds');
  });

  it('OPS-3 /docs/openapi.json is an OpenAPI 3 document and /docs is a page', async () => {
    const doc = await request(system.url).get('/docs/openapi.json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    const page = await request(system.url).get('/docs').expect(200);
    expect(page.text).toContain('<html');
  });

  it('ERR-1 an unknown route is a problem+json 404 with a stable code', async () => {
    const response = await request(system.url).get('/no/such/thing').expect(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).toMatchObject({ type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found' });
    expect(typeof response.body.detail).toBe('string');
  });

  it('ERR-2 malformed JSON and oversize bodies get 4xx problems, never 500', async () => {
    const malformed = await request(system.url).post('/health/live').set('content-type', 'application/json').send('{bad');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('validation_failed');
    const oversize = await request(system.url)
      .post('/health/live')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(17 * 1024) }));
    expect(oversize.status).toBe(413);
    expect(oversize.body.code).toBe('payload_too_large');
  });
});
