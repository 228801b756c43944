import { ErrorCode } from '@td/contracts';
import { CodeKeys } from './codes.store';
import { CodesHarness, rejection, wrongCode, type TestDevice } from '../../test/codes-harness';

describe('verification code limits (verification-service on real Redis and NATS)', () => {
  let h: CodesHarness;

  beforeAll(async () => {
    h = await CodesHarness.start();
  });

  afterAll(async () => {
    await h.stop();
  });

  /** As if the device's 30 seconds had passed. */
  const afterInterval = (device: TestDevice) => h.expireNow(CodeKeys.cooldown(device.deviceId));

  it('CODE-4 a fresh code replaces the last one, which from then on is simply a wrong code', async () => {
    const device = h.newDevice();
    const oldCode = await h.issueAndRead(device);
    let newCode = oldCode;
    while (newCode === oldCode) {
      await afterInterval(device);
      newCode = await h.issueAndRead(device, 'resend');
    }
    expect(await rejection(h.check(device, oldCode))).toMatchObject({ code: ErrorCode.codeInvalid, extensions: { attemptsRemaining: 4 } });
    expect(await h.check(device, newCode)).toEqual({ valid: true });
  });

  it('CODE-4 allows one code per device every 30 seconds, the setup code included, and keeps the last code working', async () => {
    const device = h.newDevice();
    const code = await h.issueAndRead(device, 'setup');
    for (const reason of ['resend', 'setup'] as const) {
      const error = await rejection(h.issue(device, reason));
      expect(error.code).toBe(ErrorCode.rateLimited);
      expect(error.retryAfter).toBeGreaterThanOrEqual(29);
      expect(error.retryAfter).toBeLessThanOrEqual(30);
    }
    expect(await h.check(device, code)).toEqual({ valid: true });
    // Another device of the same user is not held up.
    await h.issue(h.newDevice(device.userId), 'setup');
  });

  it('CODE-4 allows 5 resends per user per hour; the 6th is rate_limited until the first leaves the hour', async () => {
    const userId = h.newDevice().userId;
    for (let i = 0; i < 5; i++) await h.issue(h.newDevice(userId), 'resend');
    const error = await rejection(h.issue(h.newDevice(userId), 'resend'));
    expect(error.code).toBe(ErrorCode.rateLimited);
    expect(error.retryAfter).toBeGreaterThan(3590);
    expect(error.retryAfter).toBeLessThanOrEqual(3600);
    // Setups are bounded by the device limit instead; other users are not affected.
    await h.issue(h.newDevice(userId), 'setup');
    await h.issue(h.newDevice(), 'resend');
  });

  it('CODE-4 counts resends atomically: 12 parallel resends of one user on different devices issue exactly 5', async () => {
    const userId = h.newDevice().userId;
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => h.issue(h.newDevice(userId), 'resend')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    for (const failure of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
      expect(failure.reason.body.code).toBe(ErrorCode.rateLimited);
    }
  });

  it('CODE-6 allows 15 wrong codes an hour across devices; then too_many_attempts with Retry-After, even with a fresh code', async () => {
    const userId = h.newDevice().userId;
    const devices = [h.newDevice(userId), h.newDevice(userId), h.newDevice(userId)];
    let failures = 0;
    for (const device of devices) {
      const code = await h.issueAndRead(device);
      for (let i = 0; i < 5; i++) {
        expect(await rejection(h.check(device, wrongCode(code)))).toMatchObject({ code: ErrorCode.codeInvalid });
        failures++;
      }
    }
    expect(failures).toBe(15);

    const fresh = h.newDevice(userId);
    const freshCode = await h.issueAndRead(fresh);
    const locked = await rejection(h.check(fresh, freshCode));
    expect(locked.code).toBe(ErrorCode.tooManyAttempts);
    expect(locked.retryAfter).toBeGreaterThan(3590);
    expect(locked.retryAfter).toBeLessThanOrEqual(3600);

    // A new code on an old device does not reset the count either.
    await afterInterval(devices[0]);
    const renewed = await h.issueAndRead(devices[0], 'resend');
    expect(await rejection(h.check(devices[0], renewed))).toMatchObject({ code: ErrorCode.tooManyAttempts });

    // The lock is the user's alone.
    const other = h.newDevice();
    expect(await h.check(other, await h.issueAndRead(other))).toEqual({ valid: true });
  });

  it("CODE-6 tells how many tries are left across the user's codes, not just this code", async () => {
    const userId = h.newDevice().userId;
    const spent = [h.newDevice(userId), h.newDevice(userId)];
    for (const device of spent) {
      const code = await h.issueAndRead(device);
      for (let i = 0; i < 5; i++) await rejection(h.check(device, wrongCode(code)));
    }
    const last = h.newDevice(userId);
    const code = await h.issueAndRead(last);
    expect(await rejection(h.check(last, wrongCode(code)))).toMatchObject({ extensions: { attemptsRemaining: 4 } });
    const lastDevice2 = h.newDevice(userId);
    const code2 = await h.issueAndRead(lastDevice2);
    // 11 failures so far: 4 left for the user although this code has 5.
    expect(await rejection(h.check(lastDevice2, wrongCode(code2)))).toMatchObject({ extensions: { attemptsRemaining: 3 } });
  });

  it('CODE-6 holds the hourly limit under concurrency: 30 parallel wrong codes over 6 devices are compared 15 times', async () => {
    const userId = h.newDevice().userId;
    const devices = Array.from({ length: 6 }, () => h.newDevice(userId));
    const codes = await Promise.all(devices.map((device) => h.issueAndRead(device)));
    const errors = await Promise.all(
      devices.flatMap((device, i) => Array.from({ length: 5 }, () => rejection(h.check(device, wrongCode(codes[i]))))),
    );
    expect(errors.filter((e) => e.code === ErrorCode.codeInvalid)).toHaveLength(15);
    expect(errors.filter((e) => e.code === ErrorCode.tooManyAttempts)).toHaveLength(15);
  });
});
