import { sealCode } from '@td/common';
import { EmailJob, type VerificationCodeEmailJob } from '@td/contracts';
import { UnrecoverableError } from 'bullmq';
import { EmailRenderer } from './email.renderer';

const secret = 'x'.repeat(40);
const renderer = new EmailRenderer({ codeSecret: secret, webAppUrl: 'http://localhost:3000' });
const now = new Date('2026-11-28T10:00:00Z');
const job = (overrides: Partial<VerificationCodeEmailJob> = {}): VerificationCodeEmailJob => ({
  to: 'alice@example.test',
  sealedCode: sealCode(secret, '551203'),
  expiresAt: '2026-11-28T10:05:00Z',
  device: { name: 'Phone', clientType: 'mobile', os: 'Android', browser: 'Chrome' },
  ...overrides,
});

describe('EmailRenderer', () => {
  it('CODE-2 opens the sealed code only to render the mail', () => {
    const mail = renderer.render(EmailJob.verificationCode, job(), now);
    expect('skipped' in mail).toBe(false);
    expect(mail).toMatchObject({ to: 'alice@example.test', subject: 'Verify your device' });
    expect((mail as { text: string }).text).toContain('551203');
  });

  it('CODE-2 skips a code that expired while the mail waited (it could only confuse)', () => {
    expect(renderer.render(EmailJob.verificationCode, job({ expiresAt: '2026-11-28T09:59:59Z' }), now)).toEqual({
      skipped: expect.stringContaining('expired'),
    });
  });

  it('fails for good (no retries) on a code sealed with another secret, malformed data or an unknown job', () => {
    expect(() => renderer.render(EmailJob.verificationCode, job({ sealedCode: sealCode('y'.repeat(40), '551203') }), now)).toThrow(UnrecoverableError);
    expect(() => renderer.render(EmailJob.verificationCode, { ...job(), to: 'not an address' }, now)).toThrow(UnrecoverableError);
    expect(() => renderer.render(EmailJob.deviceApproved, { to: 'alice@example.test' }, now)).toThrow(UnrecoverableError);
    expect(() => renderer.render('newsletter', {}, now)).toThrow(UnrecoverableError);
  });
});
