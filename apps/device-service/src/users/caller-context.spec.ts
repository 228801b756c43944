import type { ClientType, DeviceStatus } from '@td/contracts';
import type { Device } from '../devices/device.entity';
import { isTrusted, requireProof, requireTrustedDevice, type CallerContext } from './caller-context';
import type { User } from './user.entity';

const proof = { jkt: 'k'.repeat(43), jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } };

function context(device: { status: DeviceStatus; clientType: ClientType } | null, withProof = true): CallerContext {
  return {
    caller: {
      claims: { sub: 's', wid: 'w', email: 'e@x', username: 'u', role: 'member' },
      proof: withProof ? proof : null,
      ip: null,
      userAgent: null,
    },
    user: { id: 'user-1' } as User,
    device: device as Device | null,
  };
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('trusted session rules', () => {
  it('KEY-3 no proof where one is needed is device_proof_required', () => {
    expect(codeOf(() => requireProof(context(null, false)))).toBe('device_proof_required');
    expect(codeOf(() => requireTrustedDevice(context({ status: 'approved', clientType: 'web' }, false), 'approved'))).toBe(
      'device_proof_required',
    );
  });

  it('KEY-5 only an approved device of the user is a trusted session', () => {
    for (const status of ['pending_verification', 'pending_approval', 'denied', 'disabled', 'expired'] as const) {
      expect(codeOf(() => requireTrustedDevice(context({ status, clientType: 'web' }), 'approved'))).toBe('trusted_session_required');
      expect(isTrusted(context({ status, clientType: 'web' }))).toBe(false);
    }
    expect(codeOf(() => requireTrustedDevice(context(null), 'approved'))).toBe('trusted_session_required');
    expect(isTrusted(context({ status: 'approved', clientType: 'extension' }))).toBe(true);
  });

  it('APPROVE-2 an extension cannot approve; web and mobile can', () => {
    expect(codeOf(() => requireTrustedDevice(context({ status: 'approved', clientType: 'extension' }), 'approver'))).toBe(
      'approver_not_allowed',
    );
    expect(codeOf(() => requireTrustedDevice(context({ status: 'approved', clientType: 'mobile' }), 'approver'))).toBeUndefined();
  });

  it('MANAGE-3 only the web app manages devices', () => {
    expect(codeOf(() => requireTrustedDevice(context({ status: 'approved', clientType: 'mobile' }), 'web'))).toBe('web_app_required');
    expect(codeOf(() => requireTrustedDevice(context({ status: 'approved', clientType: 'extension' }), 'web'))).toBe('web_app_required');
    expect(codeOf(() => requireTrustedDevice(context({ status: 'approved', clientType: 'web' }), 'web'))).toBeUndefined();
  });
});
