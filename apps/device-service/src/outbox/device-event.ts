import { randomUUID } from 'node:crypto';
import type { DeviceEventPayload, DomainEvent } from '@td/contracts';
import type { Device } from '../devices/device.entity';
import { toDeviceView } from '../devices/device.view';
import type { User } from '../users/user.entity';

/** The payload of a device event, as it goes into the outbox (and then to JetStream). */
export function deviceEvent(
  subject: DomainEvent,
  device: Device,
  user: Pick<User, 'email' | 'username'>,
  context: { ip: string | null; userAgent: string | null },
): { subject: DomainEvent; payload: DeviceEventPayload } {
  const { current: _current, ...view } = toDeviceView(device);
  return {
    subject,
    payload: {
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      workspaceId: device.workspaceId,
      userId: device.userId,
      user: { email: user.email, username: user.username },
      device: view,
      context,
    },
  };
}
