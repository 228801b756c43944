import { loadConfig } from '@td/common';
import { GatewayEnv } from './config';

describe('GatewayEnv', () => {
  const base = { AUTH_JWT_SECRET: 'x'.repeat(40) };

  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('AUTH-4 AUTH_DEV_LOGIN=%s reads as %s', (raw, expected) => {
    expect(loadConfig(GatewayEnv, { ...base, AUTH_DEV_LOGIN: raw }).AUTH_DEV_LOGIN).toBe(expected);
  });

  it('AUTH-4 dev login is off unless asked for; PUBLIC_URL defaults to localhost:PORT', () => {
    const config = loadConfig(GatewayEnv, { ...base, PORT: '4000' });
    expect(config.AUTH_DEV_LOGIN).toBe(false);
    expect(config.TRUST_PROXY).toBe(false);
    expect(config.publicUrl).toBe('http://localhost:4000');
  });
});
