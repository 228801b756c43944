import { Command } from '@td/contracts';
import { DeviceCommandsHarness } from '../../test/support/device-commands.harness';

/** Issue 10: no user waits for a code mail that will never come because Redis lost its data. */
describe('device-service: codes lost with Redis are re-sent by the sweep', () => {
  let h: DeviceCommandsHarness;

  beforeAll(async () => {
    // The test runs the sweep itself, at the moments it chooses.
    h = await DeviceCommandsHarness.start({ LOST_CODE_SWEEP_INTERVAL_MS: '3600000' });
  });
  afterAll(() => h.stop());

  it('a device waiting for a code that vanished (Redis restarted without persistence) gets a fresh code mailed, once; others get none', async () => {
    const waiting = h.user();
    const lost = await h.setup(waiting, 'web');
    expect(lost.device.status).toBe('pending_verification');
    const done = h.user();
    const verified = await h.setup(done, 'web');
    await h.send(Command.deviceVerify, {
      caller: h.caller(done, verified.key),
      deviceId: verified.device.id,
      code: await h.latestCode(done),
    });

    await h.loseRedisData();
    expect(await h.codeMailsTo(waiting)).toBe(0);
    // A device set up after the loss has its code: nothing to re-send.
    const later = h.user();
    const fresh = await h.setup(later, 'web');

    expect(await h.lostCodeSweeper().sweep()).toBe(1);
    expect(await h.codeMailsTo(waiting)).toBe(1);
    expect(await h.codeMailsTo(later)).toBe(1);
    expect(await h.codeMailsTo(done)).toBe(0);
    // Audited like any code sent (the setup's own code, then the sweep's).
    expect((await h.auditActions(lost.device.id)).filter((action) => action === 'device.code_sent')).toHaveLength(2);
    // The next sweep finds nothing missing.
    expect(await h.lostCodeSweeper().sweep()).toBe(0);
    expect(await h.codeMailsTo(waiting)).toBe(1);

    // The mailed code is the device's code now.
    const reply = await h.send(Command.deviceVerify, {
      caller: h.caller(waiting, lost.key),
      deviceId: lost.device.id,
      code: await h.latestCode(waiting),
    });
    expect(reply.device.status).toBe('approved');
    const freshReply = await h.send(Command.deviceVerify, {
      caller: h.caller(later, fresh.key),
      deviceId: fresh.device.id,
      code: await h.latestCode(later),
    });
    expect(freshReply.device.status).toBe('approved');
  });

  it('instances sweeping at the same time mail one fresh code, not one each', async () => {
    const claims = h.user();
    const { key, device } = await h.setup(claims, 'web');
    await h.loseRedisData();
    const sent = await Promise.all([h.lostCodeSweeper().sweep(), h.lostCodeSweeper().sweep(), h.lostCodeSweeper().sweep()]);
    expect(sent.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await h.codeMailsTo(claims)).toBe(1);
    expect((await h.deviceRow(device.id)).codeExpiresAt!.getTime()).toBeGreaterThan(Date.now());
    await h.send(Command.deviceCancel, { caller: h.caller(claims, key), deviceId: device.id });
  });

  it('a code that is lapsing by itself, or a device no longer waiting for one, gets nothing', async () => {
    const claims = h.user();
    const lapsing = await h.setup(claims, 'web');
    await h.db.query(`UPDATE devices SET code_expires_at = now() + interval '1 second' WHERE id = $1`, [lapsing.device.id]);
    const cancelled = await h.setup(claims, 'extension');
    await h.send(Command.deviceCancel, { caller: h.caller(claims, cancelled.key), deviceId: cancelled.device.id });
    await h.loseRedisData();
    expect(await h.lostCodeSweeper().sweep()).toBe(0);
    expect(await h.codeMailsTo(claims)).toBe(0);
  });
});
