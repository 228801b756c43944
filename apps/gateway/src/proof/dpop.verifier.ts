import { Inject, Injectable } from '@nestjs/common';
import { accessTokenHash, DomainError, isCanonicalBase64url32, REDIS } from '@td/common';
import { ErrorCode, type ProofKey } from '@td/contracts';
import type { Redis } from 'ioredis';
import { calculateJwkThumbprint, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { LruCache } from '../common/lru-cache';
import { GatewayConfig } from '../config';

/** KEY-2: `iat` may be this far from the server clock either way. */
export const PROOF_MAX_SKEW_SECONDS = 60;
/** KEY-3: a `jti` seen within this window is a replay. */
export const PROOF_REPLAY_WINDOW_SECONDS = 300;
const MAX_JTI_LENGTH = 256;
/** Devices sign every request with the same key: keep its parsed form and thumbprint. */
const KEY_CACHE_CAPACITY = 20_000;
/** As many access tokens' hashes as the token verifier keeps tokens. */
const TOKEN_HASH_CACHE_CAPACITY = 10_000;

interface DeviceKeyEntry {
  keyObject: KeyObject;
  proofKey: Promise<ProofKey>;
}

/** A proof whose signature and binding hold: its key, and the Redis key of its replay record (KEY-3). */
export interface CheckedProof {
  key: ProofKey;
  replayKey: string;
}

/** What the proof must be bound to: this request and this access token. */
export interface ProofTarget {
  method: string;
  /** The request path, without the query. */
  path: string;
  accessToken: string;
}

/** A base64url-encoded JSON object (a JWS header or JWT claims), or an exception. */
function jsonObject(encoded: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}

function invalid(detail: string): DomainError {
  return DomainError.of(ErrorCode.invalidDeviceProof, `The DPoP proof is not valid: ${detail}.`);
}

/** Compares URLs as RFC 9449 asks: scheme and host case-insensitively, default ports implied, query and fragment ignored. */
function normalisedUrl(value: string): string | null {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname}`;
  } catch {
    return null;
  }
}

/**
 * Verifies RFC 9449 DPoP proofs (KEY-2, KEY-3): an ES256 signature by the EC P-256
 * key in the header, bound to the method, the URL (PUBLIC_URL + path), the access
 * token, a fresh `iat`, and a `jti` never seen before within five minutes.
 */
@Injectable()
export class DpopVerifier {
  private readonly origin: string;
  private readonly keys = new LruCache<string, DeviceKeyEntry>(KEY_CACHE_CAPACITY);
  private readonly accessTokenHashes = new LruCache<string, string>(TOKEN_HASH_CACHE_CAPACITY);

  constructor(
    config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.origin = config.http.publicUrl;
  }

  async verify(proof: string, target: ProofTarget): Promise<ProofKey> {
    const { key, replayKey } = await this.check(proof, target);
    await this.remember(replayKey);
    return key;
  }

  /**
   * Every check but replay: the signature and the binding to this request (KEY-2, KEY-3). Answers
   * the proof's key and the Redis key whose first setting (SET NX, `PROOF_REPLAY_WINDOW_SECONDS`)
   * tells the proof was never seen before; `verify` sets it, or a caller that has a Redis round
   * trip to make anyway sets it in that one (the rate limit, SEC-9) and answers `replayed()` when
   * it was set already.
   */
  async check(proof: string, target: ProofTarget): Promise<CheckedProof> {
    let entry: DeviceKeyEntry;
    let payload: JWTPayload;
    try {
      ({ entry, payload } = this.verifySignature(proof));
    } catch {
      throw invalid('it must be an ES256 "dpop+jwt" signed by the public EC P-256 key in its "jwk" header');
    }
    this.checkBinding(payload, target);
    const key = await entry.proofKey;
    return {
      key,
      replayKey: `dpop:jti:${key.jkt}:${createHash('sha256')
        .update(payload.jti as string)
        .digest('base64url')}`,
    };
  }

  /**
   * What jose's `jwtVerify(proof, EmbeddedJWK-like key, { typ: 'dpop+jwt', algorithms: ['ES256'] })`
   * checks, in the same way (a compact JWS; "crit" only for "b64", and never an unencoded payload;
   * "alg" ES256; "typ" dpop+jwt; the ES256 signature by the header's key; a JSON object as claims,
   * whose "iat", "nbf" and "exp", when present, are numbers and "nbf"/"exp" hold now), but on this
   * thread: jose verifies on the thread pool, which costs more CPU than the check itself (issue 12).
   * Throws on any failure; the caller answers them all alike.
   */
  private verifySignature(proof: string): { entry: DeviceKeyEntry; payload: JWTPayload } {
    const parts = proof.split('.');
    if (parts.length !== 3) throw new Error('not a compact JWS');
    const [encodedHeader, encodedPayload, signature] = parts;
    const header = jsonObject(encodedHeader) as JWTHeaderParameters;
    if (header.crit !== undefined) {
      const crit: unknown = header.crit;
      if (!Array.isArray(crit) || crit.length === 0 || crit.some((name) => name !== 'b64') || header.b64 !== true) {
        throw new Error('unsupported "crit"');
      }
    }
    if (header.alg !== 'ES256') throw new Error('not ES256');
    if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== 'dpop+jwt') throw new Error('typ');
    const entry = this.embeddedKey(header);
    let verified: boolean;
    try {
      verified = cryptoVerify(
        'sha256',
        Buffer.from(`${encodedHeader}.${encodedPayload}`),
        { key: entry.keyObject, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      );
    } catch {
      verified = false;
    }
    if (!verified) throw new Error('signature');
    const payload = jsonObject(encodedPayload) as JWTPayload;
    const now = Math.floor(Date.now() / 1000);
    if (payload.iat !== undefined && typeof payload.iat !== 'number') throw new Error('iat');
    if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now)) throw new Error('nbf');
    if (payload.exp !== undefined && (typeof payload.exp !== 'number' || payload.exp <= now)) throw new Error('exp');
    return { entry, payload };
  }

  /** KEY-3: what a proof whose `jti` was seen within the replay window gets. */
  static replayed(): DomainError {
    return invalid('its "jti" was already used (replay)');
  }

  private embeddedKey(header: JWTHeaderParameters): DeviceKeyEntry {
    const jwk = header.jwk as Record<string, unknown> | undefined;
    // SEC-6: one point, one spelling, one thumbprint.
    if (!jwk || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || 'd' in jwk || !isCanonicalBase64url32(jwk.x) || !isCanonicalBase64url32(jwk.y)) {
      throw new Error('not a public EC P-256 jwk');
    }
    const id = `${jwk.x}.${jwk.y}`;
    let entry = this.keys.get(id);
    if (!entry) {
      const publicJwk: ProofKey['jwk'] = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
      // createPublicKey refuses points that are not on the curve.
      const keyObject = createPublicKey({ key: publicJwk, format: 'jwk' });
      entry = { keyObject, proofKey: calculateJwkThumbprint(publicJwk, 'sha256').then((jkt) => ({ jkt, jwk: publicJwk })) };
      this.keys.set(id, entry);
    }
    return entry;
  }

  /** A client sends its token with every request: its hash (the `ath` its proofs carry) is worked out once. */
  private athOf(accessToken: string): string {
    let ath = this.accessTokenHashes.get(accessToken);
    if (ath === undefined) {
      ath = accessTokenHash(accessToken);
      this.accessTokenHashes.set(accessToken, ath);
    }
    return ath;
  }

  private checkBinding(payload: JWTPayload, target: ProofTarget): void {
    if (payload.htm !== target.method) throw invalid('"htm" does not match the request method');
    const expected = normalisedUrl(`${this.origin}${target.path}`);
    if (typeof payload.htu !== 'string' || normalisedUrl(payload.htu) !== expected) throw invalid('"htu" does not match the request URL');
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > PROOF_MAX_SKEW_SECONDS) {
      throw invalid(`"iat" must be within ${PROOF_MAX_SKEW_SECONDS} seconds of the server clock`);
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > MAX_JTI_LENGTH)
      throw invalid('"jti" is missing');
    if (payload.ath !== this.athOf(target.accessToken)) throw invalid('"ath" does not match the access token');
  }

  /** First sight of (key, jti) wins; every instance shares the record through Redis. */
  private async remember(replayKey: string): Promise<void> {
    let stored: string | null;
    try {
      stored = await this.redis.set(replayKey, '1', 'EX', PROOF_REPLAY_WINDOW_SECONDS, 'NX');
    } catch {
      throw DomainError.unavailable('Device proofs cannot be checked right now; try again shortly.');
    }
    if (stored !== 'OK') throw DpopVerifier.replayed();
  }
}
