import { codeHash, runWithRequestId } from '@td/common';
import { Command, EmailJob, ErrorCode } from '@td/contracts';
import { CodeKeys } from './codes.store';
import { CodesHarness, rejection, wrongCode } from '../../test/codes-harness';

describe('verification codes (verification-service on real Redis and NATS)', () => {
  let h: CodesHarness;

  beforeAll(async () => {
    h = await CodesHarness.start();
  });

  afterAll(async () => {
    await h.stop();
  });

  it('CODE-1 issues six digits, stores only their keyed hash with the TTL, and the code is nowhere in Redis', async () => {
    const device = h.newDevice();
    const before = Date.now();
    const { expiresAt } = await h.issue(device);
    const code = await h.codeFor(device);
    expect(code).toMatch(/^\d{6}$/);
    expect(Date.parse(expiresAt) - before).toBeGreaterThanOrEqual(300_000 - 2000);
    expect(Date.parse(expiresAt) - before).toBeLessThanOrEqual(300_000 + 2000);

    const key = `${h.testEnv.redisPrefix}:${CodeKeys.code(device.deviceId)}`;
    const stored = await h.redis.hgetall(key);
    expect(stored.hash).toBe(codeHash(h.config.codes.hmacSecret, device.deviceId, code));
    const ttl = await h.redis.pttl(key);
    expect(ttl).toBeGreaterThan(295_000);
    expect(ttl).toBeLessThanOrEqual(300_000);

    // Neither as a value nor inside the mail job: nowhere as a standalone 6-digit run.
    const everything = await h.dumpRedis();
    expect(everything).toContain(stored.hash);
    expect(everything).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
  });

  it('CODE-2 has durably queued the sealed mail job, with the request id, by the time issue-code answers', async () => {
    const device = h.newDevice();
    const { expiresAt } = await runWithRequestId('req-code-2', () => h.issue(device));
    const job = await h.latestJob(device);
    expect(job.name).toBe(EmailJob.verificationCode);
    // SEC-2: the job names the user; the address is looked up when the mail is sent.
    expect(job.data).not.toHaveProperty('to');
    expect(JSON.stringify(job.data)).not.toContain('@');
    expect(job.data).toMatchObject({
      workspaceId: device.workspaceId,
      userId: device.userId,
      deviceId: device.deviceId,
      expiresAt,
      device: { name: 'alice Web app - macOS/Chrome', clientType: 'web', os: 'macOS', browser: 'Chrome' },
      requestId: 'req-code-2',
    });
    expect(job.opts.attempts).toBe(8);
    expect(job.opts.backoff).toEqual({ type: 'exponential', delay: 2000 });
    const code = await h.codeFor(device);
    expect(job.data.sealedCode).not.toContain(code);
    expect(await h.check(device, code)).toEqual({ valid: true });
  });

  it('CODE-3 accepts the right code once', async () => {
    const device = h.newDevice();
    const code = await h.issueAndRead(device);
    expect(await h.check(device, code)).toEqual({ valid: true });
    expect(await rejection(h.check(device, code))).toMatchObject({ code: ErrorCode.codeExpired });
  });

  it('CODE-3 counts wrong codes down, then voids the code: even the right one gets too_many_attempts', async () => {
    const device = h.newDevice();
    const code = await h.issueAndRead(device);
    for (const remaining of [4, 3, 2, 1, 0]) {
      const error = await rejection(h.check(device, wrongCode(code)));
      expect(error).toMatchObject({ code: ErrorCode.codeInvalid, extensions: { attemptsRemaining: remaining } });
    }
    expect(await rejection(h.check(device, code))).toMatchObject({ code: ErrorCode.tooManyAttempts });
  });

  it('CODE-3 answers code_expired for an expired code, a voided code and a device without one', async () => {
    const expired = h.newDevice();
    const expiredCode = await h.issueAndRead(expired);
    await h.expireNow(CodeKeys.code(expired.deviceId));
    expect(await rejection(h.check(expired, expiredCode))).toMatchObject({ code: ErrorCode.codeExpired });

    const voided = h.newDevice();
    const voidedCode = await h.issueAndRead(voided);
    const untouched = h.newDevice(voided.userId);
    const untouchedCode = await h.issueAndRead(untouched);
    expect(await h.bus.request(Command.verificationVoidCodes, { deviceIds: [voided.deviceId, h.newDevice().deviceId] })).toEqual({
      voided: 1,
    });
    expect(await rejection(h.check(voided, voidedCode))).toMatchObject({ code: ErrorCode.codeExpired });
    expect(await h.check(untouched, untouchedCode)).toEqual({ valid: true });

    expect(await rejection(h.check(h.newDevice(), '123456'))).toMatchObject({ code: ErrorCode.codeExpired });
  });

  it('CODE-3 lets exactly one of 20 parallel submissions of the right code succeed', async () => {
    const device = h.newDevice();
    const code = await h.issueAndRead(device);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => h.check(device, code)));
    const successes = outcomes.filter((o) => o.status === 'fulfilled');
    expect(successes).toHaveLength(1);
    for (const failure of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
      expect([ErrorCode.codeExpired, ErrorCode.tooManyAttempts]).toContain(failure.reason.body.code);
    }
    // The right code, used or not, is never held against the user (CODE-6): a new device still has its full budget.
    const next = h.newDevice(device.userId);
    const nextCode = await h.issueAndRead(next);
    expect(await rejection(h.check(next, wrongCode(nextCode)))).toMatchObject({ extensions: { attemptsRemaining: 4 } });
  });

  it('CODE-3 counts parallel wrong codes atomically: of 20 at once, exactly 5 are compared', async () => {
    const device = h.newDevice();
    const code = await h.issueAndRead(device);
    const errors = await Promise.all(Array.from({ length: 20 }, () => rejection(h.check(device, wrongCode(code)))));
    const invalid = errors.filter((e) => e.code === ErrorCode.codeInvalid);
    expect(invalid).toHaveLength(5);
    expect(invalid.map((e) => e.extensions?.attemptsRemaining).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(errors.filter((e) => e.code === ErrorCode.tooManyAttempts)).toHaveLength(15);
    expect(await rejection(h.check(device, code))).toMatchObject({ code: ErrorCode.tooManyAttempts });
  });

  it('CODE-5 gives identical answers for a code one digit off and one six digits off, apart from attemptsRemaining', async () => {
    const device = h.newDevice();
    const code = await h.issueAndRead(device);
    const close = await rejection(h.check(device, wrongCode(code, 1)));
    const far = await rejection(h.check(device, wrongCode(code, 6)));
    expect(close.extensions?.attemptsRemaining).toBe(4);
    expect(far.extensions?.attemptsRemaining).toBe(3);
    const withoutCount = (body: typeof close) => ({ ...body, extensions: { ...body.extensions, attemptsRemaining: undefined } });
    expect(withoutCount(close)).toEqual(withoutCount(far));
    expect(Object.keys(close).sort()).toEqual(['code', 'detail', 'extensions']);
  });

  it("CODE-7 binds a code to its device: device A's code does not validate device B", async () => {
    const a = h.newDevice();
    const codeA = await h.issueAndRead(a);
    // B gets a code of its own that differs from A's (one in a million would not).
    let b = h.newDevice(a.userId);
    let codeB = await h.issueAndRead(b);
    while (codeB === codeA) {
      b = h.newDevice(a.userId);
      codeB = await h.issueAndRead(b);
    }
    expect(await rejection(h.check(b, codeA))).toMatchObject({ code: ErrorCode.codeInvalid });
    const withoutCode = h.newDevice(a.userId);
    expect(await rejection(h.check(withoutCode, codeA))).toMatchObject({ code: ErrorCode.codeExpired });
    // Another user cannot use the device's code either.
    expect(await rejection(h.check({ ...a, userId: h.newDevice().userId }, codeA))).toMatchObject({ code: ErrorCode.codeExpired });
    expect(await h.check(a, codeA)).toEqual({ valid: true });
    expect(await h.check(b, codeB)).toEqual({ valid: true });
  });

  it('CODE-3 refuses malformed messages with validation_failed', async () => {
    const device = h.newDevice();
    expect(await rejection(h.check(device, '12345'))).toMatchObject({ code: ErrorCode.validationFailed });
    expect(await rejection(h.check({ ...device, deviceId: 'not-a-uuid' }, '123456'))).toMatchObject({ code: ErrorCode.validationFailed });
    expect(await rejection(h.issue({ ...device, workspaceId: '' }))).toMatchObject({ code: ErrorCode.validationFailed });
    expect(await rejection(h.bus.request(Command.verificationVoidCodes, { deviceIds: ['x'] }))).toMatchObject({
      code: ErrorCode.validationFailed,
    });
  });
});
