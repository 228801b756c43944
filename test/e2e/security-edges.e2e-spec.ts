import { prefixed } from '@td/common';
import { PING_COMMANDS, Service } from '@td/contracts';
import { connect } from 'nats';
import { SignJWT } from 'jose';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { ApiClient, USER_AGENTS } from '../support/api-client';
import { listAudit, listWorkspaceDevices, trustedAdmin } from '../support/workspace';
import { TestSystem } from '../support/system';

/** The edges of issue 9, probed over HTTP as the issue describes them (SEC-1, SEC-2, SEC-3, SEC-9, SEC-10, ERR-2). */
describe('SEC — the edges (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(async () => {
    await system.stop();
  });

  describe('SEC-1 dev login', () => {
    it('SEC-1 a dev token is refused by a gateway whose dev login is off, though signed with the same secret', async () => {
      const minted = await request(system.url)
        .post('/v1/dev/token')
        .send({ email: 'alice@example.com', workspaceId: 'local', role: 'owner' })
        .expect(200);
      const token = minted.body.accessToken as string;
      await request(system.url).get('/v1/session').set('authorization', `Bearer ${token}`).expect(200);

      const production = await system.gatewayWith({ AUTH_DEV_LOGIN: 'false' });
      const refused = await request(production).get('/v1/session').set('authorization', `Bearer ${token}`);
      expect([refused.status, refused.body.code]).toEqual([401, 'unauthenticated']);
      await request(production).post('/v1/dev/token').send({ email: 'alice@example.com', role: 'owner' }).expect(404);
      // An identity provider's token still works there.
      const { token: idpToken } = await system.token();
      await request(production).get('/v1/session').set('authorization', `Bearer ${idpToken}`).expect(200);
    });

    it('SEC-1 the gateway listens on the HOST it is given (127.0.0.1 here), not on every interface', () => {
      expect((system.gateway.getHttpServer().address() as { address: string }).address).toBe('127.0.0.1');
    });
  });

  describe('SEC-2 the operations dashboard', () => {
    const PASSWORD = 'a-dashboard-password-of-some-length';
    const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

    async function emailQueue(url: string, authorization?: string): Promise<{ isPaused: boolean; counts: Record<string, number> }> {
      let req = request(url).get('/ops/queues/api/queues');
      if (authorization) req = req.set('authorization', authorization);
      const response = await req.expect(200);
      return response.body.queues.find((q: { name: string }) => q.name === 'email');
    }

    it('SEC-2 in local mode (loopback) it is readable without a password but read-only: no pause, no new job', async () => {
      const before = await emailQueue(system.url);
      const pause = await request(system.url).put('/ops/queues/api/queues/email/pause');
      expect(pause.status).toBe(403);
      const add = await request(system.url)
        .post('/ops/queues/api/queues/email/add')
        .send({ name: 'verification-code', data: { to: 'victim@example.com', sealedCode: 'x' } });
      expect(add.status).toBe(403);
      const after = await emailQueue(system.url);
      expect(after.isPaused).toBe(false);
      expect(after.counts).toEqual(before.counts);
    });

    it('SEC-2 with OPS_DASHBOARD_PASSWORD set it is asked for even with dev login on', async () => {
      const url = await system.gatewayWith({ OPS_DASHBOARD_PASSWORD: PASSWORD });
      const anonymous = await request(url).get('/ops/queues/api/queues');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toContain('Basic');
      expect((await request(url).get('/ops/queues/api/queues').set('authorization', basic('wrong-password-x'))).status).toBe(401);
      expect((await emailQueue(url, basic(PASSWORD))).isPaused).toBe(false);
    });

    it('SEC-2 beyond loopback it always needs the password; OPS_DASHBOARD_WRITE=true makes it writable', async () => {
      const url = await system.gatewayWith({
        AUTH_DEV_LOGIN: 'false',
        HOST: '0.0.0.0',
        OPS_DASHBOARD: 'true',
        OPS_DASHBOARD_PASSWORD: PASSWORD,
        OPS_DASHBOARD_WRITE: 'true',
      });
      expect((await request(url).get('/ops/queues')).status).toBe(401);
      await request(url).put('/ops/queues/api/queues/deprovision/pause').expect(401);
      await request(url).put('/ops/queues/api/queues/deprovision/pause').set('authorization', basic(PASSWORD)).expect(200);
      await request(url).put('/ops/queues/api/queues/deprovision/resume').set('authorization', basic(PASSWORD)).expect(200);
    });
    it('SEC-2 even a writable dashboard cannot choose where a mail goes: a re-addressed waiting code mail and a forged copy reach only the user', async () => {
      const url = await system.gatewayWith({
        AUTH_DEV_LOGIN: 'false',
        HOST: '0.0.0.0',
        OPS_DASHBOARD: 'true',
        OPS_DASHBOARD_PASSWORD: PASSWORD,
        OPS_DASHBOARD_WRITE: 'true',
      });
      const operator = basic(PASSWORD);
      const attacker = `attacker-${Date.now().toString(36)}@evil.test`;
      const client = await ApiClient.signIn(system, 'extension');
      await request(url).put('/ops/queues/api/queues/email/pause').set('authorization', operator).expect(200);
      try {
        expect((await client.setUp()).status).toBe(201);
        // The code mail waits in the paused queue; the operator finds it and rewrites it, as the dashboard allows.
        const listed = await request(url)
          .get('/ops/queues/api/queues?activeQueue=email&status=waiting&page=1&jobsPerPage=100')
          .set('authorization', operator)
          .expect(200);
        const jobs: Array<{ id: string; name: string; data: Record<string, unknown> }> = listed.body.queues.find(
          (q: { name: string }) => q.name === 'email',
        ).jobs;
        const job = jobs.find((j) => j.data.deviceId === client.deviceId);
        expect(job).toBeDefined();
        await request(url)
          .patch(`/ops/queues/api/queues/email/${job!.id}/update-data`)
          .set('authorization', operator)
          .send({ jobData: { ...job!.data, to: attacker } })
          .expect(200);
        await request(url)
          .post('/ops/queues/api/queues/email/add')
          .set('authorization', operator)
          .send({ name: job!.name, data: { ...job!.data, to: attacker }, options: { jobId: `forged-${job!.id}` } })
          .expect(200);
      } finally {
        await request(url).put('/ops/queues/api/queues/email/resume').set('authorization', operator).expect(200);
      }

      const code = await system.mail.codeFor(client.user.email, 15_000);
      // Both jobs went to the user (the forged copy is the same code again), none to the address written into them.
      await system.mail.waitFor((m) => m.to.includes(client.user.email), 15_000, 1);
      expect(system.mail.messages.filter((m) => m.to.includes(attacker))).toHaveLength(0);
      expect((await client.verify(code)).status).toBe(200);
    });
  });

  describe('SEC-3 forwarded client addresses', () => {
    /** Sets up a device through `url` with this X-Forwarded-For and answers the address the device was recorded with. */
    async function recordedIp(url: string, forwardedFor: string): Promise<{ status: number; lastIp: unknown }> {
      const client = await ApiClient.signIn(system, 'web');
      const proof = await client.key.proof('POST', `${url}/v1/devices`, client.token);
      const response = await request(url)
        .post('/v1/devices')
        .set('authorization', `Bearer ${client.token}`)
        .set('dpop', proof)
        .set('user-agent', USER_AGENTS.web)
        .set('x-forwarded-for', forwardedFor)
        .send({ clientType: 'web' });
      return { status: response.status, lastIp: response.body.device?.lastIp };
    }

    it('SEC-3 without TRUST_PROXY a forged X-Forwarded-For changes nothing', async () => {
      expect(await recordedIp(system.url, '198.51.100.23')).toEqual({ status: 201, lastIp: '127.0.0.1' });
    });

    it('SEC-3 with TRUST_PROXY=1 only the hop the proxy added counts: a client-written entry before it is ignored', async () => {
      const behindOneProxy = await system.gatewayWith({ TRUST_PROXY: '1' });
      expect(await recordedIp(behindOneProxy, '198.51.100.23, 203.0.113.9')).toEqual({ status: 201, lastIp: '203.0.113.9' });
    });

    it('SEC-3 with TRUST_PROXY naming CIDRs, a request from outside them is not believed', async () => {
      const behindNamedProxies = await system.gatewayWith({ TRUST_PROXY: '10.0.0.0/8,192.0.2.0/24' });
      expect(await recordedIp(behindNamedProxies, '198.51.100.23')).toEqual({ status: 201, lastIp: '127.0.0.1' });
    });

    it('SEC-3 a forwarded value that is not an IP address (over 64 characters) is not recorded and fails nothing', async () => {
      const behindOneProxy = await system.gatewayWith({ TRUST_PROXY: '1' });
      expect(await recordedIp(behindOneProxy, 'x'.repeat(100))).toEqual({ status: 201, lastIp: null });
    });
  });

  describe('SEC-10 hardening headers', () => {
    it('SEC-10 every response has X-Content-Type-Options: nosniff (API, errors, docs, web app, dashboard, health)', async () => {
      for (const path of ['/health/live', '/v1/session', '/no/such/thing', '/docs', '/docs/openapi.json', '/', '/ops/queues']) {
        const response = await request(system.url).get(path);
        expect([path, response.headers['x-content-type-options']]).toEqual([path, 'nosniff']);
      }
    });

    it('SEC-10 API answers are no-store and carry no ETag: nothing to revalidate, and SCIM says etag is not supported', async () => {
      const web = await ApiClient.signIn(system);
      await web.becomeTrusted();
      const list = await web.call('get', '/v1/devices');
      expect([list.status, list.headers['cache-control'], list.headers.etag]).toEqual([200, 'no-store', undefined]);
      const scim = await request(system.url).get('/scim/v2/ServiceProviderConfig');
      expect(scim.headers.etag).toBeUndefined();
    });

    it('SEC-10 the API docs and the dashboard cannot be framed', async () => {
      for (const path of ['/docs', '/ops/queues']) {
        const response = await request(system.url).get(path).expect(200);
        expect([path, response.headers['x-frame-options']]).toEqual([path, 'DENY']);
        expect([path, response.headers['content-security-policy']]).toEqual([path, expect.stringContaining("frame-ancestors 'none'")]);
      }
    });

    it('SEC-10 responses that carry secrets (dev token, SCIM token, key envelope) are Cache-Control: no-store', async () => {
      const devToken = await request(system.url).post('/v1/dev/token').send({ email: 'cache@example.test' }).expect(200);
      expect(devToken.headers['cache-control']).toBe('no-store');
      const admin = await ApiClient.signIn(system, 'web', { role: 'owner' });
      const scimToken = await admin.call('post', '/v1/workspace/scim-tokens');
      const keyEnvelope = await admin.keyEnvelope();
      for (const response of [scimToken, keyEnvelope])
        expect([response.status, response.headers['cache-control']]).toEqual([response.status, 'no-store']);
    });

    it('SEC-10 HSTS only when PUBLIC_URL is https', async () => {
      expect((await request(system.url).get('/health/live')).headers['strict-transport-security']).toBeUndefined();
      const https = await system.gatewayWith({ PUBLIC_URL: 'https://devices.example.test' });
      expect((await request(https).get('/health/live')).headers['strict-transport-security']).toMatch(/max-age=\d+/);
    });
  });

  describe('ERR-2 bad input never reaches Postgres', () => {
    let admin: ApiClient;
    let scimToken: string;

    beforeAll(async () => {
      admin = await trustedAdmin(system);
      const created = await admin.call('post', '/v1/workspace/scim-tokens');
      expect(created.status).toBe(201);
      scimToken = created.body.token;
    });

    it('ERR-2 a NUL character in a SCIM id or filter is a 400 SCIM error, not a 500', async () => {
      for (const path of [
        '/scim/v2/Users/%00',
        '/scim/v2/Users/abc%00def',
        `/scim/v2/Users?filter=${encodeURIComponent('userName eq "a\u0000b@example.test"')}`,
      ]) {
        const response = await request(system.url).get(path).set('authorization', `Bearer ${scimToken}`);
        expect([path, response.status, response.body.schemas]).toEqual([path, 400, ['urn:ietf:params:scim:api:messages:2.0:Error']]);
      }
    });

    it('ERR-2 a NUL character in a query value, a path id or a body field is a 400 validation problem', async () => {
      const search = await listWorkspaceDevices(admin, { q: '\u0000' });
      expect([search.status, search.body.code]).toEqual([400, 'validation_failed']);
      const byUser = await listAudit(admin, { userId: 'a\u0000b' });
      expect([byUser.status, byUser.body.code]).toEqual([400, 'validation_failed']);
      const deprovision = await admin.call('post', '/v1/workspace/users/a%00b/deprovision');
      expect([deprovision.status, deprovision.body.code]).toEqual([400, 'validation_failed']);
      const rename = await admin.rename(admin.deviceId, 'laptop\u0000');
      expect([rename.status, rename.body.code]).toEqual([400, 'validation_failed']);
      const devToken = await request(system.url).post('/v1/dev/token').send({ email: 'nul@example.test', username: 'a\u0000b' });
      expect([devToken.status, devToken.body.code]).toEqual([400, 'validation_failed']);
    });

    it('ERR-2 a token whose claims hold a NUL character is unauthenticated', async () => {
      for (const claim of ['sub', 'wid', 'email', 'preferred_username']) {
        const claims: Record<string, string> = { sub: 'user-nul', wid: 'ws-nul', email: 'nul@example.test', preferred_username: 'nul' };
        claims[claim] = claim === 'email' ? 'n\u0000l@example.test' : `a\u0000${claims[claim]}`;
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setSubject(claims.sub)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(system.env.AUTH_JWT_SECRET));
        const response = await request(system.url).get('/v1/devices').set('authorization', `Bearer ${token}`);
        expect([claim, response.status, response.body.code]).toEqual([claim, 401, 'unauthenticated']);
      }
    });

    it('ERR-2 a workspace cursor holding an impossible date is a 400 validation problem', async () => {
      const uuid = '00000000-0000-4000-8000-000000000000';
      for (const at of ['2026-13-45T25:61:61.000000', '2026-02-30T10:00:00.000000', '0000-00-00T00:00:00']) {
        const cursor = Buffer.from(JSON.stringify([at, uuid])).toString('base64url');
        for (const response of [await listWorkspaceDevices(admin, { cursor }), await listAudit(admin, { cursor })]) {
          expect([at, response.status, response.body.code]).toEqual([at, 400, 'validation_failed']);
        }
      }
    });

    it('ERR-1 a URL over 16 KB is answered as problem+json (431), like every other parser error', async () => {
      const { url } = { url: system.url };
      const target = new URL(url);
      const answer = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: target.hostname, port: target.port, path: `/v1/devices?pad=${'x'.repeat(17 * 1024)}`, method: 'GET' },
          (res) => {
            let body = '';
            res.on('data', (chunk) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(answer.status).toBe(431);
      expect(answer.type).toContain('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({
        status: 431,
        code: 'validation_failed',
        title: expect.any(String),
        detail: expect.any(String),
      });
    });
  });

  describe('SEC-9 /health/ready', () => {
    it('SEC-9 answers from a recent status: 20 concurrent calls cost at most two pings of a service, not twenty', async () => {
      const nats = await connect({ servers: system.testEnv.natsUrl, name: 'sec-9-ping-counter' });
      try {
        let pings = 0;
        const subscription = nats.subscribe(prefixed(system.testEnv.natsPrefix, PING_COMMANDS[Service.device]), {
          callback: () => (pings += 1),
        });
        await nats.flush();
        const answers = await Promise.all(Array.from({ length: 20 }, () => request(system.url).get('/health/ready')));
        for (const answer of answers) expect(answer.status).toBe(200);
        await nats.flush();
        subscription.unsubscribe();
        expect(pings).toBeLessThanOrEqual(2);
      } finally {
        await nats.close();
      }
    });

    it('SEC-9 instance details only to operators: with an ops password set, anonymous callers get the status alone', async () => {
      const PASSWORD = 'a-dashboard-password-of-some-length';
      const url = await system.gatewayWith({ OPS_DASHBOARD_PASSWORD: PASSWORD });
      const anonymous = await request(url).get('/health/ready').expect(200);
      expect(anonymous.body).toEqual({ status: 'ok' });
      expect(JSON.stringify(anonymous.body)).not.toMatch(/instance|pid|hostname/);
      const operator = await request(url)
        .get('/health/ready')
        .set('authorization', `Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}`)
        .expect(200);
      expect(operator.body.details['device-service']).toMatchObject({ status: 'up', instance: expect.any(String) });
    });
  });
});
