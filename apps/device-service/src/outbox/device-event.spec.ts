import { DEPROVISIONED_DEVICES_PER_EVENT, DomainEvent, type DevicesDeprovisionedPayload } from '@td/contracts';
import { Device } from '../devices/device.entity';
import { deviceEvents } from './device-event';

function device(id: string, userId: string): Device {
  return Object.assign(new Device(), {
    id,
    userId,
    workspaceId: 'w-1',
    name: id,
    clientType: 'web',
    os: 'Linux',
    browser: 'Firefox',
    fingerprint: 'words',
    status: 'disabled',
    createdAt: new Date('2026-12-01T10:00:00Z'),
    disabledAt: new Date('2026-12-01T11:00:00Z'),
  });
}

const owner = (userId: string) => ({ email: `${userId}@example.test`, username: userId });
const origin = { ip: '198.51.100.7', userAgent: 'Admin/1' };

describe('deviceEvents: the outbox events of a set of changes', () => {
  it('DEPROV-1 a cascade transaction names its devices by user, up to DEPROVISIONED_DEVICES_PER_EVENT an event; other changes keep an event each', () => {
    // 3 users: 450 + 300 + 300 devices; the second user's devices straddle the first event's end.
    const counts: Array<[string, number]> = [
      ['u-1', 450],
      ['u-2', 300],
      ['u-3', 300],
    ];
    const deprovisioned = counts.flatMap(([userId, count]) =>
      Array.from({ length: count }, (_, i) => ({
        event: DomainEvent.devicesDeprovisioned,
        device: device(`${userId}-d${i}`, userId),
        owner: owner(userId),
        origin,
      })),
    );
    const approved = { event: DomainEvent.deviceApproved, device: device('d-approved', 'u-9'), owner: owner('u-9'), origin };

    const events = deviceEvents([approved, ...deprovisioned]);

    expect(events.map(({ subject }) => subject)).toEqual([
      DomainEvent.deviceApproved,
      DomainEvent.devicesDeprovisioned,
      DomainEvent.devicesDeprovisioned,
      DomainEvent.devicesDeprovisioned,
    ]);
    const batches = events.slice(1).map(({ payload }) => payload as DevicesDeprovisionedPayload);
    expect(batches.map((batch) => batch.users.map((user) => [user.userId, user.devices.length]))).toEqual([
      [
        ['u-1', 450],
        ['u-2', 50],
      ],
      [
        ['u-2', 250],
        ['u-3', 250],
      ],
      [['u-3', 50]],
    ]);
    expect(Math.max(...batches.map((batch) => batch.users.reduce((sum, user) => sum + user.devices.length, 0)))).toBe(
      DEPROVISIONED_DEVICES_PER_EVENT,
    );
    // Every device once, with what a device event says of its user; each batch its own event id.
    const named = batches.flatMap((batch) => batch.users.flatMap((user) => user.devices.map((d) => d.id)));
    expect(named).toEqual(deprovisioned.map((record) => record.device.id));
    expect(new Set(batches.map((batch) => batch.eventId)).size).toBe(3);
    expect(batches[0].users[0]).toMatchObject({ workspaceId: 'w-1', userId: 'u-1', user: owner('u-1'), context: origin });
    expect(batches[0].users[0].devices[0]).toMatchObject({ id: 'u-1-d0', status: 'disabled', disabledAt: '2026-12-01T11:00:00.000Z' });
  });
});
