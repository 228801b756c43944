import { Injectable } from '@nestjs/common';
import { DomainError } from '@td/common';
import { ErrorCode, type Caller } from '@td/contracts';
import type { Device } from '../devices/device.entity';
import { requireTrustedDevice, type CallerContext } from '../users/caller-context';
import { CallerResolver } from '../users/caller-resolver';

export interface AdminContext extends CallerContext {
  /** The admin's trusted web device. */
  device: Device;
  workspaceId: string;
}

const ADMIN_ROLES = new Set(['owner', 'admin']);

/**
 * ADMIN-1..4: workspace commands are for owners and admins (else `admin_required`),
 * from a trusted web session (`trusted_session_required` / `web_app_required`, as MANAGE-3),
 * and act only within the caller's own workspace.
 */
@Injectable()
export class WorkspaceAdmins {
  constructor(private readonly callers: CallerResolver) {}

  async resolve(caller: Caller): Promise<AdminContext> {
    const context = await this.callers.resolve(caller);
    if (!ADMIN_ROLES.has(context.user.role)) {
      throw DomainError.of(ErrorCode.adminRequired, 'Only workspace owners and admins can do this.');
    }
    const device = requireTrustedDevice(context, 'web');
    return { ...context, device, workspaceId: context.user.workspaceId };
  }
}
