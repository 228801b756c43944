import { ConfigError } from '@td/common';
import { loadGatewayConfig } from './config';

describe('GatewayConfig', () => {
  const base = { AUTH_JWT_SECRET: 'x'.repeat(40), HOST: '127.0.0.1' };

  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('AUTH-4 AUTH_DEV_LOGIN=%s reads as %s', (raw, expected) => {
    expect(loadGatewayConfig({ ...base, AUTH_DEV_LOGIN: raw }).auth.devLogin).toBe(expected);
  });

  it('AUTH-4 dev login is off unless asked for; PUBLIC_URL defaults to localhost:PORT', () => {
    const config = loadGatewayConfig({ ...base, PORT: '4000' });
    expect(config.auth.devLogin).toBe(false);
    expect(config.http.trustProxy).toBe(false);
    expect(config.http.publicUrl).toBe('http://localhost:4000');
  });
});

describe('GatewayConfig — the edges (SEC)', () => {
  const base = { AUTH_JWT_SECRET: 'x'.repeat(40) };
  const problems = (env: Record<string, string>): string => {
    try {
      loadGatewayConfig(env);
      return '';
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message;
    }
  };

  it('SEC-9 the general rate limits default to 3000 a minute per address and 600 per user; zero, negative and non-integer values are refused', () => {
    const config = loadGatewayConfig(base);
    expect([config.rateLimits.ipPerMinute, config.rateLimits.userPerMinute]).toEqual([3000, 600]);
    expect(
      loadGatewayConfig({ ...base, RATE_LIMIT_IP_PER_MINUTE: '100000', RATE_LIMIT_USER_PER_MINUTE: '50' }).rateLimits.userPerMinute,
    ).toBe(50);
    for (const variable of ['RATE_LIMIT_IP_PER_MINUTE', 'RATE_LIMIT_USER_PER_MINUTE']) {
      for (const value of ['0', '-5', '1.5', 'lots'])
        expect([variable, value, problems({ ...base, [variable]: value })]).toEqual([variable, value, expect.stringContaining(variable)]);
    }
  });

  it('SEC-12 PUBLIC_URL with a query, a fragment, a path or credentials is refused at start', () => {
    for (const url of [
      'https://devices.example.com?x=1',
      'https://devices.example.com#frag',
      'https://devices.example.com/app',
      'https://user:pw@devices.example.com',
      'ftp://devices.example.com',
    ]) {
      expect([url, problems({ ...base, PUBLIC_URL: url })]).toEqual([url, expect.stringContaining('PUBLIC_URL')]);
    }
    expect(loadGatewayConfig({ ...base, PUBLIC_URL: 'https://devices.example.com:8443' }).http.publicUrl).toBe(
      'https://devices.example.com:8443',
    );
  });

  it('SEC-1 dev login is refused at start with NODE_ENV=production or a bind beyond loopback', () => {
    expect(problems({ ...base, AUTH_DEV_LOGIN: 'true', HOST: '127.0.0.1', NODE_ENV: 'production' })).toMatch(
      /AUTH_DEV_LOGIN: .*NODE_ENV=production/,
    );
    expect(problems({ ...base, AUTH_DEV_LOGIN: 'true' })).toMatch(/AUTH_DEV_LOGIN: .*HOST/);
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'devices.example.com']) {
      expect([host, problems({ ...base, AUTH_DEV_LOGIN: 'true', HOST: host })]).toEqual([
        host,
        expect.stringMatching(/AUTH_DEV_LOGIN: .*HOST/),
      ]);
    }
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      expect([host, problems({ ...base, AUTH_DEV_LOGIN: 'true', HOST: host })]).toEqual([host, '']);
    }
  });

  it('SEC-1 dev login needs the HMAC secret: with a JWKS URL it is refused at start rather than silently off', () => {
    const jwks = {
      AUTH_JWKS_URL: 'https://idp.example.com/jwks',
      AUTH_ISSUER: 'https://idp.example.com',
      AUTH_AUDIENCE: 'trusted-devices',
      HOST: '127.0.0.1',
    };
    expect(problems({ ...jwks, AUTH_DEV_LOGIN: 'true' })).toMatch(/AUTH_DEV_LOGIN: .*AUTH_JWT_SECRET/);
  });

  it('SEC-1 the gateway binds 0.0.0.0 unless HOST says otherwise', () => {
    expect(loadGatewayConfig(base).http.host).toBe('0.0.0.0');
    expect(loadGatewayConfig(base).http.loopbackOnly).toBe(false);
    expect(loadGatewayConfig({ ...base, HOST: '127.0.0.1' }).http.host).toBe('127.0.0.1');
  });

  it('SEC-2 the dashboard needs OPS_DASHBOARD_PASSWORD outside loopback, even with dev login on', () => {
    expect(problems({ ...base, OPS_DASHBOARD: 'true', HOST: '0.0.0.0' })).toMatch(/OPS_DASHBOARD_PASSWORD/);
    expect(problems({ ...base, OPS_DASHBOARD: 'true', HOST: '127.0.0.1' })).toBe('');
    expect(problems({ ...base, OPS_DASHBOARD: 'true', HOST: '0.0.0.0', OPS_DASHBOARD_PASSWORD: 'p'.repeat(16) })).toBe('');
    expect(loadGatewayConfig(base).ops.dashboardWrite).toBe(false);
  });

  it('SEC-3 TRUST_PROXY takes a hop count or a list of CIDRs; "true" (every hop) and junk are refused', () => {
    expect(loadGatewayConfig(base).http.trustProxy).toBe(false);
    expect(loadGatewayConfig({ ...base, TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadGatewayConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,::1/128' }).http.trustProxy).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      '::1/128',
    ]);
    expect(loadGatewayConfig({ ...base, TRUST_PROXY: 'loopback' }).http.trustProxy).toEqual(['loopback']);
    for (const value of ['true', 'yes', '10.0.0.0/33', '10.0.0/8', '-1', '1.5', 'fe80::/129']) {
      expect([value, problems({ ...base, TRUST_PROXY: value })]).toEqual([value, expect.stringContaining('TRUST_PROXY')]);
    }
  });

  it('SEC-4 AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE, and https unless it is on loopback', () => {
    const url = 'https://idp.example.com/.well-known/jwks.json';
    expect(problems({ AUTH_JWKS_URL: url })).toMatch(/AUTH_ISSUER.*\n.*AUTH_AUDIENCE|AUTH_AUDIENCE.*\n.*AUTH_ISSUER/);
    expect(problems({ AUTH_JWKS_URL: url, AUTH_ISSUER: 'https://idp.example.com' })).toMatch(/AUTH_AUDIENCE/);
    const complete = { AUTH_ISSUER: 'https://idp.example.com', AUTH_AUDIENCE: 'trusted-devices' };
    expect(problems({ ...complete, AUTH_JWKS_URL: url })).toBe('');
    expect(problems({ ...complete, AUTH_JWKS_URL: 'http://idp.example.com/jwks' })).toMatch(/AUTH_JWKS_URL: .*https/);
    expect(problems({ ...complete, AUTH_JWKS_URL: 'http://127.0.0.1:9999/jwks' })).toBe('');
    expect(problems({ ...complete, AUTH_JWKS_URL: 'http://localhost:9999/jwks' })).toBe('');
  });
});
