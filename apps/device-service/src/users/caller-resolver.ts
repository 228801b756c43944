import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@td/common';
import { ErrorCode, type Caller, type TokenClaims } from '@td/contracts';
import { DevicesRepository, LAST_SEEN_INTERVAL_MS } from '../devices/devices.repository';
import { isTrusted, type CallerContext } from './caller-context';
import type { Device } from '../devices/device.entity';
import type { User } from './user.entity';
import { UsersRepository, type UserWithDevice } from './users.repository';

/**
 * Turns the gateway's verified `caller` into our user and device, for every command:
 * AUTH-2 (create/refresh the user), AUTH-3 (refuse the deprovisioned), KEY-4 (find the
 * device by its key among the user's own), MANAGE-1 (last seen of trusted requests).
 */
@Injectable()
export class CallerResolver {
  private readonly logger = new Logger(CallerResolver.name);
  private readonly lastSeenInFlight = new Set<Promise<void>>();

  constructor(
    private readonly users: UsersRepository,
    private readonly devices: DevicesRepository,
  ) {}

  /** Fast path: one SELECT for the user and the device; a write only on first sight or when the token says something new. */
  async resolve(caller: Caller): Promise<CallerContext> {
    const { claims, proof } = caller;
    return this.settle(caller, await this.users.findWithDevice(claims.wid, claims.sub, proof?.jkt ?? null));
  }

  /** As `resolve`, with the user's visible devices (MANAGE-1) read in the same statement. */
  async resolveWithVisibleDevices(caller: Caller): Promise<CallerContext & { visible: Device[] }> {
    const { claims, proof } = caller;
    const known = await this.users.findWithVisibleDevices(claims.wid, claims.sub, proof?.jkt ?? null);
    // A user seen for the first time has no devices yet.
    return { ...(await this.settle(caller, known)), visible: known?.visible ?? [] };
  }

  private async settle(caller: Caller, known: UserWithDevice | null): Promise<CallerContext> {
    const { claims } = caller;
    if (known) assertNotDeprovisioned(known.user);
    let user: User;
    let device: Device | null;
    if (known && !changed(known.user, claims)) {
      ({ user, device } = known);
    } else {
      user = await this.users.createOrRefresh(claims);
      assertNotDeprovisioned(user);
      device = known?.device ?? null;
    }
    const context: CallerContext = { caller, user, device };
    if (isTrusted(context)) this.recordLastSeen(device!, caller.ip);
    return context;
  }

  /**
   * Off the reply's path: a failed write is logged, never the caller's problem. The row we
   * just read tells whether last seen is due at all (once a minute), so most requests write nothing.
   */
  private recordLastSeen(device: Device, ip: string | null): void {
    if (device.lastSeenAt && Date.now() - device.lastSeenAt.getTime() < LAST_SEEN_INTERVAL_MS) return;
    const write: Promise<void> = this.devices
      .touchLastSeen(device.id, ip)
      .then(
        () => undefined,
        (error: Error) => this.logger.warn(`could not record last seen of device ${device.id}: ${error.message}`),
      )
      .finally(() => this.lastSeenInFlight.delete(write));
    this.lastSeenInFlight.add(write);
  }

  /** Resolves when every last-seen write started so far has finished (written or failed); tests await it instead of sleeping. */
  async lastSeenWritten(): Promise<void> {
    await Promise.all([...this.lastSeenInFlight]);
  }
}

export function assertNotDeprovisioned(user: User): void {
  if (user.deprovisionedAt) throw DomainError.of(ErrorCode.userDeprovisioned, 'This account has been deprovisioned.');
}

function changed(user: User, claims: TokenClaims): boolean {
  return user.email !== claims.email || user.username !== claims.username || user.role !== claims.role;
}
