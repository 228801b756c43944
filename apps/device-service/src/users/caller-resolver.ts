import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@td/common';
import { ErrorCode, type Caller, type TokenClaims } from '@td/contracts';
import { DevicesRepository } from '../devices/devices.repository';
import { isTrusted, type CallerContext } from './caller-context';
import type { User } from './user.entity';
import { UsersRepository } from './users.repository';

/**
 * Turns the gateway's verified `caller` into our user and device, for every command:
 * AUTH-2 (create/refresh the user), AUTH-3 (refuse the deprovisioned), KEY-4 (find the
 * device by its key among the user's own), MANAGE-1 (last seen of trusted requests).
 */
@Injectable()
export class CallerResolver {
  private readonly logger = new Logger(CallerResolver.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly devices: DevicesRepository,
  ) {}

  async resolve(caller: Caller): Promise<CallerContext> {
    const user = await this.currentUser(caller.claims);
    const device = caller.proof ? await this.devices.findByKeyForUser(caller.proof.jkt, user.id) : null;
    const context: CallerContext = { caller, user, device };
    if (isTrusted(context)) this.recordLastSeen(device!.id, caller.ip);
    return context;
  }

  /** Fast path: one SELECT; a write only on first sight or when the token says something new. */
  private async currentUser(claims: TokenClaims): Promise<User> {
    const known = await this.users.findBySubject(claims.wid, claims.sub);
    if (known) assertNotDeprovisioned(known);
    const user = known && !changed(known, claims) ? known : await this.users.createOrRefresh(claims);
    assertNotDeprovisioned(user);
    return user;
  }

  /** Off the reply's path: a failed write is logged, never the caller's problem. */
  private recordLastSeen(deviceId: string, ip: string | null): void {
    this.devices.touchLastSeen(deviceId, ip).catch((error: Error) => {
      this.logger.warn(`could not record last seen of device ${deviceId}: ${error.message}`);
    });
  }
}

export function assertNotDeprovisioned(user: User): void {
  if (user.deprovisionedAt) throw DomainError.of(ErrorCode.userDeprovisioned, 'This account has been deprovisioned.');
}

function changed(user: User, claims: TokenClaims): boolean {
  return user.email !== claims.email || user.username !== claims.username || user.role !== claims.role;
}
