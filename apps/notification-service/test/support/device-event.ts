import type { DeviceEventPayload } from '@td/contracts';

/** A valid `events.device.approved` payload (approved from another device), for unit tests of the consumer and the handler. */
export const approvedDeviceEvent: DeviceEventPayload = {
  eventId: 'e-1',
  occurredAt: '2026-11-28T10:00:05.000Z',
  workspaceId: 'ws-1',
  userId: 'u-1',
  user: { email: 'alice@example.test', username: 'alice' },
  device: {
    id: 'd-1',
    name: 'Work laptop',
    clientType: 'web',
    os: 'Windows',
    browser: 'Edge',
    fingerprint: 'a b c d e',
    lastIp: '203.0.113.9',
    status: 'approved',
    createdAt: '2026-11-28T09:59:00.000Z',
    approvedAt: '2026-11-28T10:00:00.000Z',
    disabledAt: null,
    disabledBy: null,
    lastSeenAt: null,
    approvedVia: 'device',
    approvedBy: 'd-0',
    expiresAt: null,
  },
  context: { ip: '192.0.2.1', userAgent: 'approver' },
};
