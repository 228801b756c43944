import { Injectable } from '@nestjs/common';
import {
  REGISTERED_STATUSES,
  type AuthorizeEventsReply,
  type DeviceReply,
  type GetSessionReply,
  type ListDevicesReply,
} from '@td/contracts';
import { AuditAction } from '../audit/audit.log';
import { isTrusted, requireTrustedDevice } from '../users/caller-context';
import { CallerResolver } from '../users/caller-resolver';
import { byCaller, DeviceHistory } from './device-history';
import { DeviceLifecycle, disabledFrom } from './device-lifecycle';
import { toDeviceView } from './device.view';
import { DevicesRepository } from './devices.repository';
import type { CallerCommandDto, DeviceActionDto, RenameDeviceDto } from './dto/device-commands.dto';
import { LockedDeviceChange } from './locked-device-change';
import { nameTaken } from './device-setup.service';
import { normaliseDeviceName } from './rules/device-name';

/** The user's view of their own devices and session: MANAGE-1/2/3, APPROVE-1. */
@Injectable()
export class DeviceManagementService {
  constructor(
    private readonly callers: CallerResolver,
    private readonly devices: DevicesRepository,
    private readonly change: LockedDeviceChange,
    private readonly history: DeviceHistory,
    private readonly lifecycle: DeviceLifecycle,
  ) {}

  /** MANAGE-2: is this session trusted, and if not, the client shows the setup dialog. */
  async session(request: CallerCommandDto): Promise<GetSessionReply> {
    const context = await this.callers.resolve(request.caller);
    const { user, device } = context;
    const trusted = isTrusted(context);
    return {
      user: { id: user.subject, email: user.email, username: user.username, role: user.role, workspaceId: user.workspaceId },
      trusted,
      setupRequired: !trusted,
      device: device ? toDeviceView(device, device.id) : null,
    };
  }

  /** MANAGE-1: every device but the expired ones, newest first, the calling one marked `current`. */
  async list(request: CallerCommandDto): Promise<ListDevicesReply> {
    const context = await this.callers.resolveWithVisibleDevices(request.caller);
    return { devices: context.visible.map((device) => toDeviceView(device, context.device?.id ?? null)) };
  }

  /** MANAGE-3: renaming is a management action of the trusted web app; names follow SETUP-2. */
  async rename(request: RenameDeviceDto): Promise<DeviceReply> {
    const context = await this.callers.resolve(request.caller);
    const manager = requireTrustedDevice(context, 'web');
    const name = normaliseDeviceName(request.name);
    return this.change.run(context.user.id, request.deviceId, async ({ tx, user, device }) => {
      // Names are unique among registered devices only; a disabled device's name clashes with nothing.
      const registered = REGISTERED_STATUSES.includes(device.status);
      if (registered && (await this.devices.isNameTaken(tx, user.id, name, device.id))) throw nameTaken();
      await this.devices.update(tx, device, { name });
      await this.history.write(tx, [
        { device, owner: user, actions: [AuditAction.deviceRenamed], event: null, ...byCaller(user, manager.id, request.caller) },
      ]);
      return { device: toDeviceView(device, manager.id) };
    });
  }

  /** MANAGE-3: disabling frees the slot and ends the device's trust at once; it is never re-enabled. */
  async disable(request: DeviceActionDto): Promise<DeviceReply> {
    const context = await this.callers.resolve(request.caller);
    const manager = requireTrustedDevice(context, 'web');
    return this.change.run(context.user.id, request.deviceId, async ({ tx, user, device }) => {
      await this.lifecycle.change(tx, 'disable', { device, owner: user }, byCaller(user, manager.id, request.caller), {
        disabledBy: disabledFrom(manager),
      });
      return { device: toDeviceView(device, manager.id) };
    });
  }

  /** APPROVE-1: the real-time stream is for trusted web and mobile sessions; it is keyed by our user id. */
  async authorizeEvents(request: CallerCommandDto): Promise<AuthorizeEventsReply> {
    const context = await this.callers.resolve(request.caller);
    const device = requireTrustedDevice(context, 'approver');
    return { userId: context.user.id, deviceId: device.id };
  }
}
