import { DomainEvent, REALTIME_DEVICE_EVENTS } from '@td/contracts';
import type { NatsConnection } from 'nats';
import { approvedDeviceEvent } from '../../test/support/device-event';
import { loadNotificationServiceConfig } from '../config';
import type { EmailQueue } from '../email/email.queue';
import { parseDeviceEvents } from './device-event.guard';
import { DeviceEventsHandler, securityEmail } from './device-events.handler';

const { device: approved, ...rest } = approvedDeviceEvent;
/** The event as the consumer reads it (parseDeviceEvents). */
const event = { ...rest, devices: [approved] };

describe('security email job from an approved-device event', () => {
  it("APPROVE-4 describes the new device, with its own IP rather than the approver's; SEC-2 names the user, not an address", () => {
    expect(securityEmail(event, approved)).toEqual({
      workspaceId: 'ws-1',
      userId: 'u-1',
      device: { name: 'Work laptop', clientType: 'web', os: 'Windows', browser: 'Edge' },
      approvedVia: 'device',
      approvedAt: '2026-11-28T10:00:00.000Z',
      ip: '203.0.113.9',
    });
  });

  it("APPROVE-4 falls back to the request's IP and the event time when the device lacks them", () => {
    const job = securityEmail(event, { ...approved, lastIp: null, approvedAt: null, approvedVia: 'email_code', approvedBy: null });
    expect(job).toMatchObject({ ip: '192.0.2.1', approvedAt: '2026-11-28T10:00:05.000Z', approvedVia: 'email_code' });
  });
});

describe('parseDeviceEvents', () => {
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  it('reads a well-formed event', () => {
    expect(parseDeviceEvents(encode(approvedDeviceEvent))).toEqual([event]);
  });

  const { eventId, occurredAt, ...ofUser } = rest;
  const second = { ...approved, id: 'd-2', name: 'Phone' };
  const other = { ...ofUser, userId: 'u-2', user: { email: 'bo@example.test', username: 'bo' }, devices: [{ ...approved, id: 'd-3' }] };

  it('DEPROV-1 reads a deprovisioning batch: every user it names with all of their devices, each as its own event', () => {
    const batch = { eventId, occurredAt, users: [{ ...ofUser, devices: [approved, second] }, other] };
    expect(parseDeviceEvents(encode(batch))).toEqual([
      { ...event, devices: [approved, second] },
      { ...other, eventId, occurredAt },
    ]);
  });

  it.each([
    ['no event id', { ...approvedDeviceEvent, eventId: undefined }],
    ['an event id BullMQ cannot take', { ...approvedDeviceEvent, eventId: 'a:b' }],
    ['no user email', { ...approvedDeviceEvent, user: {} }],
    ['an unknown client type', { ...approvedDeviceEvent, device: { ...approved, clientType: 'desktop' } }],
    ['no device', { ...rest }],
    ['a batch of no one', { eventId, occurredAt, users: [] }],
    ['a batch with a user of no device', { eventId, occurredAt, users: [{ ...ofUser, devices: [] }] }],
    ['a bad device in a batch', { eventId, occurredAt, users: [{ ...ofUser, devices: [approved, { ...approved, status: 'gone' }] }] }],
    ['a batch user without an email', { eventId, occurredAt, users: [other, { ...ofUser, user: {}, devices: [approved] }] }],
    ['a batch over its size', { eventId, occurredAt, users: [{ ...ofUser, devices: Array.from({ length: 501 }, () => approved) }] }],
    ['no context', { ...approvedDeviceEvent, context: undefined }],
  ])('refuses an event with %s', (_why, bad) => {
    expect(() => parseDeviceEvents(encode(bad))).toThrow('Malformed device event');
  });
});

describe('DeviceEventsHandler', () => {
  const config = loadNotificationServiceConfig({ NATS_PREFIX: 'p1', CODE_HMAC_SECRET: 'x'.repeat(32) });

  it('APPROVE-1 publishes the realtime event on the connection the consumer then acks on, without a round trip per event', async () => {
    const order: string[] = [];
    const nats = {
      publish: jest.fn((subject: string) => order.push(`publish ${subject}`)),
      flush: jest.fn(() => new Promise<void>(() => undefined)),
    };
    const emails = { deviceApproved: jest.fn(async () => void order.push('email')) };
    const handler = new DeviceEventsHandler(nats as unknown as NatsConnection, emails as unknown as EmailQueue, config);

    await handler.handle(DomainEvent.deviceDisabled, [{ ...event, devices: [{ ...approved, status: 'disabled' }] }]);
    await handler.handle(DomainEvent.deviceApproved, [event]);

    // The ack that follows travels behind the publish on the same connection, so no flush waits for the server.
    expect(nats.flush).not.toHaveBeenCalled();
    expect(order).toEqual([`publish p1.${REALTIME_DEVICE_EVENTS}`, 'email', `publish p1.${REALTIME_DEVICE_EVENTS}`]);
    const [, data] = nats.publish.mock.calls[0] as unknown as [string, Uint8Array];
    expect(JSON.parse(new TextDecoder().decode(data))).toEqual({
      event: 'device.disabled',
      userId: event.userId,
      devices: [{ ...approved, status: 'disabled' }],
    });
  });
});
