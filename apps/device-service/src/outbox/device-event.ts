import { randomUUID } from 'node:crypto';
import {
  DEPROVISIONED_DEVICES_PER_EVENT,
  DomainEvent,
  type DeprovisionedDevicesOfUser,
  type DeviceEventPayload,
  type DevicesDeprovisionedPayload,
} from '@td/contracts';
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
 * The outbox events of a set of changes: a device event each, except `events.device.deprovisioned`, which names
 * the devices of a cascade transaction by user, up to DEPROVISIONED_DEVICES_PER_EVENT an event (a transaction
 * moves up to DEPROVISION_BATCH_SIZE).
 */
export function deviceEvents(records: readonly EventRecord[]): OutgoingEvent[] {
  const events: OutgoingEvent[] = [];
  let batch: { payload: DevicesDeprovisionedPayload; devices: number; users: Map<string, DeprovisionedDevicesOfUser> } | null = null;
  for (const record of records) {
    const { subject, payload } = deviceEvent(record.event, record.device, record.owner, record.origin);
    if (subject !== DomainEvent.devicesDeprovisioned) {
      events.push({ subject, payload });
      continue;
    }
    if (!batch || batch.devices >= DEPROVISIONED_DEVICES_PER_EVENT) {
      batch = { payload: { eventId: payload.eventId, occurredAt: payload.occurredAt, users: [] }, devices: 0, users: new Map() };
      events.push({ subject, payload: batch.payload });
    }
    const { eventId: _id, occurredAt: _at, device, ...user } = payload;
    let ofUser = batch.users.get(user.userId);
    if (!ofUser) {
      ofUser = { ...user, devices: [] };
      batch.users.set(user.userId, ofUser);
      batch.payload.users.push(ofUser);
    }
    ofUser.devices.push(device);
    batch.devices += 1;
  }
  return events;
}
