import { sealCode } from '@td/common';
import { codeSealBinding, EmailJob, type VerificationCodeEmailJob } from '@td/contracts';
import { UnrecoverableError } from 'bullmq';
import { EmailRenderer, type EmailDraft } from './email.renderer';

const secret = 'x'.repeat(40);
const renderer = new EmailRenderer({ codeSecret: secret, webAppUrl: 'http://localhost:3000' });
const now = new Date('2026-11-28T10:00:00Z');
const recipient = { workspaceId: 'ws-1', userId: '5f0c1d9e-3b7a-4c2e-9d41-7a6b2f8e0c13' };
const job = (overrides: Partial<VerificationCodeEmailJob> = {}): VerificationCodeEmailJob => ({
  ...recipient,
  deviceId: '0b9e2f4a-6c1d-4e8b-a7f3-2d5c9e1b4a60',
  sealedCode: sealCode(secret, '551203', codeSealBinding(recipient)),
  expiresAt: '2026-11-28T10:05:00Z',
  device: { name: 'Phone', clientType: 'mobile', os: 'Android', browser: 'Chrome' },
  ...overrides,
});
const approvedJob = { ...recipient, device: job().device, approvedVia: 'device', approvedAt: '2026-11-28T09:59:00Z', ip: null };

describe('EmailRenderer', () => {
  it('CODE-2 opens the sealed code only to render the mail', () => {
    const draft = renderer.render(EmailJob.verificationCode, job(), now) as EmailDraft;
    expect(draft).toMatchObject({ recipient, onlyToActiveUsers: true, message: { subject: 'Verify your device' } });
    expect(draft.message.text).toContain('551203');
  });

  it('CODE-2 skips a code that expired while the mail waited (it could only confuse)', () => {
    expect(renderer.render(EmailJob.verificationCode, job({ expiresAt: '2026-11-28T09:59:59Z' }), now)).toEqual({
      skipped: expect.stringContaining('expired'),
    });
  });

  it('SEC-2 the mail is for the user the job names: an address in the data is ignored', () => {
    const draft = renderer.render(EmailJob.verificationCode, { ...job(), to: 'attacker@evil.test' }, now) as EmailDraft;
    expect(draft.recipient).toEqual(recipient);
    expect(JSON.stringify(draft)).not.toContain('attacker@evil.test');
    expect(renderer.render(EmailJob.deviceApproved, { ...approvedJob, to: 'attacker@evil.test' }, now)).toMatchObject({
      recipient,
      onlyToActiveUsers: false,
    });
  });

  it('SEC-2 a code mail re-addressed to another user does not open (the seal is bound to its recipient)', () => {
    const other = { ...job(), userId: 'a8d7c6b5-4e3f-4a1b-9c2d-1e0f9a8b7c6d' };
    expect(() => renderer.render(EmailJob.verificationCode, other, now)).toThrow(UnrecoverableError);
    expect(() => renderer.render(EmailJob.verificationCode, { ...job(), workspaceId: 'ws-2' }, now)).toThrow(UnrecoverableError);
  });

  it('SEC-2 a job from before SEC-2 (an address, no user) is skipped, never sent to that address', () => {
    const legacy = { to: 'alice@example.test', sealedCode: job().sealedCode, expiresAt: job().expiresAt, device: job().device };
    expect(renderer.render(EmailJob.verificationCode, legacy, now)).toEqual({ skipped: expect.stringContaining('names no user') });
    const { workspaceId: _w, userId: _u, ...approvedWithoutUser } = approvedJob;
    expect(renderer.render(EmailJob.deviceApproved, { ...approvedWithoutUser, to: 'alice@example.test' }, now)).toEqual({
      skipped: expect.stringContaining('names no user'),
    });
  });

  it('fails for good (no retries) on a code sealed with another secret, malformed data or an unknown job', () => {
    const foreign = sealCode('y'.repeat(40), '551203', codeSealBinding(recipient));
    expect(() => renderer.render(EmailJob.verificationCode, job({ sealedCode: foreign }), now)).toThrow(UnrecoverableError);
    expect(() => renderer.render(EmailJob.verificationCode, { ...job(), userId: 'not a uuid' }, now)).toThrow(UnrecoverableError);
    expect(() => renderer.render(EmailJob.deviceApproved, { ...recipient }, now)).toThrow(UnrecoverableError);
    expect(() => renderer.render('newsletter', { ...recipient }, now)).toThrow(UnrecoverableError);
  });
});
