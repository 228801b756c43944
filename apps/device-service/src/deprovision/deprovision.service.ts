import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { currentRequestId, DomainError } from '@td/common';
import { DomainEvent, type DeprovisionJobData } from '@td/contracts';
import { AuditAction, AuditLog } from '../audit/audit.log';
import { Transactions } from '../database/transactions';
import { DEVICE_TRANSITIONS } from '../devices/device-lifecycle';
import { DevicesRepository } from '../devices/devices.repository';
import { OutboxRepository } from '../outbox/outbox.repository';
import type { EntityManager } from 'typeorm';
import type { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { DeprovisionQueue } from './deprovision.queue';

/** What the cascade disables: every registered device (pending ones too), DEPROV-1. */
export const CASCADE_STATUSES = DEVICE_TRANSITIONS.deprovision.from;

/** Who asked: an admin (their user and device) or the identity provider over SCIM (nulls). */
export interface DeprovisionActor {
  userId: string | null;
  deviceId: string | null;
  ip: string | null;
  userAgent: string | null;
}

/**
 * DEPROV-1: marks the user deprovisioned at once (AUTH-3 refuses their next call) with
 * the audit entry and the `events.user.deprovisioned` outbox row in the same
 * transaction, then hands the device cascade to a BullMQ job.
 */
@Injectable()
export class DeprovisionService {
  private readonly logger = new Logger(DeprovisionService.name);

  constructor(
    private readonly transactions: Transactions,
    private readonly users: UsersRepository,
    private readonly devices: DevicesRepository,
    private readonly queue: DeprovisionQueue,
    private readonly audit: AuditLog,
    private readonly outbox: OutboxRepository,
  ) {}

  /**
   * DEPROV-3: many users at once, each as `deprovision` would (one transaction marks them
   * all with their audit entries and outbox rows; one bulk add queues their jobs). A user
   * not found is reported, not fatal; a user already deprovisioned gets their job back.
   */
  async deprovisionMany(
    workspaceId: string,
    subjects: string[],
    actor: DeprovisionActor,
  ): Promise<{ found: Array<{ user: User; jobId: string }>; missing: string[] }> {
    const wanted = [...new Set(subjects)];
    const { users, marked } = await this.transactions.run(async (tx) => {
      const users = await this.users.lockBySubjects(tx, workspaceId, wanted);
      const marked = users.filter((user) => !user.deprovisionedAt);
      await this.markDeprovisioned(tx, workspaceId, marked, actor);
      return { users, marked };
    });
    const jobIds = new Map<string, string>();
    try {
      const added = await this.queue.addCascades(marked.map((user) => this.jobData(user, actor)));
      marked.forEach((user, i) => jobIds.set(user.id, added[i]));
      // Already deprovisioned before this request: the same checks as a repeated single request.
      for (const user of users.filter((candidate) => !jobIds.has(candidate.id))) jobIds.set(user.id, await this.startCascade(user, actor));
    } catch (error) {
      // The users are marked; the self-healing sweep starts their cascades once Redis is back.
      this.logger.warn(`deprovisioned ${marked.length} user(s), but their cascades could not be queued yet: ${(error as Error).message}`);
      throw error;
    }
    const bySubject = new Map(users.map((user) => [user.subject, user]));
    return {
      found: wanted
        .filter((subject) => bySubject.has(subject))
        .map((subject) => ({ user: bySubject.get(subject)!, jobId: jobIds.get(bySubject.get(subject)!.id)! })),
      missing: wanted.filter((subject) => !bySubject.has(subject)),
    };
  }

  /** Idempotent: a second call finds the user marked and answers the same job id. */
  async deprovision(workspaceId: string, subject: string, actor: DeprovisionActor): Promise<{ user: User; jobId: string }> {
    const user = await this.transactions.run(async (tx) => {
      const target = await this.users.lockBySubject(tx, workspaceId, subject);
      if (!target) throw DomainError.notFound('The user');
      if (target.deprovisionedAt) return target;
      await this.markDeprovisioned(tx, workspaceId, [target], actor);
      return target;
    });
    const jobId = await this.startCascade(user, actor).catch((error: DomainError) => {
      // The user is marked; the self-healing sweep starts the cascade once Redis is back.
      this.logger.warn(`deprovisioned user ${user.id}, but the cascade could not be queued yet: ${error.message}`);
      throw error;
    });
    return { user, jobId };
  }

  /** Marks the users (locked by the caller) deprovisioned, with each one's audit entry and `events.user.deprovisioned` outbox row, in `tx`. */
  private async markDeprovisioned(tx: EntityManager, workspaceId: string, users: User[], actor: DeprovisionActor): Promise<void> {
    await this.users.markDeprovisioned(tx, users);
    await this.audit.record(
      tx,
      users.map((target) => ({
        workspaceId,
        action: AuditAction.userDeprovisioned,
        actor: { userId: actor.userId, deviceId: actor.deviceId },
        target: { userId: target.id, deviceId: null },
        ip: actor.ip,
        userAgent: actor.userAgent,
        dedupeKey: `deprov-user:${target.id}`,
      })),
    );
    await this.outbox.append(
      tx,
      users.map((target) => ({
        subject: DomainEvent.userDeprovisioned,
        payload: { eventId: randomUUID(), occurredAt: target.deprovisionedAt!.toISOString(), workspaceId, userId: target.id },
      })),
    );
  }

  startCascade(
    user: Pick<User, 'id' | 'workspaceId'>,
    actor: Omit<DeprovisionActor, 'ip' | 'userAgent'> & Partial<DeprovisionActor>,
  ): Promise<string> {
    return this.queue.ensureCascade(this.jobData(user, actor), () => this.devices.hasAnyIn(user.id, CASCADE_STATUSES));
  }

  private jobData(
    user: Pick<User, 'id' | 'workspaceId'>,
    actor: Omit<DeprovisionActor, 'ip' | 'userAgent'> & Partial<DeprovisionActor>,
  ): DeprovisionJobData {
    return {
      userId: user.id,
      workspaceId: user.workspaceId,
      actor: { userId: actor.userId, deviceId: actor.deviceId },
      ip: actor.ip ?? null,
      userAgent: actor.userAgent?.slice(0, 512) ?? null,
      requestId: currentRequestId(),
    };
  }
}
