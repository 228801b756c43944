import type { DeviceView } from '@td/contracts';
import request from 'supertest';
import { ApiClient, USER_AGENTS } from '../support/api-client';
import { TestSystem } from '../support/system';

type Method = 'get' | 'post' | 'patch' | 'delete';

/** Every /v1 endpoint of API.md outside /v1/workspace, with a valid body where it takes one. */
function endpoints(deviceId: string): Array<{ method: Method; path: string; body?: Record<string, unknown> }> {
  return [
    { method: 'post', path: '/v1/dev/token', body: { email: 'someone@example.test' } },
    { method: 'get', path: '/v1/session' },
    { method: 'post', path: '/v1/devices', body: { clientType: 'web' } },
    { method: 'post', path: `/v1/devices/${deviceId}/verify`, body: { code: '123456' } },
    { method: 'post', path: `/v1/devices/${deviceId}/email-code` },
    { method: 'post', path: `/v1/devices/${deviceId}/approve`, body: { keyEnvelope: 'envelope' } },
    { method: 'post', path: `/v1/devices/${deviceId}/deny` },
    { method: 'delete', path: `/v1/devices/${deviceId}` },
    { method: 'get', path: '/v1/devices/current/key-envelope' },
    { method: 'get', path: '/v1/devices' },
    { method: 'patch', path: `/v1/devices/${deviceId}`, body: { name: 'renamed' } },
    { method: 'post', path: `/v1/devices/${deviceId}/disable` },
    { method: 'get', path: '/v1/events' },
  ];
}

/** What must not change: everything but the last-seen bookkeeping of trusted requests (MANAGE-1). */
function snapshot(devices: DeviceView[]) {
  return devices.map(({ lastSeenAt: _seen, lastIp: _ip, ...rest }) => rest);
}

describe('ERR — errors and bad input (over HTTP)', () => {
  let system: TestSystem;
  let owner: ApiClient;
  let pending: ApiClient;

  beforeAll(async () => {
    system = await TestSystem.start();
    owner = await ApiClient.signIn(system, 'web');
    expect((await owner.setUp('owner laptop')).status).toBe(201);
    pending = await owner.anotherApp('extension');
    expect((await pending.setUp('pending extension')).status).toBe(201);
  });
  afterAll(() => system.stop());

  async function devicesNow(): Promise<DeviceView[]> {
    return (await owner.list({ proof: false })).body.devices;
  }

  function expectClientProblem(response: request.Response, label: string): void {
    expect([label, response.status >= 400 && response.status < 500]).toEqual([label, true]);
    expect([label, response.headers['content-type']]).toEqual([label, expect.stringContaining('application/problem+json')]);
    expect(typeof response.body.code).toBe('string');
    expect(typeof response.body.detail).toBe('string');
  }

  it('ERR-1 a domain error is an RFC 9457 problem with type, title, status, detail and a stable code', async () => {
    const response = await (await owner.anotherApp()).setUp('OWNER LAPTOP');
    expect(response.status).toBe(409);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).toEqual(
      expect.objectContaining({
        type: 'about:blank',
        title: 'Conflict',
        status: 409,
        code: 'device_name_taken',
        detail: expect.any(String),
      }),
    );
  });

  it('ERR-1 a validation error adds errors: [{ field, message }]', async () => {
    const response = await pending.call('post', '/v1/devices', { body: { clientType: 'tv', name: 7 } });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    expect([...new Set(response.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual(['clientType', 'name']);
    for (const error of response.body.errors) expect(typeof error.message).toBe('string');
  });

  it('ERR-2 malformed JSON, wrong types, unknown fields, oversize bodies and junk ids get 4xx problems on every endpoint, and change nothing', async () => {
    const before = snapshot(await devicesNow());
    const deviceId = pending.deviceId;
    const oversize = JSON.stringify({ name: 'x'.repeat(17 * 1024) });
    let checked = 0;
    for (const endpoint of endpoints(deviceId)) {
      const label = `${endpoint.method.toUpperCase()} ${endpoint.path}`;
      const send = async (path: string, body: string | undefined, headers: Record<string, string> = {}) => {
        const agent = request(system.url);
        let req = agent[endpoint.method](path)
          .set('authorization', `Bearer ${owner.token}`)
          .set('user-agent', USER_AGENTS.web)
          .set('dpop', await pending.proofFor(endpoint.method, path));
        for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
        return body === undefined ? req : req.set('content-type', 'application/json').send(body);
      };
      const bodies: Array<[string, string]> = [
        ['malformed JSON', '{"clientType": "web",'],
        ['an array', '[]'],
        ['a bare string', '"web"'],
        ['an oversize body', oversize],
        ['an unknown field', JSON.stringify({ ...(endpoint.body ?? {}), isAdmin: true })],
      ];
      if (endpoint.body) {
        const wrongTypes = Object.fromEntries(Object.keys(endpoint.body).map((key) => [key, { nested: [1, 2] }]));
        bodies.push(['wrong types', JSON.stringify(wrongTypes)]);
      }
      if (endpoint.method !== 'get') {
        for (const [what, body] of bodies) {
          expectClientProblem(await send(endpoint.path, body), `${label} with ${what}`);
          checked += 1;
        }
      }
      if (endpoint.path.includes(deviceId)) {
        for (const junk of ['not-a-uuid', `${deviceId}x`, '1', '%27%20OR%201%3D1', 'x'.repeat(300)]) {
          const path = endpoint.path.replace(deviceId, junk);
          expectClientProblem(
            await send(path, endpoint.body ? JSON.stringify(endpoint.body) : undefined),
            `${label} with id ${junk.slice(0, 20)}`,
          );
          checked += 1;
        }
      }
      expectClientProblem(await send(endpoint.path, undefined, { dpop: 'junk.proof.value' }), `${label} with a junk proof`);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(80);
    expect(snapshot(await devicesNow())).toEqual(before);
  });

  it('ERR-2 bad ids are 400 validation_failed, not 404 or 500', async () => {
    const response = await pending.call('post', '/v1/devices/not-a-uuid/verify', { body: { code: '123456' } });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
  });

  it('ERR-3 a stopped device-service gives 503 service_unavailable with Retry-After at once, and service resumes when it is back', async () => {
    await system.stopService('device-service');
    try {
      const started = Date.now();
      const response = await owner.list();
      expect(response.status).toBe(503);
      expect(response.body.code).toBe('service_unavailable');
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await system.startService('device-service');
    }
    expect((await owner.list()).status).toBe(200);
  });

  it('ERR-3 a stopped verification-service makes a code request 503, not a hang', async () => {
    await system.stopService('verification-service');
    try {
      const started = Date.now();
      const response = await pending.verify('123456');
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBeDefined();
      expect(Date.now() - started).toBeLessThan(7000);
    } finally {
      await system.startService('verification-service');
    }
  });
});
