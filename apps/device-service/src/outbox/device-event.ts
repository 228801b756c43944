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

type Owner = Pick<User, 'email' | 'username'>;
type Origin = { ip: string | null; userAgent: string | null };

/** What a device event says besides the device: whose it is, and where the change came from. */
function aboutUser(device: Device, user: Owner, context: Origin): Omit<DeprovisionedDevicesOfUser, 'devices'> {
  return { workspaceId: device.workspaceId, userId: device.userId, user: { email: user.email, username: user.username }, context };
}

/** The device as events carry it (the API's Device, without `current`). */
function eventDevice(device: Device): DeviceEventPayload['device'] {
  const { current: _current, ...view } = toDeviceView(device);
  return view;
}

/** The payload of one device's event, as it goes into the outbox (and then to JetStream). */
function deviceEvent(
  subject: DomainEvent,
  device: Device,
  user: Owner,
  context: Origin,
): { subject: DomainEvent; payload: DeviceEventPayload } {
  return {
    subject,
    payload: {
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      ...aboutUser(device, user, context),
      device: eventDevice(device),
    },
  };
}

/** One change's record, as DeviceHistory has it. */
interface EventRecord {
  event: DomainEvent;
  device: Device;
  owner: Owner;
  origin: Origin;
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
    if (record.event !== DomainEvent.devicesDeprovisioned) {
      events.push(deviceEvent(record.event, record.device, record.owner, record.origin));
      continue;
    }
    if (!batch || batch.devices >= DEPROVISIONED_DEVICES_PER_EVENT) {
      batch = { payload: { eventId: randomUUID(), occurredAt: new Date().toISOString(), users: [] }, devices: 0, users: new Map() };
      events.push({ subject: record.event, payload: batch.payload });
    }
    let ofUser = batch.users.get(record.device.userId);
    if (!ofUser) {
      ofUser = { ...aboutUser(record.device, record.owner, record.origin), devices: [] };
      batch.users.set(record.device.userId, ofUser);
      batch.payload.users.push(ofUser);
    }
    ofUser.devices.push(eventDevice(record.device));
    batch.devices += 1;
  }
  return events;
}
