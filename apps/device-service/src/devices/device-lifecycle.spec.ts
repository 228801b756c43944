import { DomainError } from '@td/common';
import { DEVICE_STATUSES, type DeviceStatus } from '@td/contracts';
import type { EntityManager } from 'typeorm';
import type { DeviceHistory, HistoryRecord } from './device-history';
import { ALLOWED_TRANSITIONS, DEVICE_TRANSITIONS, DeviceLifecycle, mayTransition, type TransitionName } from './device-lifecycle';
import { Device } from './device.entity';
import type { DevicesRepository } from './devices.repository';

/** PRODUCT.md's device status words, written out once more by hand: the table must say exactly this. */
const EXPECTED_EDGES = new Set([
  'pending_verification -> approved', // CODE-3
  'pending_verification -> expired', // SETUP-5, APPROVE-6
  'pending_verification -> disabled', // MANAGE-3, ADMIN-2, DEPROV-1
  'pending_approval -> pending_verification', // CODE-4 (no access to my trusted device)
  'pending_approval -> approved', // APPROVE-2
  'pending_approval -> denied', // APPROVE-2
  'pending_approval -> expired', // SETUP-5, APPROVE-6
  'pending_approval -> disabled', // MANAGE-3, ADMIN-2, DEPROV-1
  'approved -> disabled', // MANAGE-3, ADMIN-2, DEPROV-1
  'denied -> disabled', // MANAGE-3, ADMIN-2
  'expired -> disabled', // MANAGE-3, ADMIN-2
]);

const HOUR = 3600_000;
const NAMES = Object.keys(DEVICE_TRANSITIONS) as TransitionName[];

function device(status: DeviceStatus, expiresInMs: number | null = HOUR): Device {
  return Object.assign(new Device(), {
    id: 'd-1',
    userId: 'u-1',
    workspaceId: 'w-1',
    status,
    expiresAt: expiresInMs === null ? null : new Date(Date.now() + expiresInMs),
  });
}

describe('DeviceLifecycle: the device state machine', () => {
  it('SETUP-5 CODE-3 APPROVE-2 APPROVE-6 MANAGE-3 ADMIN-2 DEPROV-1 the table allows exactly the documented moves, and nothing leaves disabled', () => {
    for (const from of DEVICE_STATUSES) {
      for (const to of DEVICE_STATUSES) {
        const edge = `${from} -> ${to}`;
        expect([edge, ALLOWED_TRANSITIONS[from].includes(to)]).toEqual([edge, EXPECTED_EDGES.has(edge)]);
      }
    }
    expect(ALLOWED_TRANSITIONS.disabled).toEqual([]);
  });

  it('every named path moves only along the table (or keeps the status), and every edge of the table has a path', () => {
    const used = new Set<string>();
    for (const name of NAMES) {
      const rule = DEVICE_TRANSITIONS[name];
      for (const from of rule.from) {
        if (from === rule.to) continue;
        expect([name, from, ALLOWED_TRANSITIONS[from].includes(rule.to)]).toEqual([name, from, true]);
        used.add(`${from} -> ${rule.to}`);
      }
    }
    expect([...used].sort()).toEqual([...EXPECTED_EDGES].sort());
  });

  it('walks every path from every status, before and after the pending deadline', () => {
    const walked: string[] = [];
    for (const name of NAMES) {
      for (const status of DEVICE_STATUSES) {
        for (const [when, expiresIn] of [
          ['open', HOUR],
          ['lapsed', -1000],
        ] as const) {
          if (mayTransition(name, device(status, expiresIn))) walked.push(`${name}: ${status} (${when})`);
        }
      }
    }
    expect(walked.sort()).toEqual(
      [
        // CODE-3, APPROVE-2: only an open request is decided.
        'verify: pending_verification (open)',
        'approve: pending_approval (open)',
        'deny: pending_approval (open)',
        // CODE-4: a fresh code for an open request, whichever way it waits.
        'sendEmailCode: pending_verification (open)',
        'sendEmailCode: pending_approval (open)',
        // APPROVE-6: the asking device withdraws its request, lapsed or not.
        'cancel: pending_verification (open)',
        'cancel: pending_verification (lapsed)',
        'cancel: pending_approval (open)',
        'cancel: pending_approval (lapsed)',
        // SETUP-5: the sweep expires only what has lapsed.
        'expire: pending_verification (lapsed)',
        'expire: pending_approval (lapsed)',
        // MANAGE-3, ADMIN-2: anything not disabled yet.
        ...(['pending_verification', 'pending_approval', 'approved', 'denied', 'expired'] as const).flatMap((s) => [
          `disable: ${s} (open)`,
          `disable: ${s} (lapsed)`,
        ]),
        // DEPROV-1: the cascade takes every registered device.
        ...(['pending_verification', 'pending_approval', 'approved'] as const).flatMap((s) => [
          `deprovision: ${s} (open)`,
          `deprovision: ${s} (lapsed)`,
        ]),
      ].sort(),
    );
  });

  it('a pending device without a deadline is never lapsed', () => {
    expect(mayTransition('verify', device('pending_verification', null))).toBe(true);
    expect(mayTransition('expire', device('pending_verification', null))).toBe(false);
  });

  describe('change()', () => {
    const tx = {} as EntityManager;
    const owner = { id: 'u-1', email: 'a@example.test', username: 'a' };
    const by = { actor: { userId: 'u-1', deviceId: 'd-0' }, origin: { ip: '198.51.100.1', userAgent: 'UA' } };

    function lifecycle() {
      const updates: Array<Partial<Device>> = [];
      const records: HistoryRecord[] = [];
      // A move sends its audit entry and event with the update (one statement): the update asks the history for them.
      const devices = {
        update: async (_tx: EntityManager, d: Device, changes: Partial<Device>, alongWith: (updated: Device) => unknown[] = () => []) => {
          updates.push(changes);
          alongWith(Object.assign(d, changes));
          return d;
        },
      };
      const history = {
        write: async (_tx: EntityManager, written: readonly HistoryRecord[]) => void records.push(...written),
        statements: (written: readonly HistoryRecord[]) => (records.push(...written), []),
      };
      return {
        subject: new DeviceLifecycle(devices as unknown as DevicesRepository, history as unknown as DeviceHistory),
        updates,
        records,
      };
    }

    it('APPROVE-2 writes the new status with its timestamp and the path fields, with its audit entry and event', async () => {
      const { subject, updates, records } = lifecycle();
      const changed = await subject.change(tx, 'approve', { device: device('pending_approval'), owner }, by, {
        approvedVia: 'device',
        approvedBy: 'd-0',
      });
      expect(changed).toMatchObject({ status: 'approved', approvedVia: 'device', approvedBy: 'd-0', approvedAt: expect.any(Date) });
      expect(updates).toHaveLength(1);
      expect(records).toEqual([
        expect.objectContaining({
          device: changed,
          owner,
          actions: ['device.approved'],
          event: 'events.device.approved',
          actor: by.actor,
          origin: by.origin,
        }),
      ]);
    });

    it('CODE-4 a fresh code for a device already waiting for one changes no status and announces nothing, but is audited', async () => {
      const { subject, updates, records } = lifecycle();
      await subject.change(tx, 'sendEmailCode', { device: device('pending_verification'), owner }, by);
      expect(updates).toEqual([]);
      expect(records.map((r) => [r.actions, r.event])).toEqual([[['device.code_sent'], null]]);
    });

    it('CODE-4 switching from waiting for approval to an email code is announced', async () => {
      const { subject, updates, records } = lifecycle();
      await subject.change(tx, 'sendEmailCode', { device: device('pending_approval'), owner }, by);
      expect(updates).toEqual([{ status: 'pending_verification' }]);
      expect(records.map((r) => [r.actions, r.event])).toEqual([[['device.code_sent'], 'events.device.verification-requested']]);
    });

    it('MANAGE-3 a move the table does not allow is invalid_device_state and writes nothing', async () => {
      const { subject, updates, records } = lifecycle();
      const error = await subject.change(tx, 'disable', { device: device('disabled'), owner }, by).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).body).toMatchObject({ code: 'invalid_device_state', extensions: { status: 'disabled' } });
      expect([updates, records]).toEqual([[], []]);
    });
  });
});
