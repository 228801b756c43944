import { Injectable } from '@nestjs/common';
import type { AuditEventView, ListAuditReply } from '@td/contracts';
import { AuditLog } from '../audit/audit.log';
import { UsersRepository } from '../users/users.repository';
import type { ListAuditDto } from './dto/workspace-commands.dto';
import { decodeCursor, encodeCursor } from './keyset-cursor';
import { WorkspaceAdmins } from './workspace-admins';

const DEFAULT_PAGE = 50;

/** ADMIN-3: the workspace's audit log, newest first; users are named by their token `sub`. */
@Injectable()
export class WorkspaceAuditService {
  constructor(
    private readonly admins: WorkspaceAdmins,
    private readonly users: UsersRepository,
    private readonly audit: AuditLog,
  ) {}

  async list(request: ListAuditDto): Promise<ListAuditReply> {
    const admin = await this.admins.resolve(request.caller);
    const after = decodeCursor(request.cursor);
    let userId: string | undefined;
    if (request.userId !== undefined) {
      const user = await this.users.findBySubject(admin.workspaceId, request.userId);
      if (!user) return { events: [], nextCursor: null };
      userId = user.id;
    }
    const page = await this.audit.list(
      { workspaceId: admin.workspaceId, userId, deviceId: request.deviceId, action: request.action },
      after,
      request.limit ?? DEFAULT_PAGE,
    );
    const subjects = await this.users.subjectsByIds(page.rows.flatMap((row) => [row.actorUserId, row.targetUserId]));
    const subject = (id: string | null) => (id === null ? null : (subjects.get(id) ?? null));
    const events: AuditEventView[] = page.rows.map((row) => ({
      id: row.id,
      at: row.at.toISOString(),
      action: row.action,
      actor: { userId: subject(row.actorUserId), deviceId: row.actorDeviceId },
      target: {
        userId: subject(row.targetUserId),
        deviceId: row.targetDeviceId,
        ...(row.targetScimTokenId === null ? {} : { scimTokenId: row.targetScimTokenId }),
      },
      ip: row.ip,
      userAgent: row.userAgent,
    }));
    return { events, nextCursor: page.next ? encodeCursor(page.next) : null };
  }
}
