import type { Clock } from '@td/common';
import { mintToken, newUser } from '@td/testing';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadGatewayConfig } from '../config';
import { AccessTokenVerifier } from './access-token.verifier';

const SECRET = 'a-test-secret-that-is-at-least-32-characters-long';

function verifier(env: Record<string, string>, clock?: Clock): AccessTokenVerifier {
  return new AccessTokenVerifier(loadGatewayConfig(env), clock);
}

/** A clock the test moves by hand, so time passes without waiting for it. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = Date.now();
  return { now: () => now, advance: (ms) => (now += ms) };
}

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; retryAfter?: number }> {
  const error = await promise.then(
    () => undefined,
    (e: { body?: { code?: string; retryAfter?: number } }) => e,
  );
  if (!error) throw new Error('expected a rejection');
  return { code: error.body?.code, retryAfter: error.body?.retryAfter };
}

describe('AccessTokenVerifier with AUTH_JWT_SECRET (HS256)', () => {
  const tokens = verifier({ AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'https://idp.test', AUTH_AUDIENCE: 'trusted-devices' });
  const signed = { issuer: 'https://idp.test', audience: 'trusted-devices' };

  it('AUTH-1 a valid token gives its claims', async () => {
    const user = newUser({ role: 'admin' });
    const claims = await tokens.verify(await mintToken(SECRET, user, signed));
    expect(claims).toEqual({ sub: user.sub, wid: user.wid, email: user.email, username: user.preferred_username, role: 'admin' });
  });

  it('AUTH-1 an expired token is unauthenticated (past the 30 s leeway)', async () => {
    const token = await mintToken(SECRET, newUser(), { ...signed, expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expect(await rejection(tokens.verify(token))).toEqual({ code: 'unauthenticated' });
  });

  it('AUTH-1 a token signed with another secret is unauthenticated', async () => {
    const token = await mintToken(`${SECRET}-other`, newUser(), signed);
    expect((await rejection(tokens.verify(token))).code).toBe('unauthenticated');
  });

  it('AUTH-1 a tampered payload is unauthenticated', async () => {
    const [header, , signature] = (await mintToken(SECRET, newUser(), signed)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...newUser({ role: 'owner' }), exp: 9999999999 })).toString('base64url');
    expect((await rejection(tokens.verify(`${header}.${forged}.${signature}`))).code).toBe('unauthenticated');
  });

  it('AUTH-1 a token from another issuer or for another audience is unauthenticated', async () => {
    const wrongIssuer = await mintToken(SECRET, newUser(), { ...signed, issuer: 'https://evil.test' });
    const wrongAudience = await mintToken(SECRET, newUser(), { ...signed, audience: 'someone-else' });
    const none = await mintToken(SECRET, newUser());
    for (const token of [wrongIssuer, wrongAudience, none]) expect((await rejection(tokens.verify(token))).code).toBe('unauthenticated');
  });

  it('AUTH-1 garbage and unsigned (alg none) tokens are unauthenticated', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(newUser())).toString('base64url')}.`;
    for (const token of ['not-a-jwt', 'a.b.c', unsigned]) expect((await rejection(tokens.verify(token))).code).toBe('unauthenticated');
  });

  it('AUTH-1 username falls back to the email local part; a missing role means member', async () => {
    const token = await new SignJWT({ wid: 'ws-1', email: 'carol@example.test' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('carol')
      .setIssuer(signed.issuer)
      .setAudience(signed.audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    expect(await tokens.verify(token)).toEqual({
      sub: 'carol',
      wid: 'ws-1',
      email: 'carol@example.test',
      username: 'carol',
      role: 'member',
    });
  });

  it('AUTH-1 an unknown role, or a missing wid or email, is unauthenticated', async () => {
    const { wid: _wid, ...withoutWid } = newUser();
    const { email: _email, ...withoutEmail } = newUser();
    const cases = [{ ...newUser(), role: 'superuser' }, withoutWid, withoutEmail];
    for (const claims of cases) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(signed.issuer)
        .setAudience(signed.audience)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(SECRET));
      expect((await rejection(tokens.verify(token))).code).toBe('unauthenticated');
    }
  });

  it('AUTH-1 a cached token is not accepted past its exp and the 30 s leeway', async () => {
    const clock = manualClock();
    const cached = verifier({ AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'https://idp.test', AUTH_AUDIENCE: 'trusted-devices' }, clock);
    const token = await mintToken(SECRET, newUser(), { ...signed, expiresIn: Math.floor(clock.now() / 1000) + 1 });
    await expect(cached.verify(token)).resolves.toBeDefined();
    clock.advance(2100);
    await expect(cached.verify(token)).resolves.toBeDefined();
    clock.advance(30_000);
    expect((await rejection(cached.verify(token))).code).toBe('unauthenticated');
  });
});

describe('AccessTokenVerifier with AUTH_JWKS_URL', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: KeyLike;
  let otherKey: KeyLike;
  let requests = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' }] };
    server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const idp = { AUTH_ISSUER: 'https://idp.test', AUTH_AUDIENCE: 'trusted-devices' };

  function idpToken(
    key: KeyLike,
    claims = newUser(),
    kid = 'key-1',
    {
      issuer = 'https://idp.test',
      audience = 'trusted-devices',
      typ,
      expiresAt,
    }: { issuer?: string; audience?: string; typ?: string; expiresAt?: number } = {},
  ): Promise<string> {
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'ES256', kid, ...(typ ? { typ } : {}) })
      .setSubject(claims.sub)
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime(expiresAt ?? '5m')
      .sign(key);
  }

  it('AUTH-1 a token signed by a key of the JWKS is accepted, and the set is fetched once', async () => {
    const tokens = verifier({ AUTH_JWKS_URL: jwksUrl, ...idp });
    const before = requests;
    const user = newUser();
    expect((await tokens.verify(await idpToken(privateKey, user))).sub).toBe(user.sub);
    expect((await tokens.verify(await idpToken(privateKey))).sub).toBeDefined();
    expect(requests - before).toBe(1);
  });

  it('AUTH-1 a token signed by a key outside the JWKS is unauthenticated', async () => {
    const tokens = verifier({ AUTH_JWKS_URL: jwksUrl, ...idp });
    expect((await rejection(tokens.verify(await idpToken(otherKey)))).code).toBe('unauthenticated');
  });

  it('AUTH-1 an HS256 token is refused when keys come from a JWKS (algorithms are pinned)', async () => {
    const tokens = verifier({ AUTH_JWKS_URL: jwksUrl, ...idp });
    expect((await rejection(tokens.verify(await mintToken(SECRET, newUser())))).code).toBe('unauthenticated');
  });

  it('SEC-4 a token the IdP signed for another app or another tenant is unauthenticated', async () => {
    const tokens = verifier({ AUTH_JWKS_URL: jwksUrl, ...idp });
    const otherApp = await idpToken(privateKey, newUser(), 'key-1', { audience: 'some-other-app' });
    const otherTenant = await idpToken(privateKey, newUser(), 'key-1', { issuer: 'https://idp.test/tenant-2' });
    for (const token of [otherApp, otherTenant]) expect((await rejection(tokens.verify(token))).code).toBe('unauthenticated');
  });

  it('SEC-4 a token whose typ says it is not an access token is unauthenticated; JWT and at+jwt are accepted', async () => {
    const tokens = verifier({ AUTH_JWKS_URL: jwksUrl, ...idp });
    for (const typ of ['dpop+jwt', 'logout+jwt', 'id_token+jwt']) {
      expect([typ, (await rejection(tokens.verify(await idpToken(privateKey, newUser(), 'key-1', { typ })))).code]).toEqual([
        typ,
        'unauthenticated',
      ]);
    }
    for (const typ of ['JWT', 'at+jwt', 'application/at+JWT']) {
      await expect(tokens.verify(await idpToken(privateKey, newUser(), 'key-1', { typ }))).resolves.toBeDefined();
    }
  });

  it('SEC-4 a token expired 10 s ago passes within the 30 s clock leeway; one expired 60 s ago does not', async () => {
    const tokens = verifier({ AUTH_JWKS_URL: jwksUrl, ...idp });
    const now = Math.floor(Date.now() / 1000);
    await expect(tokens.verify(await idpToken(privateKey, newUser(), 'key-1', { expiresAt: now - 10 }))).resolves.toBeDefined();
    expect((await rejection(tokens.verify(await idpToken(privateKey, newUser(), 'key-1', { expiresAt: now - 60 })))).code).toBe(
      'unauthenticated',
    );
  });

  it('ERR-3 an unreachable JWKS is service_unavailable, not a 401', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const tokens = verifier({ AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks`, ...idp });
    expect(await rejection(tokens.verify(await idpToken(privateKey)))).toEqual({ code: 'service_unavailable', retryAfter: 2 });
  });
});
