import { Inject, Injectable } from '@nestjs/common';
import { NATS_CONNECTION, prefixed } from '@td/common';
import { DomainEvent, REALTIME_DEVICE_EVENTS, SSE_EVENT_NAMES, type DeviceApprovedEmailJob, type RealtimeDeviceEvent } from '@td/contracts';
import type { DeviceEvent } from './device-event.guard';
import { JSONCodec, type NatsConnection } from 'nats';
import { EmailQueue } from '../email/email.queue';
import { NotificationServiceConfig } from '../config';

const codec = JSONCodec<RealtimeDeviceEvent>();

/**
 * What a device event means for notifications: a security email when a device
 * was approved (APPROVE-4), and a real-time event for every gateway's SSE streams
 * (APPROVE-1, KEY-5). Throws if either could not be done, so the event is redelivered.
 */
@Injectable()
export class DeviceEventsHandler {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    private readonly emails: EmailQueue,
    private readonly config: NotificationServiceConfig,
  ) {}

  /** `subject` without the deployment prefix, e.g. `events.device.approved`. */
  async handle(subject: string, events: readonly DeviceEvent[]): Promise<void> {
    for (const event of events) await this.handleOne(subject, event);
  }

  private async handleOne(subject: string, event: DeviceEvent): Promise<void> {
    if (subject === DomainEvent.deviceApproved) await this.emails.deviceApproved(event.eventId, securityEmail(event, event.devices[0]));
    const sseName = SSE_EVENT_NAMES[subject as DomainEvent];
    // Core NATS publishing is fire-and-forget, and no flush waits for the server's receipt: the consumer acks
    // on this same connection once this returns, the server takes one connection's messages in the order they
    // were written (a reconnect resends them in that order too), and it hands out the next device event only
    // after the ack. So the publish, and its fan-out to the gateways, comes before the ack and before the next
    // event on any instance; an event whose ack never arrives is redelivered. A flush per event cost a round
    // trip per event on a consumer that holds one event at a time (issue 12).
    if (sseName) {
      this.nats.publish(
        prefixed(this.config.nats.prefix, REALTIME_DEVICE_EVENTS),
        codec.encode({ event: sseName, userId: event.userId, devices: event.devices }),
      );
    }
  }
}

/** The security email's facts, from the approved device (APPROVE-4). */
export function securityEmail(event: DeviceEvent, device: DeviceEvent['devices'][number]): DeviceApprovedEmailJob {
  return {
    // SEC-2: the user, not the event's address: the worker looks the address up when it sends.
    workspaceId: event.workspaceId,
    userId: event.userId,
    device: { name: device.name, clientType: device.clientType, os: device.os, browser: device.browser },
    approvedVia: device.approvedVia ?? (device.approvedBy ? 'device' : 'email_code'),
    approvedAt: device.approvedAt ?? event.occurredAt,
    // The new device's own address; the request's is the approver's when another device approved it.
    ip: device.lastIp ?? event.context.ip,
  };
}
