import { Inject, Injectable } from '@nestjs/common';
import { DomainError, REDIS } from '@td/common';
import type { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { createHash } from 'node:crypto';
import { FixedWindowLimiter } from '../common/fixed-window.limiter';
import { GatewayConfig } from '../config';
import type { DevTokenDto, DevTokenSchema } from './dev-token.dto';
import { DEV_TOKEN_ISSUER } from './token-claims';

const DEV_TOKEN_TTL_SECONDS = 3600;
const DEFAULT_WORKSPACE = 'local';

/**
 * AUTH-4: local/demo sign-in without an identity provider. Mints the HS256 token an
 * IdP would issue; the same (workspace, email) always gets the same `sub`, so a
 * newcomer keeps their devices across sign-ins.
 */
@Injectable()
export class DevTokenService {
  private readonly secret: Uint8Array | null;
  private readonly limiter: FixedWindowLimiter;

  constructor(
    private readonly config: GatewayConfig,
    @Inject(REDIS) redis: Redis,
  ) {
    this.secret = config.auth.devLogin && config.auth.jwtSecret ? new TextEncoder().encode(config.auth.jwtSecret) : null;
    this.limiter = new FixedWindowLimiter(redis, 'dev-token', 30, 60);
  }

  async mint(request: DevTokenDto, ip: string): Promise<DevTokenSchema> {
    // Dev login needs the HMAC secret; behind a JWKS it is off like when disabled.
    if (!this.secret) throw DomainError.notFound('The endpoint');
    await this.limiter.hit(ip);
    const wid = request.workspaceId ?? DEFAULT_WORKSPACE;
    const email = request.email.toLowerCase();
    const sub = `dev-${createHash('sha256').update(`${wid}\n${email}`).digest('hex').slice(0, 32)}`;
    let jwt = new SignJWT({
      wid,
      email,
      preferred_username: request.username ?? email.slice(0, email.lastIndexOf('@')),
      role: request.role ?? 'member',
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(DEV_TOKEN_ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${DEV_TOKEN_TTL_SECONDS}s`);
    if (this.config.auth.audience) jwt = jwt.setAudience(this.config.auth.audience);
    return { accessToken: await jwt.sign(this.secret), expiresIn: DEV_TOKEN_TTL_SECONDS };
  }
}
