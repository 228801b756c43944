import type { Role } from './words';

/** Claims of a verified access token (AUTH-1). */
export interface TokenClaims {
  sub: string;
  wid: string;
  email: string;
  username: string;
  role: Role;
}

/** The device key that signed a verified DPoP proof (KEY-2, KEY-4). */
export interface ProofKey {
  /** RFC 7638 thumbprint of the public key. */
  jkt: string;
  /** The public key itself (EC P-256), kept at registration. */
  jwk: { kty: string; crv: string; x: string; y: string };
}

/**
 * Who is calling, as the gateway verified it. Every device command carries it;
 * device-service decides from it whether the call is allowed (AUTH-2, AUTH-3, KEY-5).
 */
export interface Caller {
  claims: TokenClaims;
  proof: ProofKey | null;
  ip: string | null;
  userAgent: string | null;
}
