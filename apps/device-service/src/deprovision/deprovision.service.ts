import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError, RequestContext } from '@td/common';
import { DomainEvent, type DeprovisionJobData } from '@td/contracts';
import { AuditAction, AuditLog } from '../audit/audit.log';
import { OutboxWriter } from '../outbox/outbox.writer';
import type { User } from '../users/user.entity';
import { DeprovisionQueue } from './deprovision.queue';
import { DeprovisionRepository } from './deprovision.repository';

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
    private readonly repository: DeprovisionRepository,
    private readonly queue: DeprovisionQueue,
    private readonly audit: AuditLog,
    private readonly outbox: OutboxWriter,
  ) {}

  /** Idempotent: a second call finds the user marked and answers the same job id. */
  async deprovision(workspaceId: string, subject: string, actor: DeprovisionActor): Promise<{ user: User; jobId: string }> {
    const user = await this.repository.inTransaction(async (tx) => {
      const target = await this.repository.lockUserBySubject(tx, workspaceId, subject);
      if (!target) throw DomainError.notFound('The user');
      if (target.deprovisionedAt) return target;
      await this.repository.markDeprovisioned(tx, target);
      await this.audit.record(tx, [
        {
          workspaceId,
          action: AuditAction.userDeprovisioned,
          actor: { userId: actor.userId, deviceId: actor.deviceId },
          target: { userId: target.id, deviceId: null },
          ip: actor.ip,
          userAgent: actor.userAgent,
          dedupeKey: `deprov-user:${target.id}`,
        },
      ]);
      await this.outbox.append(tx, [
        {
          subject: DomainEvent.userDeprovisioned,
          payload: { eventId: randomUUID(), occurredAt: target.deprovisionedAt!.toISOString(), workspaceId, userId: target.id },
        },
      ]);
      return target;
    });
    const jobId = await this.startCascade(user, actor).catch((error: DomainError) => {
      // The user is marked; the self-healing sweep starts the cascade once Redis is back.
      this.logger.warn(`deprovisioned user ${user.id}, but the cascade could not be queued yet: ${error.message}`);
      throw error;
    });
    return { user, jobId };
  }

  startCascade(user: Pick<User, 'id' | 'workspaceId'>, actor: Omit<DeprovisionActor, 'ip' | 'userAgent'> & Partial<DeprovisionActor>): Promise<string> {
    const data: DeprovisionJobData = {
      userId: user.id,
      workspaceId: user.workspaceId,
      actor: { userId: actor.userId, deviceId: actor.deviceId },
      ip: actor.ip ?? null,
      userAgent: actor.userAgent?.slice(0, 512) ?? null,
      requestId: RequestContext.requestId(),
    };
    return this.queue.ensureCascade(data, () => this.repository.hasEnabledDevices(user.id));
  }
}
