import { randomUUID } from 'node:crypto';
import type { DeviceView } from '@td/contracts';
import { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';

describe('APPROVE — approving from a trusted session (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  /** A user with an approved web app, and a second app of theirs waiting for approval. */
  async function webAndPending(pendingType: 'web' | 'mobile' = 'mobile'): Promise<{ web: ApiClient; pending: ApiClient }> {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted();
    const pending = await web.anotherApp(pendingType);
    const setup = await pending.setUp();
    expect(setup.body.verification.method).toBe('approval');
    return { web, pending };
  }

  it('APPROVE-1 an approved web app sees a new pending device in its list and gets a real-time event', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted();
    const stream = await web.events();
    expect(stream.status).toBe(200);
    expect(stream.response.headers['content-type']).toContain('text/event-stream');
    const phone = await web.anotherApp('mobile');
    await phone.setUp();
    const event = await stream.waitFor('device.pending_approval', (data) => data.device.id === phone.deviceId);
    expect(event.device).toMatchObject({ status: 'pending_approval', fingerprint: phone.device!.fingerprint, current: false });
    const listed = ((await web.list()).body.devices as DeviceView[]).find((d) => d.id === phone.deviceId);
    expect(listed?.status).toBe('pending_approval');
    stream.close();
  });

  it('APPROVE-1 an extension cannot open the event stream (403 approver_not_allowed)', async () => {
    const extension = await ApiClient.signIn(system, 'extension');
    await extension.becomeTrusted();
    const stream = await extension.events();
    expect(stream.status).toBe(403);
    expect(JSON.parse(stream.body).code).toBe('approver_not_allowed');
  });

  it('APPROVE-2 approve from a trusted web session: approved via device, by the approver', async () => {
    const { web, pending } = await webAndPending();
    const response = await web.approve(pending.deviceId);
    expect(response.status).toBe(200);
    expect(response.body.device).toMatchObject({
      id: pending.deviceId,
      status: 'approved',
      approvedVia: 'device',
      approvedBy: web.deviceId,
    });
    expect((await pending.session()).body.trusted).toBe(true);
  });

  it('APPROVE-2 deny moves the pending device to denied; an approved mobile app may approve too', async () => {
    const { web, pending } = await webAndPending('mobile');
    expect((await web.approve(pending.deviceId)).status).toBe(200);
    const laptop = await web.anotherApp('web');
    await laptop.setUp();
    const denied = await pending.deny(laptop.deviceId);
    expect(denied.status).toBe(200);
    expect(denied.body.device.status).toBe('denied');
    expect((await laptop.session()).body.trusted).toBe(false);
  });

  it('APPROVE-2 refusals: extension 403 approver_not_allowed, untrusted 403 trusted_session_required, other user 404, not pending 409', async () => {
    const { web, pending } = await webAndPending();
    const extension = await web.anotherApp('extension');
    await extension.becomeTrusted('ext');
    const fromExtension = await extension.approve(pending.deviceId);
    expect([fromExtension.status, fromExtension.body.code]).toEqual([403, 'approver_not_allowed']);
    const untrusted = await pending.approve(pending.deviceId);
    expect([untrusted.status, untrusted.body.code]).toEqual([403, 'trusted_session_required']);
    const stranger = await ApiClient.signIn(system, 'web', { wid: web.user.wid });
    await stranger.becomeTrusted();
    expect((await stranger.approve(pending.deviceId)).status).toBe(404);
    expect((await web.approve(pending.deviceId)).status).toBe(200);
    const twice = await web.deny(pending.deviceId);
    expect([twice.status, twice.body.code]).toEqual([409, 'invalid_device_state']);
  });

  it('APPROVE-2 an approval works once: the approver repeating it gets 409 invalid_device_state; a retry with the same Idempotency-Key gets the stored 200', async () => {
    const { web, pending } = await webAndPending();
    const path = `/v1/devices/${pending.deviceId}/approve`;
    const key = randomUUID();
    const approved = await web.call('post', path, { body: {}, headers: { 'Idempotency-Key': key } });
    expect(approved.status).toBe(200);
    const replayed = await web.call('post', path, { body: {}, headers: { 'Idempotency-Key': key } });
    expect([replayed.status, replayed.body]).toEqual([200, approved.body]);
    const repeated = await web.approve(pending.deviceId);
    expect([repeated.status, repeated.body.code]).toEqual([409, 'invalid_device_state']);
    // The careful client that lost the answer reads the list instead: the device is approved, once.
    const listed = ((await web.list()).body.devices as DeviceView[]).find((d) => d.id === pending.deviceId);
    expect(listed).toMatchObject({ status: 'approved', approvedVia: 'device' });
  });

  it('APPROVE-3 the key envelope goes to the approved device only', async () => {
    const { web, pending } = await webAndPending();
    expect((await web.approve(pending.deviceId, 'opaque-envelope-for-the-phone')).status).toBe(200);
    const mine = await pending.keyEnvelope();
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({ keyEnvelope: 'opaque-envelope-for-the-phone', approvedBy: web.deviceId });
    expect((await web.keyEnvelope()).status).toBe(404);
  });

  it('APPROVE-4 approval sends a security email naming the device and how it was approved', async () => {
    const { web, pending } = await webAndPending();
    const before = system.mail.messages.length;
    await web.approve(pending.deviceId);
    const mail = await system.mail.waitFor(
      (m) => m.to.includes(web.user.email) && m.text.includes(pending.device!.name) && system.mail.messages.indexOf(m) >= before,
    );
    expect(mail.text).toMatch(/approved|added/i);
    expect(mail.text).toMatch(/disable/i);
  });

  it("APPROVE-5 the fingerprint is five words, the same on the requesting device and in the approver's list, beside IP, OS, browser and time", async () => {
    const { web, pending } = await webAndPending();
    expect(pending.device!.fingerprint.split(' ')).toHaveLength(5);
    const listed = ((await web.list()).body.devices as DeviceView[]).find((d) => d.id === pending.deviceId)!;
    expect(listed).toMatchObject({
      fingerprint: pending.device!.fingerprint,
      os: 'iOS',
      lastIp: '127.0.0.1',
      createdAt: expect.any(String),
    });
  });

  it('APPROVE-6 the requesting device may cancel its pending request, which shows when it expires', async () => {
    const { web, pending } = await webAndPending();
    const expiresIn = Date.parse(pending.device!.expiresAt!) - Date.now();
    expect(expiresIn).toBeGreaterThan(1700_000);
    expect(expiresIn).toBeLessThanOrEqual(1800_000);
    const byOther = await web.cancel(pending.deviceId);
    expect(byOther.status).toBeGreaterThanOrEqual(400);
    expect((await pending.cancel()).status).toBe(204);
    expect(((await web.list()).body.devices as DeviceView[]).map((d) => d.id)).not.toContain(pending.deviceId);
    const again = await pending.cancel();
    expect([again.status, again.body.code]).toEqual([409, 'invalid_device_state']);
  });
});
