import request, { type Response } from 'supertest';
import { TestSystem } from '../support/system';
import { trustedAdmin } from '../support/workspace';

const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * SEC-9: the general per-address and per-user limits of /v1 and /scim, counted in Redis so that
 * they hold across gateways. Every request of a test comes from 127.0.0.1: per-address cases go
 * through a gateway that believes one proxy hop (TRUST_PROXY=1), each with its own address.
 */
describe('SEC-9 general rate limits on /v1 and /scim', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(async () => {
    await system.stop();
  });

  function listDevices(url: string, headers: Record<string, string>) {
    let req = request(url).get('/v1/devices');
    for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
    return req;
  }

  function expectRateLimitedProblem(response: Response): void {
    expect(response.status).toBe(429);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(response.text)).toMatchObject({ status: 429, code: 'rate_limited', detail: expect.any(String) });
    expectRetryAfterWithinAMinute(response);
  }

  function expectRetryAfterWithinAMinute(response: Response): void {
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
  }

  function expectScimError(response: Response, status: number): void {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(JSON.parse(response.text)).toEqual({ schemas: [SCIM_ERROR_SCHEMA], status: String(status), detail: expect.any(String) });
  }

  it('SEC-9 beyond the per-address limit /v1 answers 429 rate_limited with Retry-After; another address is not affected', async () => {
    const url = await system.gatewayWith({ TRUST_PROXY: '1', RATE_LIMIT_IP_PER_MINUTE: '5' });
    const { token } = await system.token();
    const from = (address: string) => ({ 'x-forwarded-for': address, authorization: `Bearer ${token}` });
    for (let i = 0; i < 5; i += 1) expect((await listDevices(url, from('198.51.100.7'))).status).toBe(200);
    expectRateLimitedProblem(await listDevices(url, from('198.51.100.7')));
    // Unauthenticated requests count against the address too, and are refused before their token is looked at.
    expectRateLimitedProblem(await listDevices(url, { 'x-forwarded-for': '198.51.100.7' }));
    // The same user from another address is not limited (the user's own limit is far away).
    expect((await listDevices(url, from('198.51.100.8'))).status).toBe(200);
  });

  it('SEC-9 the per-user limit holds across two gateways sharing Redis; another user is not affected', async () => {
    const first = await system.gatewayWith({ RATE_LIMIT_USER_PER_MINUTE: '4' });
    const second = await system.gatewayWith({ RATE_LIMIT_USER_PER_MINUTE: '4' });
    const { token } = await system.token();
    const auth = { authorization: `Bearer ${token}` };
    for (const url of [first, second, first, second]) expect((await listDevices(url, auth)).status).toBe(200);
    expectRateLimitedProblem(await listDevices(first, auth));
    expectRateLimitedProblem(await listDevices(second, auth));
    // Another user from the same address goes on.
    const other = await system.token();
    expect((await listDevices(second, { authorization: `Bearer ${other.token}` })).status).toBe(200);
  });

  it('SEC-9 /scim answers beyond its limits in RFC 7644 error form with Retry-After (per SCIM token and per address)', async () => {
    const admin = await trustedAdmin(system);
    const created = await admin.call('post', '/v1/workspace/scim-tokens');
    expect(created.status).toBe(201);
    const url = await system.gatewayWith({ TRUST_PROXY: '1', RATE_LIMIT_USER_PER_MINUTE: '3', RATE_LIMIT_IP_PER_MINUTE: '5' });
    const lookUp = (address: string, token?: string) => {
      const req = request(url)
        .get(`/scim/v2/Users/${encodeURIComponent(admin.user.sub)}`)
        .set('x-forwarded-for', address);
      return token ? req.set('authorization', `Bearer ${token}`) : req;
    };

    // Per SCIM token: the 4th lookup with the token is refused, whichever address it comes from.
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3'])
      expect((await lookUp(address, created.body.token)).status).toBe(200);
    const perToken = await lookUp('203.0.113.4', created.body.token);
    expectScimError(perToken, 429);
    expectRetryAfterWithinAMinute(perToken);

    // Per address: without any token, the 6th request from one address is refused (before the 401 it would get).
    for (let i = 0; i < 5; i += 1) expectScimError(await lookUp('203.0.113.9'), 401);
    const perAddress = await lookUp('203.0.113.9');
    expectScimError(perAddress, 429);
    expectRetryAfterWithinAMinute(perAddress);
    expectScimError(await lookUp('203.0.113.10'), 401);
  });

  it('SEC-9 with Redis unreachable the limits cannot be checked: 503 with Retry-After (never a 500, never unchecked)', async () => {
    const url = await system.gatewayWith({ REDIS_URL: 'redis://127.0.0.1:1', AUTH_DEV_LOGIN: 'false' });
    const { token } = await system.token();
    const api = await listDevices(url, { authorization: `Bearer ${token}` });
    expect(api.status).toBe(503);
    expect(JSON.parse(api.text)).toMatchObject({ code: 'service_unavailable' });
    expect(api.headers['retry-after']).toMatch(/^\d+$/);
    const scim = await request(url).get('/scim/v2/Users/someone').set('authorization', 'Bearer whatever');
    expectScimError(scim, 503);
    expect(scim.headers['retry-after']).toMatch(/^\d+$/);
  });
});
