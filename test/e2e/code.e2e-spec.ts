import request from 'supertest';
import { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';

const wrongCodeFor = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('CODE — email verification codes (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  it('CODE-1 a setup sends a 6-digit code that is valid for 5 minutes', async () => {
    const web = await ApiClient.signIn(system);
    const { result, code } = await web.nextCode(() => web.setUp());
    expect(code).toMatch(/^\d{6}$/);
    const expiresIn = Date.parse(result.body.verification.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(290_000);
    expect(expiresIn).toBeLessThanOrEqual(300_000);
  });

  it('CODE-2 the email names the code, the device, its app, OS and browser, the expiry, and what to do if unexpected', async () => {
    const web = await ApiClient.signIn(system, 'web', { preferred_username: 'erin' });
    const { code } = await web.nextCode(() => web.setUp('Erin laptop'));
    const mail = system.mail.messages.find((m) => m.to.includes(web.user.email) && m.text.includes(code))!;
    expect(mail.text).toContain('Erin laptop');
    expect(mail.text).toMatch(/Web app/);
    expect(mail.text).toContain('macOS');
    expect(mail.text).toContain('Chrome');
    expect(mail.text).toMatch(/expire/i);
    expect(mail.text).toMatch(/did(n't| not) (ask|request)/i);
  });

  it('CODE-3 the right code from the pending device approves it (approvedVia email_code)', async () => {
    const web = await ApiClient.signIn(system);
    const { code } = await web.nextCode(() => web.setUp());
    const response = await web.verify(code);
    expect(response.status).toBe(200);
    expect(response.body.device).toMatchObject({ id: web.deviceId, status: 'approved', approvedVia: 'email_code', approvedBy: null });
    expect((await web.session()).body).toMatchObject({ trusted: true, setupRequired: false });
    // A code works once: the same code again is refused, 409 as the device is no longer pending.
    const again = await web.verify(code);
    expect([again.status, again.body.code]).toEqual([409, 'invalid_device_state']);
  });

  it('CODE-3 wrong codes get 400 code_invalid with attemptsRemaining; after 5 even the right one gets 429 with Retry-After', async () => {
    const web = await ApiClient.signIn(system);
    const { code } = await web.nextCode(() => web.setUp());
    const remaining: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await web.verify(wrongCodeFor(code));
      expect([response.status, response.body.code]).toEqual([400, 'code_invalid']);
      remaining.push(response.body.attemptsRemaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1]);
    const fifth = await web.verify(wrongCodeFor(code));
    expect(fifth.status).toBeGreaterThanOrEqual(400);
    const right = await web.verify(code);
    expect([right.status, right.body.code]).toEqual([429, 'too_many_attempts']);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    expect((await web.session()).body.device.status).toBe('pending_verification');
  });

  it('CODE-3 twenty parallel submissions of the right code approve the device once; the other 19 fail', async () => {
    const web = await ApiClient.signIn(system);
    const { code } = await web.nextCode(() => web.setUp());
    const responses = await Promise.all(Array.from({ length: 20 }, () => web.verify(code)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    const failures = responses.filter((r) => r.status !== 200);
    expect(failures).toHaveLength(19);
    for (const failure of failures) {
      expect(failure.status).toBeGreaterThanOrEqual(400);
      expect(failure.status).toBeLessThan(500);
    }
  });

  it('CODE-3 a code only works for the device it was sent for', async () => {
    const first = await ApiClient.signIn(system, 'extension');
    const { code } = await first.nextCode(() => first.setUp('one'));
    const second = await first.anotherApp('extension');
    await second.nextCode(() => second.setUp('two'));
    const response = await second.verify(code);
    expect([response.status, response.body.code]).toEqual([400, 'code_invalid']);
  });

  it('CODE-4 at most one code per device every 30 s (the setup code counts): 429 rate_limited with Retry-After; then a fresh code replaces the old', async () => {
    const web = await ApiClient.signIn(system);
    const { code: first } = await web.nextCode(() => web.setUp());
    const tooSoon = await web.sendEmailCode();
    expect([tooSoon.status, tooSoon.body.code]).toEqual([429, 'rate_limited']);
    const retryAfter = Number(tooSoon.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    await system.lapse('cooldown', web.deviceId);
    const { result, code: second } = await web.nextCode(() => web.sendEmailCode());
    expect(result.status).toBe(202);
    expect(result.body.verification).toEqual({ method: 'email_code', expiresAt: expect.any(String) });
    // Codes are drawn at random from a million: the fresh one differs from the old but for a one-in-a-million draw.
    expect(second).not.toBe(first);
    const old = await web.verify(first);
    expect([old.status, old.body.code]).toEqual([400, 'code_invalid']);
    expect((await web.verify(second)).status).toBe(200);
  });

  it('CODE-4 "no access to my trusted device": a pending_approval device asks for a code and moves to pending_verification; at most 5 such requests per user per hour', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted();
    const phones = await Promise.all(Array.from({ length: 6 }, () => web.anotherApp('mobile')));
    for (const [index, phone] of phones.entries())
      expect((await phone.setUp(`phone ${index}`)).body.device.status).toBe('pending_approval');
    const { result, code } = await phones[0].nextCode(() => phones[0].sendEmailCode());
    expect(result.status).toBe(202);
    expect(result.body.device.status).toBe('pending_verification');
    for (const phone of phones.slice(1, 5)) expect((await phone.sendEmailCode()).status).toBe(202);
    const sixth = await phones[5].sendEmailCode();
    expect([sixth.status, sixth.body.code]).toEqual([429, 'rate_limited']);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    expect((await phones[0].verify(code)).body.device).toMatchObject({ status: 'approved', approvedVia: 'email_code' });
  });

  it('CODE-5 a wrong code reveals nothing about how close it was', async () => {
    const web = await ApiClient.signIn(system);
    const { code } = await web.nextCode(() => web.setUp());
    const near = await web.verify(`${code.slice(0, 5)}${(Number(code[5]) + 1) % 10}`);
    const far = await web.verify(
      code
        .split('')
        .map((d) => String((Number(d) + 5) % 10))
        .join(''),
    );
    const strip = ({ attemptsRemaining: _a, ...rest }: Record<string, unknown>) => rest;
    expect(strip(near.body)).toEqual(strip(far.body));
    expect(near.body.attemptsRemaining - far.body.attemptsRemaining).toBe(1);
  });

  it('CODE-6 at most 15 wrong codes an hour across all devices and codes: then 429 too_many_attempts with Retry-After', async () => {
    const owner = await ApiClient.signIn(system, 'extension');
    for (let device = 0; device < 3; device++) {
      const app = await owner.anotherApp('extension');
      const { code } = await app.nextCode(() => app.setUp(`ext ${device}`));
      for (let attempt = 0; attempt < 5; attempt++) expect((await app.verify(wrongCodeFor(code))).status).toBeGreaterThanOrEqual(400);
    }
    const last = await owner.anotherApp('extension');
    const { code } = await last.nextCode(() => last.setUp('ext 3'));
    const response = await last.verify(code);
    expect([response.status, response.body.code]).toEqual([429, 'too_many_attempts']);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(60);
  });

  it("CODE-7 the code is not a sign-in factor: without the token, or with another person's, it does nothing", async () => {
    const web = await ApiClient.signIn(system);
    const { code } = await web.nextCode(() => web.setUp());
    const anonymous = await request(system.url).post(`/v1/devices/${web.deviceId}/verify`).send({ code });
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthenticated']);
    const mallory = await ApiClient.signIn(system, 'web', { wid: web.user.wid });
    const stolen = await mallory.call('post', `/v1/devices/${web.deviceId}/verify`, { body: { code } });
    expect(stolen.status).toBe(404);
    expect((await web.session()).body.device.status).toBe('pending_verification');
    expect((await web.verify(code)).status).toBe(200);
  });
});
