import type { DeviceView } from './words';

/**
 * Durable facts, published to JetStream from device-service's outbox (the
 * outbox row id is the message id, so a re-publish after a crash is deduplicated).
 * Events read `events.<thing>.<past tense>`. Never change a value without a migration plan.
 */
export const DomainEvent = {
  deviceApprovalRequested: 'events.device.approval-requested',
  /** A request waiting for approval switched to an email code ("I don't have access to my trusted device"). */
  deviceVerificationRequested: 'events.device.verification-requested',
  deviceApproved: 'events.device.approved',
  deviceDenied: 'events.device.denied',
  deviceDisabled: 'events.device.disabled',
  deviceExpired: 'events.device.expired',
  /**
   * DEPROV-1: devices of deprovisioned users disabled by one cascade transaction, up to
   * DEPROVISIONED_DEVICES_PER_EVENT of them in one event (a device each was 200,000 events for 10,000 people,
   * a person each 10,000; issue 12). Each device is a `device.disabled` to SSE streams.
   */
  devicesDeprovisioned: 'events.device.deprovisioned',
  userDeprovisioned: 'events.user.deprovisioned',
} as const;
export type DomainEvent = (typeof DomainEvent)[keyof typeof DomainEvent];

/** The JetStream stream that holds every domain event (subjects `events.>`). */
export const EVENTS_STREAM = 'TD_EVENTS';
export const EVENTS_WILDCARD = 'events.>';

export interface DeviceEventPayload {
  /** The outbox id: unique per fact, the JetStream dedupe id. */
  eventId: string;
  occurredAt: string;
  workspaceId: string;
  userId: string;
  /** The user's email and username, for notifications. */
  user: { email: string; username: string };
  device: Omit<DeviceView, 'current'>;
  /** Where and by whom the change was made (APPROVE-4's security email). */
  context: { ip: string | null; userAgent: string | null };
}

/** One user's part of `events.device.deprovisioned`: what a device event says, for each of their devices in it. */
export interface DeprovisionedDevicesOfUser extends Omit<DeviceEventPayload, 'eventId' | 'occurredAt' | 'device'> {
  devices: Array<Omit<DeviceView, 'current'>>;
}

/** `events.device.deprovisioned`: the devices one cascade transaction disabled, by user. */
export interface DevicesDeprovisionedPayload {
  eventId: string;
  occurredAt: string;
  users: DeprovisionedDevicesOfUser[];
}

/** Devices in one `events.device.deprovisioned` (about 0.5 KB each): far below a NATS message's 1 MB. */
export const DEPROVISIONED_DEVICES_PER_EVENT = 500;

export interface UserDeprovisionedPayload {
  eventId: string;
  occurredAt: string;
  workspaceId: string;
  userId: string;
}

export interface EventPayloads {
  'events.device.approval-requested': DeviceEventPayload;
  'events.device.verification-requested': DeviceEventPayload;
  'events.device.approved': DeviceEventPayload;
  'events.device.denied': DeviceEventPayload;
  'events.device.disabled': DeviceEventPayload;
  'events.device.expired': DeviceEventPayload;
  'events.device.deprovisioned': DevicesDeprovisionedPayload;
  'events.user.deprovisioned': UserDeprovisionedPayload;
}

/** Server-Sent Event names of `GET /v1/events` (API.md), by the domain event that causes them. */
export const SSE_EVENT_NAMES: Partial<Record<DomainEvent, string>> = {
  [DomainEvent.deviceApprovalRequested]: 'device.pending_approval',
  [DomainEvent.deviceVerificationRequested]: 'device.pending_verification',
  [DomainEvent.deviceApproved]: 'device.approved',
  [DomainEvent.deviceDenied]: 'device.denied',
  [DomainEvent.deviceDisabled]: 'device.disabled',
  [DomainEvent.deviceExpired]: 'device.expired',
  [DomainEvent.devicesDeprovisioned]: 'device.disabled',
};

/**
 * Core-NATS fan-out from notification-service to every gateway instance (no queue
 * group: each gateway gets each message and pushes it to its own SSE streams).
 */
export const REALTIME_DEVICE_EVENTS = 'realtime.device-events';

export interface RealtimeDeviceEvent {
  /** SSE event name, e.g. `device.approved`: one SSE event of that name for each device. */
  event: string;
  userId: string;
  /** One device, or all of a deprovisioning batch's (`events.device.deprovisioned`). */
  devices: Array<Omit<DeviceView, 'current'>>;
}
