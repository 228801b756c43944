import { Injectable, Logger } from '@nestjs/common';
import { BusClient, DomainError } from '@td/common';
import {
  Command,
  ErrorCode,
  PENDING_STATUSES,
  type DeprovisionUsersReply,
  type JobView,
  type WorkspaceDeviceReply,
  type WorkspaceListDevicesReply,
} from '@td/contracts';
import { Transactions } from '../database/transactions';
import { byCaller } from '../devices/device-history';
import { DeviceLifecycle, disabledFrom } from '../devices/device-lifecycle';
import { toDeviceView } from '../devices/device.view';
import { DevicesRepository, zeroCounts, type DeviceFilters } from '../devices/devices.repository';
import { DeprovisionQueue } from '../deprovision/deprovision.queue';
import { DeprovisionService } from '../deprovision/deprovision.service';
import type {
  DeprovisionUserDto,
  DeprovisionUsersDto,
  GetJobDto,
  ListWorkspaceDevicesDto,
  WorkspaceDeviceActionDto,
} from './dto/workspace-commands.dto';
import { decodeCursor, encodeCursor } from './keyset-cursor';
import { WorkspaceAdmins } from './workspace-admins';
import { UsersRepository } from '../users/users.repository';

const DEFAULT_PAGE = 50;

/** The admin's devices page: ADMIN-1 (list), ADMIN-2 (disable a device, deprovision a user), DEPROV-1 (job progress). */
@Injectable()
export class WorkspaceDevicesService {
  private readonly logger = new Logger(WorkspaceDevicesService.name);

  constructor(
    private readonly admins: WorkspaceAdmins,
    private readonly users: UsersRepository,
    private readonly devices: DevicesRepository,
    private readonly transactions: Transactions,
    private readonly lifecycle: DeviceLifecycle,
    private readonly deprovisioning: DeprovisionService,
    private readonly cascades: DeprovisionQueue,
    private readonly bus: BusClient,
  ) {}

  async list(request: ListWorkspaceDevicesDto): Promise<WorkspaceListDevicesReply> {
    const admin = await this.admins.resolve(request.caller);
    const after = decodeCursor(request.cursor);
    const filters: DeviceFilters = {
      workspaceId: admin.workspaceId,
      status: request.status,
      clientType: request.clientType,
      q: request.q?.trim() || undefined,
    };
    if (request.userId !== undefined) {
      const user = await this.users.findBySubject(admin.workspaceId, request.userId);
      if (!user) return { devices: [], nextCursor: null, counts: zeroCounts() };
      filters.userId = user.id;
    }
    const [page, counts] = await Promise.all([
      this.devices.listInWorkspace(filters, after, request.limit ?? DEFAULT_PAGE),
      this.devices.countByStatusInWorkspace(filters),
    ]);
    return {
      devices: page.rows.map(({ device, user }) => ({
        ...toDeviceView(device, admin.device.id),
        user: { id: user.subject, email: user.email, username: user.username },
      })),
      nextCursor: page.next ? encodeCursor(page.next) : null,
      counts,
    };
  }

  /** ADMIN-2: any device of the workspace; another workspace's is not found (ADMIN-4). */
  async disable(request: WorkspaceDeviceActionDto): Promise<WorkspaceDeviceReply> {
    const admin = await this.admins.resolve(request.caller);
    const { device, wasPending } = await this.transactions.run(async (tx) => {
      // Found in this workspace, then locked after its owner's row (the lock order of every device change).
      const found = await this.devices.findInWorkspace(tx, admin.workspaceId, request.deviceId);
      if (!found) throw DomainError.notFound('The device');
      const owner = await this.users.lockForUpdate(tx, found.userId);
      const device = await this.devices.lockOwn(tx, owner.id, found.id);
      if (!device) throw DomainError.notFound('The device');
      const wasPending = PENDING_STATUSES.includes(device.status);
      // An admin disabling a device of their own did it from their device, as a user would.
      const disabledBy = owner.id === admin.user.id ? disabledFrom(admin.device) : ({ kind: 'admin' } as const);
      await this.lifecycle.change(tx, 'disable', { device, owner }, byCaller(admin.user, admin.device.id, request.caller), { disabledBy });
      return { device, wasPending };
    });
    if (wasPending) {
      this.bus.request(Command.verificationVoidCodes, { deviceIds: [device.id] }).catch((error: Error) => {
        this.logger.debug(`could not void the code of disabled device ${device.id}: ${error.message}`);
      });
    }
    return { device: toDeviceView(device, admin.device.id) };
  }

  /** ADMIN-2, DEPROV-1: answers at once with the cascade's job id (202). */
  async deprovision(request: DeprovisionUserDto): Promise<{ jobId: string }> {
    const admin = await this.admins.resolve(request.caller);
    const { jobId } = await this.deprovisioning.deprovision(admin.workspaceId, request.userId, {
      userId: admin.user.id,
      deviceId: admin.device.id,
      ip: request.caller.ip,
      userAgent: request.caller.userAgent,
    });
    return { jobId };
  }

  /** DEPROV-3: up to 1,000 users in one request; each gets the same one job as alone, or is reported not found. */
  async deprovisionMany(request: DeprovisionUsersDto): Promise<DeprovisionUsersReply> {
    const admin = await this.admins.resolve(request.caller);
    const { found, missing } = await this.deprovisioning.deprovisionMany(admin.workspaceId, request.userIds, {
      userId: admin.user.id,
      deviceId: admin.device.id,
      ip: request.caller.ip,
      userAgent: request.caller.userAgent,
    });
    return {
      jobs: found.map(({ user, jobId }) => ({ userId: user.subject, jobId })),
      failures: missing.map((userId) => ({ userId, code: ErrorCode.notFound, detail: 'The user was not found.' })),
    };
  }

  /** DEPROV-1: a cascade's progress; a job of another workspace is not found (ADMIN-4). */
  async job(request: GetJobDto): Promise<JobView> {
    const admin = await this.admins.resolve(request.caller);
    const job = await this.cascades.find(request.jobId);
    if (!job || job.data.workspaceId !== admin.workspaceId) throw DomainError.notFound('The job');
    return { id: request.jobId, state: job.state, progress: job.progress };
  }
}
