import { randomUUID } from 'node:crypto';
import { accessTokenHash } from '@td/common';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';

export interface ProofOverrides {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  ath?: string | null;
  typ?: string;
  /** Another spelling of the public key in the header (SEC-6 probes). */
  jwk?: JWK;
}

/** What a client app does (KEY-1, KEY-2): its own P-256 key, and an RFC 9449 proof per request. */
export class DeviceKey {
  private constructor(
    private readonly privateKey: KeyLike,
    readonly publicJwk: JWK,
    readonly thumbprint: string,
  ) {}

  static async create(): Promise<DeviceKey> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const publicJwk = await exportJWK(publicKey);
    return new DeviceKey(privateKey, publicJwk, await calculateJwkThumbprint(publicJwk));
  }

  /** The `DPoP` header for a request to `url` (its query is dropped, as `htu` wants). */
  proof(method: string, url: string, accessToken?: string, overrides: ProofOverrides = {}): Promise<string> {
    const htu = new URL(url);
    htu.search = '';
    htu.hash = '';
    const claims: Record<string, unknown> = {
      htm: overrides.htm ?? method.toUpperCase(),
      htu: overrides.htu ?? htu.toString(),
      iat: overrides.iat ?? Math.floor(Date.now() / 1000),
      jti: overrides.jti ?? randomUUID(),
    };
    const ath = overrides.ath === undefined ? (accessToken ? accessTokenHash(accessToken) : undefined) : overrides.ath;
    if (ath) claims.ath = ath;
    return new SignJWT(claims)
      .setProtectedHeader({ typ: overrides.typ ?? 'dpop+jwt', alg: 'ES256', jwk: overrides.jwk ?? this.publicJwk })
      .sign(this.privateKey);
  }
}
