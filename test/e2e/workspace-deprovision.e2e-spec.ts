import type { INestApplication } from '@nestjs/common';
import { freePort, waitUntil } from '@td/testing';
import request from 'supertest';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { loadGatewayConfig } from '../../apps/gateway/src/config';
import type { ApiClient } from '../support/api-client';
import { SseClient } from '../support/sse';
import { TestSystem } from '../support/system';
import { colleague, deprovision, jobCompleted, listAudit, listWorkspaceDevices, trustedAdmin } from '../support/workspace';

describe('DEPROV and KEY-5 — deprovisioning and disabling, over HTTP', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  async function statusesOf(admin: ApiClient, userId: string): Promise<string[]> {
    return (await listWorkspaceDevices(admin, { userId })).body.devices.map((d: { status: string }) => d.status);
  }

  it('DEPROV-1 202 with a job id; the user is refused at once; the job disables every device, pending ones too', async () => {
    const admin = await trustedAdmin(system);
    const alice = await colleague(admin);
    await alice.becomeTrusted();
    const extension = await alice.anotherApp('extension');
    await extension.setUp();
    const mobile = await alice.anotherApp('mobile');
    await mobile.setUp();
    const stream = await alice.events();
    expect(stream.status).toBe(200);

    const response = await deprovision(admin, alice.user.sub);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ jobId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) });
    const refused = await alice.session();
    expect([refused.status, refused.body.code]).toEqual([403, 'user_deprovisioned']);

    const job = await jobCompleted(admin, response.body.jobId);
    expect(job).toEqual({ id: response.body.jobId, state: 'completed', progress: { disabled: 3, total: 3 } });
    expect(await statusesOf(admin, alice.user.sub)).toEqual(['disabled', 'disabled', 'disabled']);
    await stream.ended;
    // KEY-5: the open stream heard of every device the cascade disabled (one event for all of them on the bus) before it ended.
    const heard = stream.events
      .filter((e) => e.event === 'device.disabled')
      .map((e) => e.data as { device: { id: string; current: boolean } });
    expect(heard.map(({ device }) => device.id).sort()).toEqual([alice.deviceId, extension.deviceId, mobile.deviceId].sort());
    expect(heard.filter(({ device }) => device.current).map(({ device }) => device.id)).toEqual([alice.deviceId]);

    const again = await deprovision(admin, alice.user.sub);
    expect([again.status, again.body.jobId]).toEqual([202, response.body.jobId]);
    const audit = (await listAudit(admin, { userId: alice.user.sub })).body.events;
    expect(audit.filter((e: { action: string }) => e.action === 'user.deprovisioned')).toEqual([
      expect.objectContaining({
        actor: { userId: admin.user.sub, deviceId: admin.deviceId },
        target: { userId: alice.user.sub, deviceId: null },
      }),
    ]);
    expect(audit.filter((e: { action: string }) => e.action === 'device.disabled')).toHaveLength(3);
  });

  it('DEPROV-1 an unknown user, a bad job id and an unknown job: 404 or 400, never a job', async () => {
    const admin = await trustedAdmin(system);
    const unknown = await deprovision(admin, 'nobody-here');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);
    const badId = await admin.call('get', '/v1/workspace/jobs/not-a-uuid');
    expect([badId.status, badId.body.code]).toEqual([400, 'validation_failed']);
    const missing = await admin.call('get', '/v1/workspace/jobs/00000000-0000-4000-8000-000000000000');
    expect([missing.status, missing.body.code]).toEqual([404, 'not_found']);
    const longId = await deprovision(admin, 'x'.repeat(256));
    expect([longId.status, longId.body.code]).toEqual([400, 'validation_failed']);
  });

  it('DEPROV-2 device setups and approvals racing the deprovisioning never end approved', async () => {
    const admin = await trustedAdmin(system);
    const alice = await colleague(admin);
    await alice.becomeTrusted();
    const waiting = await Promise.all(Array.from({ length: 4 }, () => alice.anotherApp('mobile')));
    for (const app of waiting) expect((await app.setUp()).body.verification.method).toBe('approval');
    const newcomers = await Promise.all(Array.from({ length: 6 }, () => alice.anotherApp('extension')));

    const [deprovisioned] = await Promise.all([
      deprovision(admin, alice.user.sub),
      ...waiting.map((app) => alice.approve(app.deviceId)),
      ...newcomers.map((app) => app.setUp()),
    ]);
    expect(deprovisioned.status).toBe(202);
    await jobCompleted(admin, deprovisioned.body.jobId);
    // A setup that won the race is caught by the cascade (or its re-run): in the end nothing is trusted.
    const final = await waitUntil(async () => {
      const statuses = await statusesOf(admin, alice.user.sub);
      return statuses.every((s) => s === 'disabled') ? statuses : undefined;
    }, 15000);
    expect(final.length).toBeGreaterThanOrEqual(5);
    for (const app of [alice, ...waiting]) expect((await app.session()).body.code).toBe('user_deprovisioned');
  });

  it('KEY-5 a device an admin disables is refused at its very next request and its event stream ends within 1 s', async () => {
    const admin = await trustedAdmin(system);
    const alice = await colleague(admin);
    await alice.becomeTrusted();
    const stream = await alice.events();
    expect(stream.status).toBe(200);
    const disabled = await admin.call('post', `/v1/workspace/devices/${alice.deviceId}/disable`);
    expect(disabled.status).toBe(200);
    const disabledAt = Date.now();
    const next = await alice.call('patch', `/v1/devices/${alice.deviceId}`, { body: { name: 'still mine?' } });
    expect([next.status, next.body.code]).toEqual([403, 'trusted_session_required']);
    await Promise.race([
      stream.ended,
      new Promise((_, reject) => setTimeout(() => reject(new Error('stream still open after 1 s')), 1000)),
    ]);
    expect(Date.now() - disabledAt).toBeLessThan(1000);
  });

  describe('KEY-5 with two gateway instances on the same NATS', () => {
    let second: INestApplication;
    let secondUrl: string;

    beforeAll(async () => {
      const port = await freePort();
      secondUrl = `http://127.0.0.1:${port}`;
      second = await startGateway(loadGatewayConfig({ ...system.env, PORT: String(port), PUBLIC_URL: secondUrl }));
    });
    afterAll(() => second?.close());

    /** A request of `client` to the second gateway, signed for its URL. */
    async function onSecond(client: ApiClient, method: 'get' | 'post', path: string) {
      const proof = await client.key.proof(method.toUpperCase(), `${secondUrl}${path}`, client.token);
      return request(secondUrl)[method](path).set('authorization', `Bearer ${client.token}`).set('dpop', proof);
    }

    it('KEY-5 both gateways refuse the disabled device and the stream on the other gateway ends within 1 s', async () => {
      const admin = await trustedAdmin(system);
      const alice = await colleague(admin);
      await alice.becomeTrusted();
      expect((await onSecond(alice, 'get', '/v1/session')).body).toMatchObject({ trusted: true });
      const here = await alice.events();
      const there = await SseClient.open(`${secondUrl}/v1/events`, {
        authorization: `Bearer ${alice.token}`,
        dpop: await alice.key.proof('GET', `${secondUrl}/v1/events`, alice.token),
      });
      expect([here.status, there.status]).toEqual([200, 200]);

      expect((await admin.call('post', `/v1/workspace/devices/${alice.deviceId}/disable`)).status).toBe(200);
      const disabledAt = Date.now();
      const [first, other] = await Promise.all([
        alice.call('post', `/v1/devices/${alice.deviceId}/disable`),
        onSecond(alice, 'post', `/v1/devices/${alice.deviceId}/disable`),
      ]);
      expect([first.status, first.body.code, other.status, other.body.code]).toEqual([
        403,
        'trusted_session_required',
        403,
        'trusted_session_required',
      ]);
      const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('a stream is still open after 1 s')), 1000));
      await Promise.race([Promise.all([here.ended, there.ended]), timeout]);
      expect(Date.now() - disabledAt).toBeLessThan(1000);
    });
  });

  it('OPS the deprovision queue is visible to operators in the Bull Board view (local mode)', async () => {
    const page = await request(system.url).get('/ops/queues');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<html/i);
    const queues = await request(system.url).get('/ops/queues/api/queues');
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['deprovision', 'email']);
  });
});
