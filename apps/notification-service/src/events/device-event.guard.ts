import {
  CLIENT_TYPES,
  DEPROVISIONED_DEVICES_PER_EVENT,
  DEVICE_STATUSES,
  type DeprovisionedDevicesOfUser,
  type DeviceEventPayload,
  type DevicesDeprovisionedPayload,
} from '@td/contracts';

type EventDevice = DeviceEventPayload['device'];

/** A device event as this service reads it: one user's devices it is about, one or (`events.device.deprovisioned`) several. */
export interface DeviceEvent extends Omit<DeviceEventPayload, 'device'> {
  devices: EventDevice[];
}

/** An event that can never be handled, whatever the retries: it is terminated, not redelivered. */
export class MalformedEventError extends Error {
  constructor(reason: string) {
    super(`Malformed device event: ${reason}.`);
    this.name = 'MalformedEventError';
  }
}

/**
 * Reads a device event from the stream, checking the fields this service uses (STYLE.md 5): a device event is one
 * user's, an `events.device.deprovisioned` one per user it names.
 */
export function parseDeviceEvents(data: Uint8Array): DeviceEvent[] {
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(data));
  } catch {
    throw new MalformedEventError('not JSON');
  }
  if (typeof payload !== 'object' || payload === null) throw new MalformedEventError('not an object');
  const event = payload as Partial<DeviceEventPayload & DevicesDeprovisionedPayload>;
  if (typeof event.eventId !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(event.eventId)) throw new MalformedEventError('bad eventId');
  if (typeof event.occurredAt !== 'string' || Number.isNaN(Date.parse(event.occurredAt))) throw new MalformedEventError('bad occurredAt');
  const { eventId, occurredAt } = event;
  if (event.users === undefined) {
    const { device, ...rest } = event as DeviceEventPayload;
    return [checkUser({ ...rest, devices: [device] })];
  }
  if (!Array.isArray(event.users) || event.users.length === 0) throw new MalformedEventError('bad users');
  const users = event.users.map((user: DeprovisionedDevicesOfUser) => {
    if (typeof user !== 'object' || user === null) throw new MalformedEventError('bad users');
    return checkUser({ ...user, eventId, occurredAt });
  });
  if (users.reduce((sum, user) => sum + user.devices.length, 0) > DEPROVISIONED_DEVICES_PER_EVENT)
    throw new MalformedEventError('too many devices');
  return users;
}

function checkUser(event: DeviceEvent): DeviceEvent {
  if (typeof event.userId !== 'string' || event.userId === '') throw new MalformedEventError('bad userId');
  if (typeof event.user !== 'object' || event.user === null || typeof event.user.email !== 'string')
    throw new MalformedEventError('bad user');
  if (!Array.isArray(event.devices) || event.devices.length === 0 || !event.devices.every(isDevice))
    throw new MalformedEventError('bad device');
  if (typeof event.context !== 'object' || event.context === null) throw new MalformedEventError('bad context');
  return event;
}

function isDevice(device: EventDevice | undefined): device is EventDevice {
  return (
    typeof device === 'object' &&
    device !== null &&
    typeof device.id === 'string' &&
    typeof device.name === 'string' &&
    CLIENT_TYPES.includes(device.clientType) &&
    DEVICE_STATUSES.includes(device.status)
  );
}
