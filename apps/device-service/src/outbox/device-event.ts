import { randomUUID } from 'node:crypto';
import { DomainEvent, type DeviceEventPayload, type DevicesDeprovisionedPayload } from '@td/contracts';
import type { Device } from '../devices/device.entity';
import { toDeviceView } from '../devices/device.view';
import type { OutgoingEvent } from './outbox.repository';
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

/** One change's record, as DeviceHistory has it. */
interface EventRecord {
  event: DomainEvent;
  device: Device;
  owner: Pick<User, 'email' | 'username'>;
  origin: { ip: string | null; userAgent: string | null };
}

/**
 * The outbox events of a set of changes: a device event each, except `events.device.deprovisioned`, which is one
 * event per user naming all of that user's devices in the set (a cascade transaction moves up to thousands).
 */
export function deviceEvents(records: readonly EventRecord[]): OutgoingEvent[] {
  const events: OutgoingEvent[] = [];
  const byUser = new Map<string, DevicesDeprovisionedPayload>();
  for (const record of records) {
    const { subject, payload } = deviceEvent(record.event, record.device, record.owner, record.origin);
    if (subject !== DomainEvent.devicesDeprovisioned) {
      events.push({ subject, payload });
      continue;
    }
    const together = byUser.get(payload.userId);
    if (together) {
      together.devices.push(payload.device);
      continue;
    }
    const { device, ...rest } = payload;
    const first: DevicesDeprovisionedPayload = { ...rest, devices: [device] };
    byUser.set(payload.userId, first);
    events.push({ subject, payload: first });
  }
  return events;
}
