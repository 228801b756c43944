import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { accessTokenHash, createRedis, redisReady } from '@td/common';
import { DeviceKey, mintToken, newUser, testId, type ProofOverrides } from '@td/testing';
import type { Redis } from 'ioredis';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { generateKeyPairSync, randomUUID, sign as cryptoSign } from 'node:crypto';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { CallerGuard, type AuthenticatedRequest, type ProofMode } from '../auth/caller.guard';
import { loadGatewayConfig } from '../config';
import { DpopVerifier } from './dpop.verifier';

const ORIGIN = 'https://devices.example.test';
const PATH = '/v1/devices';
const URL_ = `${ORIGIN}${PATH}`;
const b64 = (text: string) => Buffer.from(text).toString('base64url');

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => 'resolved',
    (e: { body?: { code?: string } }) => e.body?.code,
  );
}

describe('DpopVerifier (KEY-2, KEY-3) against a real Redis', () => {
  const prefix = testId();
  const config = loadGatewayConfig({
    AUTH_JWT_SECRET: 'a-test-secret-that-is-at-least-32-characters-long',
    PUBLIC_URL: ORIGIN,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: prefix,
  });
  let redis: Redis;
  let proofs: DpopVerifier;
  let key: DeviceKey;
  let accessToken: string;

  beforeAll(async () => {
    redis = createRedis(config.redis, 'dpop-test');
    await redisReady(redis);
    proofs = new DpopVerifier(config, redis);
    key = await DeviceKey.create();
    accessToken = await mintToken(config.auth.jwtSecret!, newUser());
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.unlink(...keys.map((k) => k.slice(prefix.length + 1)));
    redis.disconnect();
  });

  const target = () => ({ method: 'POST', path: PATH, accessToken });
  const proof = (overrides: ProofOverrides = {}) => key.proof('POST', URL_, accessToken, overrides);

  it('KEY-2 a proper proof gives the RFC 7638 thumbprint and the public key', async () => {
    const result = await proofs.verify(await proof(), target());
    expect(result.jkt).toBe(key.thumbprint);
    expect(result.jwk).toEqual({ kty: 'EC', crv: 'P-256', x: key.publicJwk.x, y: key.publicJwk.y });
  });

  it('KEY-2 htu is compared without the query, with the default port and host case normalised', async () => {
    const result = await proofs.verify(await proof({ htu: 'HTTPS://Devices.Example.Test:443/v1/devices?x=1' }), target());
    expect(result.jkt).toBe(key.thumbprint);
  });

  it.each<[string, ProofOverrides]>([
    ['htm of another method', { htm: 'GET' }],
    ['htu of another path', { htu: `${ORIGIN}/v1/session` }],
    ['htu of another origin', { htu: `https://evil.example.test${PATH}` }],
    ['iat 2 minutes old', { iat: Math.floor(Date.now() / 1000) - 120 }],
    ['iat 2 minutes ahead', { iat: Math.floor(Date.now() / 1000) + 120 }],
    ['ath of another token', { ath: 'dGhpcyBpcyBub3QgdGhlIGhhc2g' }],
    ['no ath', { ath: null }],
    ['typ other than dpop+jwt', { typ: 'JWT' }],
    ['empty jti', { jti: '' }],
  ])('KEY-3 a proof with %s is invalid_device_proof', async (_name, overrides) => {
    expect(await codeOf(proofs.verify(await proof(overrides), target()))).toBe('invalid_device_proof');
  });

  it('KEY-3 a bad signature, a non-JWT, and an HS256 proof are invalid_device_proof', async () => {
    const [header, payload, signature] = (await proof()).split('.');
    const otherPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), jti: randomUUID() }),
    ).toString('base64url');
    const hs256 = await new SignJWT({ htm: 'POST', htu: URL_, iat: Math.floor(Date.now() / 1000), jti: randomUUID() })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt' })
      .sign(new TextEncoder().encode('x'.repeat(32)));
    for (const bad of [`${header}.${otherPayload}.${signature}`, 'garbage', hs256]) {
      expect(await codeOf(proofs.verify(bad, target()))).toBe('invalid_device_proof');
    }
  });

  it('KEY-3 a proof whose jwk carries the private key, or is not P-256, is invalid_device_proof', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const withPrivate = await new SignJWT({ htm: 'POST', htu: URL_, iat: Math.floor(Date.now() / 1000), jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: privateJwk })
      .sign(privateKey);
    expect(await codeOf(proofs.verify(withPrivate, target()))).toBe('invalid_device_proof');
    const p384 = await generateKeyPair('ES384');
    const wrongCurve = await new SignJWT({ htm: 'POST', htu: URL_, iat: Math.floor(Date.now() / 1000), jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES384', typ: 'dpop+jwt', jwk: await exportJWK(p384.publicKey) })
      .sign(p384.privateKey);
    expect(await codeOf(proofs.verify(wrongCurve, target()))).toBe('invalid_device_proof');
  });

  it('KEY-3 the JWS and JWT rules of the proof: crit only "b64" (and never unencoded), alg ES256 only, exp and nbf must hold, claims an object', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const now = Math.floor(Date.now() / 1000);
    const claims = () => ({ htm: 'POST', htu: URL_, iat: now, jti: randomUUID(), ath: accessTokenHash(accessToken) });
    /** Signed by hand: jose refuses to sign some of these. */
    const signed = (header: Record<string, unknown>, payload: unknown) => {
      const input = `${b64(JSON.stringify({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...header }))}.${b64(JSON.stringify(payload))}`;
      return `${input}.${cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    };
    // The same hand signing, as it should be, is accepted (also with "b64": true declared critical, and typ in its media-type form).
    expect((await proofs.verify(signed({}, claims()), target())).jwk).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });
    expect(await codeOf(proofs.verify(signed({ crit: ['b64'], b64: true }, claims()), target()))).toBe('resolved');
    expect(await codeOf(proofs.verify(signed({ typ: 'application/DPoP+JWT' }, claims()), target()))).toBe('resolved');
    for (const bad of [
      signed({ crit: ['exp'] }, claims()),
      signed({ crit: [] }, claims()),
      signed({ crit: ['b64'], b64: false }, claims()),
      signed({ crit: ['b64'] }, claims()),
      signed({ alg: 'none' }, claims()),
      signed({ alg: 'ES384' }, claims()),
      signed({ typ: undefined }, claims()),
      signed({}, { ...claims(), exp: now - 1 }),
      signed({}, { ...claims(), exp: String(now + 60) }),
      signed({}, { ...claims(), nbf: now + 30 }),
      signed({}, { ...claims(), iat: String(now) }),
      signed({}, [claims()]),
      signed({}, 'claims'),
      `${signed({}, claims())}.extra`,
    ]) {
      expect([bad, await codeOf(proofs.verify(bad, target()))]).toEqual([bad, 'invalid_device_proof']);
    }
    expect(await codeOf(proofs.verify(signed({}, { ...claims(), exp: now + 60, nbf: now - 5 }), target()))).toBe('resolved');
  });

  it('SEC-6 another base64url spelling of the same point (unused low bits set, padding, 33 bytes) is invalid_device_proof', async () => {
    const { x, y } = key.publicJwk as { x: string; y: string };
    /** The same 32 bytes, with the last character's unused low bits set: Buffer decodes it to the same point. */
    const respelt = (value: string) => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(value.at(-1)!);
      return value.slice(0, -1) + alphabet[last | 0b11];
    };
    const spellings = [
      { x: respelt(x), y },
      { x, y: respelt(y) },
      { x: `${x}=`, y },
      { x: `${Buffer.from(x, 'base64url').toString('base64')}`, y },
      { x: Buffer.concat([Buffer.alloc(1), Buffer.from(x, 'base64url')]).toString('base64url'), y },
    ].filter((jwk) => jwk.x !== x || jwk.y !== y);
    expect(spellings.length).toBeGreaterThanOrEqual(4);
    for (const spelling of spellings) {
      const jwk = { kty: 'EC', crv: 'P-256', ...spelling };
      expect(await codeOf(proofs.verify(await proof({ jwk }), target()))).toBe('invalid_device_proof');
    }
    // The canonical spelling still works.
    expect((await proofs.verify(await proof(), target())).jkt).toBe(key.thumbprint);
  });

  it('KEY-3 a replayed proof (same jti) is invalid_device_proof, also when raced', async () => {
    const once = await proof();
    const results = await Promise.all(Array.from({ length: 10 }, () => codeOf(proofs.verify(once, target()))));
    expect(results.filter((r) => r === 'resolved')).toHaveLength(1);
    expect(results.filter((r) => r === 'invalid_device_proof')).toHaveLength(9);
    expect(await codeOf(proofs.verify(once, target()))).toBe('invalid_device_proof');
  });

  it('KEY-3 the replay record lives for the 5-minute window', async () => {
    const jti = randomUUID();
    await proofs.verify(await proof({ jti }), target());
    const keys = await redis.keys(`${prefix}:dpop:jti:${key.thumbprint}:*`);
    const ttls = await Promise.all(keys.map((k) => redis.ttl(k.slice(prefix.length + 1))));
    expect(Math.max(...ttls)).toBeGreaterThan(290);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(300);
  });

  it('ERR-3 Redis down makes proof checks service_unavailable, quickly', async () => {
    const down = createRedis({ ...config.redis, url: 'redis://127.0.0.1:1' }, 'down', { lazyConnect: true });
    const started = Date.now();
    expect(await codeOf(new DpopVerifier(config, down).verify(await proof(), target()))).toBe('service_unavailable');
    expect(Date.now() - started).toBeLessThan(3000);
    down.disconnect();
  });

  describe('CallerGuard', () => {
    /** Runs the guard on a fake request to POST /v1/devices with these headers. */
    function run(mode: ProofMode, headers: Record<string, string>): { result: Promise<boolean>; request: AuthenticatedRequest } {
      const request = {
        method: 'POST',
        originalUrl: `${PATH}?ignored=1`,
        ip: '::ffff:203.0.113.7',
        header: (name: string) => headers[name.toLowerCase()],
      } as unknown as AuthenticatedRequest;
      const context = {
        switchToHttp: () => ({ getRequest: () => request }),
        getHandler: () => undefined,
        getClass: () => undefined,
      } as unknown as ExecutionContext;
      const guard = new CallerGuard({ getAllAndOverride: () => mode } as unknown as Reflector, new AccessTokenVerifier(config), proofs);
      return { result: guard.canActivate(context), request };
    }

    it('KEY-3 no DPoP header where a proof is required is device_proof_required', async () => {
      expect(await codeOf(run('required', { authorization: `Bearer ${accessToken}` }).result)).toBe('device_proof_required');
    });

    it('KEY-2 a verified proof, the client ip and user agent go into the caller', async () => {
      const { result, request } = run('required', {
        authorization: `Bearer ${accessToken}`,
        dpop: await proof(),
        'user-agent': 'Test/1.0',
      });
      await expect(result).resolves.toBe(true);
      expect(request.caller).toMatchObject({ proof: { jkt: key.thumbprint }, ip: '203.0.113.7', userAgent: 'Test/1.0' });
    });

    it('KEY-3 an optional proof may be absent, but a bad one is still refused', async () => {
      const absent = run('optional', { authorization: `Bearer ${accessToken}` });
      await expect(absent.result).resolves.toBe(true);
      expect(absent.request.caller.proof).toBeNull();
      expect(await codeOf(run('optional', { authorization: `Bearer ${accessToken}`, dpop: await proof({ htm: 'GET' }) }).result)).toBe(
        'invalid_device_proof',
      );
    });

    it('AUTH-1 no or a malformed Authorization header is unauthenticated', async () => {
      for (const headers of [{}, { authorization: accessToken }, { authorization: 'Basic abc' }] as Array<Record<string, string>>) {
        expect(await codeOf(run('none', headers).result)).toBe('unauthenticated');
      }
    });
  });
});
