import { prefixed } from '@td/common';
import { Command } from '@td/contracts';
import { connect } from 'nats';
import { randomUUID } from 'node:crypto';
import { DeviceCommandsHarness, rejection } from '../../test/support/device-commands.harness';

describe('device-service: confirming a pending device (APPROVE, CODE-3/4)', () => {
  let h: DeviceCommandsHarness;

  beforeAll(async () => {
    h = await DeviceCommandsHarness.start();
  });
  afterAll(() => h.stop());

  /** A user with an approved web device and a second device waiting for its approval. */
  async function waitingForApproval(clientType: 'web' | 'mobile' = 'mobile') {
    const claims = h.user();
    const approver = await h.approvedDevice(claims, 'web');
    const pending = await h.setup(claims, clientType);
    expect(pending.device.status).toBe('pending_approval');
    return { claims, approver, pending };
  }

  it('APPROVE-2 a trusted web or mobile device approves a pending device of the same user', async () => {
    const { claims, approver, pending } = await waitingForApproval();
    const { device } = await h.send(Command.deviceApprove, {
      caller: h.caller(claims, approver.key),
      deviceId: pending.device.id,
      keyEnvelope: null as never,
    });
    expect(device).toMatchObject({
      id: pending.device.id,
      status: 'approved',
      approvedVia: 'device',
      approvedBy: approver.device.id,
      current: false,
    });
    expect(device.approvedAt).not.toBeNull();
    expect(device.expiresAt).toBeNull();
    expect(await h.outboxSubjects(device.id)).toEqual(['events.device.approval-requested', 'events.device.approved']);
    expect(await h.auditActions(device.id)).toContain('device.approved');
    expect((await h.send(Command.deviceGetSession, { caller: h.caller(claims, pending.key) })).trusted).toBe(true);

    const fromMobile = await h.setup(claims, 'web');
    const mobile = await h.approvedDevice(claims, 'mobile');
    const denied = await h.send(Command.deviceDeny, { caller: h.caller(claims, mobile.key), deviceId: fromMobile.device.id });
    expect(denied.device).toMatchObject({ status: 'denied', approvedVia: null, approvedBy: null });
    expect(await h.outboxSubjects(fromMobile.device.id)).toEqual(['events.device.approval-requested', 'events.device.denied']);
    expect((await h.send(Command.deviceGetSession, { caller: h.caller(claims, fromMobile.key) })).trusted).toBe(false);
  });

  it('APPROVE-2 each refusal has its code: proof, trusted session, approver app, other user, state', async () => {
    const { claims, approver, pending } = await waitingForApproval();
    const deviceId = pending.device.id;
    for (const command of [Command.deviceApprove, Command.deviceDeny] as const) {
      expect((await rejection(h.send(command, { caller: h.caller(claims, null), deviceId }))).code).toBe('device_proof_required');
      // The pending device itself holds no trusted session.
      expect((await rejection(h.send(command, { caller: h.caller(claims, pending.key), deviceId }))).code).toBe('trusted_session_required');
      const extension = await h.approvedDevice(claims, 'extension');
      expect((await rejection(h.send(command, { caller: h.caller(claims, extension.key), deviceId }))).code).toBe('approver_not_allowed');
      // Another user's trusted web device cannot see this device at all.
      const stranger = h.user();
      const strangerWeb = await h.approvedDevice(stranger, 'web');
      expect((await rejection(h.send(command, { caller: h.caller(stranger, strangerWeb.key), deviceId }))).code).toBe('not_found');
      expect((await rejection(h.send(command, { caller: h.caller(claims, approver.key), deviceId: randomUUID() }))).code).toBe('not_found');
      // Not pending approval: the approver itself, and a device waiting for its email code.
      expect((await rejection(h.send(command, { caller: h.caller(claims, approver.key), deviceId: approver.device.id }))).code).toBe(
        'invalid_device_state',
      );
      const byCode = await h.setup(claims, 'extension');
      expect((await rejection(h.send(command, { caller: h.caller(claims, approver.key), deviceId: byCode.device.id }))).code).toBe(
        'invalid_device_state',
      );
    }
    expect((await h.deviceRow(deviceId)).status).toBe('pending_approval');
    await h.send(Command.deviceApprove, { caller: h.caller(claims, approver.key), deviceId });
    const again = await rejection(h.send(Command.deviceDeny, { caller: h.caller(claims, approver.key), deviceId }));
    expect(again.code).toBe('invalid_device_state');
  });

  it('APPROVE-2 a request past its expiry can no longer be approved', async () => {
    const { claims, approver, pending } = await waitingForApproval();
    await h.db.query(`UPDATE devices SET expires_at = now() - interval '1 second' WHERE id = $1`, [pending.device.id]);
    const error = await rejection(h.send(Command.deviceApprove, { caller: h.caller(claims, approver.key), deviceId: pending.device.id }));
    expect(error.code).toBe('invalid_device_state');
  });

  it('APPROVE-3 the key envelope is stored for the approved device and returned to it alone', async () => {
    const { claims, approver, pending } = await waitingForApproval('web');
    const keyEnvelope = `sealed.${'A'.repeat(4000)}`;
    await h.send(Command.deviceApprove, { caller: h.caller(claims, approver.key), deviceId: pending.device.id, keyEnvelope });
    expect(await h.send(Command.deviceGetKeyEnvelope, { caller: h.caller(claims, pending.key) })).toEqual({
      keyEnvelope,
      approvedBy: approver.device.id,
    });
    expect((await rejection(h.send(Command.deviceGetKeyEnvelope, { caller: h.caller(claims, approver.key) }))).code).toBe('not_found');
    expect((await rejection(h.send(Command.deviceGetKeyEnvelope, { caller: h.caller(claims, null) }))).code).toBe('device_proof_required');
    expect((await rejection(h.send(Command.deviceGetKeyEnvelope, { caller: h.caller(h.user(), pending.key) }))).code).toBe(
      'trusted_session_required',
    );
    const { devices } = await h.send(Command.deviceList, { caller: h.caller(claims, approver.key) });
    expect(JSON.stringify(devices)).not.toContain(keyEnvelope);

    const other = await h.setup(claims, 'mobile');
    const tooBig = await rejection(
      h.send(Command.deviceApprove, { caller: h.caller(claims, approver.key), deviceId: other.device.id, keyEnvelope: 'é'.repeat(4097) }),
    );
    expect(tooBig.code).toBe('validation_failed');
    expect((await h.deviceRow(other.device.id)).status).toBe('pending_approval');
  });

  it('APPROVE-6 the pending device itself can cancel its request; nobody else can', async () => {
    const { claims, approver, pending } = await waitingForApproval();
    const deviceId = pending.device.id;
    expect((await rejection(h.send(Command.deviceCancel, { caller: h.caller(claims, approver.key), deviceId }))).code).toBe('not_found');
    expect((await rejection(h.send(Command.deviceCancel, { caller: h.caller(claims, null), deviceId }))).code).toBe(
      'device_proof_required',
    );
    expect((await rejection(h.send(Command.deviceCancel, { caller: h.caller(h.user(), pending.key), deviceId }))).code).toBe('not_found');
    expect(await h.send(Command.deviceCancel, { caller: h.caller(claims, pending.key), deviceId })).toEqual({ ok: true });
    expect((await h.deviceRow(deviceId)).status).toBe('expired');
    expect(await h.outboxSubjects(deviceId)).toEqual(['events.device.approval-requested', 'events.device.expired']);
    expect(await h.auditActions(deviceId)).toContain('device.expired');
    expect((await rejection(h.send(Command.deviceCancel, { caller: h.caller(claims, pending.key), deviceId }))).code).toBe(
      'invalid_device_state',
    );
    // The request shows when it lapses while pending (APPROVE-6), and the cancelled one leaves the list.
    const next = await h.setup(claims, 'web');
    expect(next.device.expiresAt).not.toBeNull();
    const { devices } = await h.send(Command.deviceList, { caller: h.caller(claims, approver.key) });
    expect(devices.map((d) => d.id)).not.toContain(deviceId);
  });

  it('CODE-3 the right code from the pending device approves it; wrong codes and wrong devices are refused', async () => {
    const claims = h.user();
    const { key, device } = await h.setup(claims, 'web');
    const code = await h.latestCode(claims);
    const wrong = code === '000000' ? '111111' : '000000';
    expect(
      await rejection(h.send(Command.deviceVerify, { caller: h.caller(claims, key), deviceId: device.id, code: wrong })),
    ).toMatchObject({
      code: 'code_invalid',
      extensions: { attemptsRemaining: 4 },
    });
    const sibling = await h.setup(claims, 'mobile');
    expect((await rejection(h.send(Command.deviceVerify, { caller: h.caller(claims, sibling.key), deviceId: device.id, code }))).code).toBe(
      'not_found',
    );
    const verified = await h.send(Command.deviceVerify, { caller: h.caller(claims, key), deviceId: device.id, code });
    expect(verified.device).toMatchObject({ status: 'approved', approvedVia: 'email_code', approvedBy: null, current: true });
    expect(await h.auditActions(device.id)).toContain('device.verified');
    expect(await h.outboxSubjects(device.id)).toEqual(['events.device.approved']);
    // A device no longer pending takes no code, the right one included (CODE-3: a code works once).
    const twice = await rejection(h.send(Command.deviceVerify, { caller: h.caller(claims, key), deviceId: device.id, code }));
    expect(twice.code).toBe('invalid_device_state');
  });

  it('CODE-3 a verify asks verification-service one thing, the check: the code of the approved device is left to expire, not voided (issue 12)', async () => {
    const claims = h.user();
    const { key, device } = await h.setup(claims, 'web');
    const code = await h.latestCode(claims);
    // A plain subscription sees a copy of every command sent to verification-service.
    const watcher = await connect({ servers: h.testEnv.natsUrl });
    try {
      const asked: string[] = [];
      watcher.subscribe(prefixed(h.testEnv.natsPrefix, 'verification.>'), { callback: (_, message) => asked.push(message.subject) });
      await watcher.flush();
      const verified = await h.send(Command.deviceVerify, { caller: h.caller(claims, key), deviceId: device.id, code });
      expect(verified.device.status).toBe('approved');
      await watcher.flush();
      expect(asked).toEqual([prefixed(h.testEnv.natsPrefix, Command.verificationCheckCode)]);
    } finally {
      await watcher.close();
    }
    // The code left behind approves nothing (CODE-3: a code works once).
    expect((await rejection(h.send(Command.deviceVerify, { caller: h.caller(claims, key), deviceId: device.id, code }))).code).toBe(
      'invalid_device_state',
    );
  });

  it('CODE-3 a verify whose approval did not commit does not use up the code: the retry with the same code approves', async () => {
    const claims = h.user();
    const { key, device } = await h.setup(claims, 'web');
    const code = await h.latestCode(claims);
    // The approval's transaction fails after the code was checked (as when Postgres fails or the process dies there).
    const trigger = `refuse_${device.id.replace(/-/g, '')}`;
    await h.db.query(
      `CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`,
    );
    await h.db.query(
      `CREATE TRIGGER ${trigger} BEFORE UPDATE ON devices FOR EACH ROW WHEN (NEW.id = '${device.id}') EXECUTE FUNCTION ${trigger}()`,
    );
    try {
      await expect(h.send(Command.deviceVerify, { caller: h.caller(claims, key), deviceId: device.id, code })).rejects.toBeDefined();
      expect((await h.deviceRow(device.id)).status).toBe('pending_verification');
    } finally {
      await h.db.query(`DROP TRIGGER ${trigger} ON devices`);
      await h.db.query(`DROP FUNCTION ${trigger}()`);
    }
    const retried = await h.send(Command.deviceVerify, { caller: h.caller(claims, key), deviceId: device.id, code });
    expect(retried.device).toMatchObject({ id: device.id, status: 'approved', approvedVia: 'email_code' });
    expect(await h.auditActions(device.id)).toContain('device.verified');
  });

  it('CODE-3 a code works once: the same code again after it approved the device is 409 invalid_device_state and changes nothing', async () => {
    const claims = h.user();
    const { key, device } = await h.setup(claims, 'web');
    const code = await h.latestCode(claims);
    await h.send(Command.deviceVerify, { caller: h.caller(claims, key), deviceId: device.id, code });
    const approved = await h.deviceRow(device.id);
    const repeat = await rejection(h.send(Command.deviceVerify, { caller: h.caller(claims, key), deviceId: device.id, code }));
    expect(repeat.code).toBe('invalid_device_state');
    // One approval, one event; the device is as the first verify left it.
    expect((await h.auditActions(device.id)).filter((action) => action === 'device.verified')).toHaveLength(1);
    expect(await h.outboxSubjects(device.id)).toEqual(['events.device.approved']);
    expect(await h.deviceRow(device.id)).toMatchObject({
      status: 'approved',
      approvedVia: approved.approvedVia,
      approvedAt: approved.approvedAt,
    });
    // A device approved by another device takes no code, whichever it is.
    const approver = await h.approvedDevice(claims, 'web');
    const byDevice = await h.setup(claims, 'mobile');
    await h.send(Command.deviceApprove, { caller: h.caller(claims, approver.key), deviceId: byDevice.device.id });
    expect(
      (await rejection(h.send(Command.deviceVerify, { caller: h.caller(claims, byDevice.key), deviceId: byDevice.device.id, code }))).code,
    ).toBe('invalid_device_state');
  });

  it('APPROVE-2 an approve repeated by the same approver is 409 invalid_device_state and changes nothing; so are another approver and a deny', async () => {
    const { claims, approver, pending } = await waitingForApproval();
    const deviceId = pending.device.id;
    await h.send(Command.deviceApprove, { caller: h.caller(claims, approver.key), deviceId, keyEnvelope: 'sealed.first' });
    const repeat = await rejection(
      h.send(Command.deviceApprove, { caller: h.caller(claims, approver.key), deviceId, keyEnvelope: 'sealed.second' }),
    );
    expect(repeat.code).toBe('invalid_device_state');
    expect((await h.auditActions(deviceId)).filter((action) => action === 'device.approved')).toHaveLength(1);
    expect(await h.outboxSubjects(deviceId)).toEqual(['events.device.approval-requested', 'events.device.approved']);
    expect(await h.deviceRow(deviceId)).toMatchObject({
      status: 'approved',
      approvedVia: 'device',
      approvedBy: approver.device.id,
      keyEnvelope: 'sealed.first',
    });
    const otherApprover = await h.approvedDevice(claims, 'mobile');
    expect((await rejection(h.send(Command.deviceApprove, { caller: h.caller(claims, otherApprover.key), deviceId }))).code).toBe(
      'invalid_device_state',
    );
    expect((await rejection(h.send(Command.deviceDeny, { caller: h.caller(claims, approver.key), deviceId }))).code).toBe(
      'invalid_device_state',
    );
  });

  it('CODE-4 a fresh code moves a device waiting for approval to the email code; only pending devices get one', async () => {
    const { claims, approver, pending } = await waitingForApproval();
    const reply = await h.send(Command.deviceSendEmailCode, { caller: h.caller(claims, pending.key), deviceId: pending.device.id });
    expect(reply).toMatchObject({
      device: { status: 'pending_verification', current: true },
      verification: { method: 'email_code', expiresAt: expect.any(String) },
    });
    expect(await h.auditActions(pending.device.id)).toContain('device.code_sent');
    // APPROVE-1: the switch is an event, so approvers' open lists drop their Approve (a resend is not).
    expect(await h.outboxSubjects(pending.device.id)).toEqual(['events.device.approval-requested', 'events.device.verification-requested']);
    const code = await h.latestCode(claims);
    const verified = await h.send(Command.deviceVerify, { caller: h.caller(claims, pending.key), deviceId: pending.device.id, code });
    expect(verified.device.status).toBe('approved');
    const approved = await rejection(
      h.send(Command.deviceSendEmailCode, { caller: h.caller(claims, approver.key), deviceId: approver.device.id }),
    );
    expect(approved.code).toBe('invalid_device_state');
  });

  it('CODE-4 a refused fresh code (rate_limited) leaves the device waiting for approval', async () => {
    const { claims, pending } = await waitingForApproval();
    await h.send(Command.deviceSendEmailCode, { caller: h.caller(claims, pending.key), deviceId: pending.device.id });
    await h.db.query(`UPDATE devices SET status = 'pending_approval' WHERE id = $1`, [pending.device.id]);
    const limited = await rejection(
      h.send(Command.deviceSendEmailCode, { caller: h.caller(claims, pending.key), deviceId: pending.device.id }),
    );
    expect(limited.code).toBe('rate_limited');
    expect(limited.retryAfter).toBeGreaterThan(0);
    expect((await h.deviceRow(pending.device.id)).status).toBe('pending_approval');
  });
});
