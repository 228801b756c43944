import { chooseVerificationMethod } from './verification-method';

describe('setup verification method', () => {
  it('SETUP-4 email code when the user has no approved web or mobile device', () => {
    expect(chooseVerificationMethod('web', [])).toEqual({ method: 'email_code' });
    expect(chooseVerificationMethod('mobile', ['extension'])).toEqual({ method: 'email_code' });
  });

  it('SETUP-4 an extension always confirms by email code', () => {
    expect(chooseVerificationMethod('extension', ['web', 'mobile'])).toEqual({ method: 'email_code' });
  });

  it('SETUP-4 approval otherwise, listing each approver app once, web first', () => {
    expect(chooseVerificationMethod('web', ['mobile'])).toEqual({ method: 'approval', approvers: ['mobile'] });
    expect(chooseVerificationMethod('mobile', ['extension', 'mobile', 'web', 'web'])).toEqual({
      method: 'approval',
      approvers: ['web', 'mobile'],
    });
  });
});
