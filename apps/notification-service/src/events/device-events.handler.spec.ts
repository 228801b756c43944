import { approvedDeviceEvent } from '../../test/support/device-event';
import { parseDeviceEvent } from './device-event.guard';
import { securityEmail } from './device-events.handler';

const event = approvedDeviceEvent;

describe('security email job from an approved-device event', () => {
  it("APPROVE-4 describes the new device, with its own IP rather than the approver's; SEC-2 names the user, not an address", () => {
    expect(securityEmail(event)).toEqual({
      workspaceId: 'ws-1',
      userId: 'u-1',
      device: { name: 'Work laptop', clientType: 'web', os: 'Windows', browser: 'Edge' },
      approvedVia: 'device',
      approvedAt: '2026-11-28T10:00:00.000Z',
      ip: '203.0.113.9',
    });
  });

  it("APPROVE-4 falls back to the request's IP and the event time when the device lacks them", () => {
    const job = securityEmail({
      ...event,
      device: { ...event.device, lastIp: null, approvedAt: null, approvedVia: 'email_code', approvedBy: null },
    });
    expect(job).toMatchObject({ ip: '192.0.2.1', approvedAt: '2026-11-28T10:00:05.000Z', approvedVia: 'email_code' });
  });
});

describe('parseDeviceEvent', () => {
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  it('reads a well-formed event', () => {
    expect(parseDeviceEvent(encode(event))).toEqual(event);
  });

  it.each([
    ['no event id', { ...event, eventId: undefined }],
    ['an event id BullMQ cannot take', { ...event, eventId: 'a:b' }],
    ['no user email', { ...event, user: {} }],
    ['an unknown client type', { ...event, device: { ...event.device, clientType: 'desktop' } }],
    ['no context', { ...event, context: undefined }],
  ])('refuses an event with %s', (_why, bad) => {
    expect(() => parseDeviceEvent(encode(bad))).toThrow('Malformed device event');
  });
});
