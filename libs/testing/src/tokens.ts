import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

export interface TestUserClaims {
  sub: string;
  wid: string;
  email: string;
  preferred_username: string;
  role: 'owner' | 'admin' | 'member';
}

/** A fresh user in a fresh workspace, unless told otherwise (STYLE.md 8: factories, not shared rows). */
export function newUser(overrides: Partial<TestUserClaims> = {}): TestUserClaims {
  const id = randomUUID().slice(0, 8);
  return {
    sub: `user-${id}`,
    wid: `ws-${id}`,
    email: `user-${id}@example.test`,
    preferred_username: `user${id}`,
    role: 'member',
    ...overrides,
  };
}

/** An access token as the workspace's identity provider would issue it (HS256). */
export async function mintToken(
  secret: string,
  claims: TestUserClaims,
  options: { expiresIn?: string | number; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
