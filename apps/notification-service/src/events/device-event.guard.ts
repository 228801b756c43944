import { CLIENT_TYPES, DEVICE_STATUSES, type DeviceEventPayload, type DevicesDeprovisionedPayload } from '@td/contracts';

type EventDevice = DeviceEventPayload['device'];

/** A device event as this service reads it: the devices it is about, one or (`events.device.deprovisioned`) several. */
export interface DeviceEvent extends Omit<DeviceEventPayload, 'device'> {
  devices: EventDevice[];
}

/** More would not fit a NATS message of the default 1 MB; a cascade batch is bounded by DEPROVISION_BATCH_SIZE. */
const MAX_DEVICES = 10_000;

/** An event that can never be handled, whatever the retries: it is terminated, not redelivered. */
export class MalformedEventError extends Error {
  constructor(reason: string) {
    super(`Malformed device event: ${reason}.`);
    this.name = 'MalformedEventError';
  }
}

/** Reads a device event from the stream, checking the fields this service uses (STYLE.md 5). */
export function parseDeviceEvent(data: Uint8Array): DeviceEvent {
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(data));
  } catch {
    throw new MalformedEventError('not JSON');
  }
  const event = payload as Partial<DeviceEventPayload & DevicesDeprovisionedPayload>;
  if (typeof event !== 'object' || event === null) throw new MalformedEventError('not an object');
  if (typeof event.eventId !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(event.eventId)) throw new MalformedEventError('bad eventId');
  if (typeof event.userId !== 'string' || event.userId === '') throw new MalformedEventError('bad userId');
  if (typeof event.occurredAt !== 'string' || Number.isNaN(Date.parse(event.occurredAt))) throw new MalformedEventError('bad occurredAt');
  if (typeof event.user !== 'object' || event.user === null || typeof event.user.email !== 'string')
    throw new MalformedEventError('bad user');
  const devices = event.devices ?? [event.device];
  if (!Array.isArray(devices) || devices.length === 0 || devices.length > MAX_DEVICES || !devices.every(isDevice))
    throw new MalformedEventError('bad device');
  if (typeof event.context !== 'object' || event.context === null) throw new MalformedEventError('bad context');
  const { device: _one, devices: _many, ...rest } = event;
  return { ...(rest as Omit<DeviceEventPayload, 'device'>), devices };
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
