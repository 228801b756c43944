import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Periodic } from '@td/common';
import { DeviceServiceConfig } from '../config';
import { UsersRepository, type DeprovisionedUser } from '../users/users.repository';
import { CASCADE_STATUSES, DeprovisionService } from './deprovision.service';

/** Users read per page; a sweep goes through every page. */
const USERS_PER_PAGE = 500;
/** Cascades (re)started at the same time: each is a few Redis calls. */
const STARTS_AT_ONCE = 50;

/**
 * Makes the cascade self-healing: at start and then periodically, every deprovisioned
 * user not yet known done who still has an enabled device gets their cascade (re)started — after Redis was
 * down when they were deprovisioned, after a job ran out of attempts, or after a setup
 * that raced the deprovisioning (DEPROV-2).
 */
@Injectable()
export class DeprovisionHealer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeprovisionHealer.name);
  private readonly periodic = new Periodic(
    () => this.heal(),
    (error) => this.logger.warn(`deprovisioning self-heal failed, will retry: ${error.message}`),
  );

  constructor(
    private readonly users: UsersRepository,
    private readonly deprovisioning: DeprovisionService,
    private readonly config: DeviceServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic.start({ everyMs: this.config.deprovision.healIntervalMs, firstAfterMs: 0 });
  }

  onModuleDestroy(): Promise<void> {
    return this.periodic.stop();
  }

  /** Restarts what needs restarting; returns how many cascades it (re)started or found running. */
  async heal(): Promise<number> {
    // Finished cascades first: from then on no sweep reads their users again (issue 12).
    await this.users.markCascadesDone(CASCADE_STATUSES);
    let seen = 0;
    let after: DeprovisionedUser | null = null;
    // Every page, not one per interval: thousands of users whose bulk request could not queue
    // their jobs (Redis was down or slow) are all started by one sweep, not 500 every interval.
    while (!this.periodic.stopping) {
      // Deprovisioned users who still have an enabled device: their cascade has not finished, or never started.
      const users: DeprovisionedUser[] = await this.users.deprovisionedWithDevicesIn(CASCADE_STATUSES, USERS_PER_PAGE, after);
      for (let i = 0; i < users.length && !this.periodic.stopping; i += STARTS_AT_ONCE) {
        await Promise.all(
          users.slice(i, i + STARTS_AT_ONCE).map((user) => this.deprovisioning.startCascade(user, { userId: null, deviceId: null })),
        );
      }
      seen += users.length;
      if (users.length < USERS_PER_PAGE) break;
      after = users[users.length - 1];
    }
    return seen;
  }
}
