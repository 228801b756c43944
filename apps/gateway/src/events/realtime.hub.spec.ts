import type { BusClient } from '@td/common';
import type { RealtimeDeviceEvent } from '@td/contracts';
import type { NatsConnection } from 'nats';
import { loadGatewayConfig } from '../config';
import { RealtimeHub, type EventStream } from './realtime.hub';

function recordingStream(userId: string, deviceId: string): EventStream & { chunks: string[]; ended: boolean } {
  const stream = {
    userId,
    deviceId,
    chunks: [] as string[],
    ended: false,
    write: (chunk: string) => void stream.chunks.push(chunk),
    end: () => void (stream.ended = true),
  };
  return stream;
}

function event(name: string, userId: string, deviceId: string): RealtimeDeviceEvent {
  return {
    event: name,
    userId,
    devices: [{ id: deviceId, name: 'phone', status: 'pending_approval' } as RealtimeDeviceEvent['devices'][number]],
  };
}

describe('RealtimeHub', () => {
  const hub = new RealtimeHub({} as NatsConnection, loadGatewayConfig({ AUTH_JWT_SECRET: 'x'.repeat(32) }), {} as BusClient);

  it("APPROVE-1 an event reaches every open stream of its user, and no one else's", () => {
    const web = recordingStream('u1', 'd-web');
    const mobile = recordingStream('u1', 'd-mobile');
    const stranger = recordingStream('u2', 'd-other');
    [web, mobile, stranger].forEach((s) => hub.add(s));
    hub.dispatch(event('device.pending_approval', 'u1', 'd-new'));
    expect(web.chunks).toEqual([
      `event: device.pending_approval\ndata: ${JSON.stringify({ device: { id: 'd-new', name: 'phone', status: 'pending_approval', current: false } })}\n\n`,
    ]);
    expect(mobile.chunks).toHaveLength(1);
    expect(stranger.chunks).toHaveLength(0);
    [web, mobile, stranger].forEach((s) => hub.remove(s));
    expect(hub.openStreams).toBe(0);
  });

  it.each(['device.disabled', 'device.denied', 'device.expired'])('KEY-5 %s of the device holding a stream ends that stream', (name) => {
    const held = recordingStream('u1', 'd-web');
    const sibling = recordingStream('u1', 'd-mobile');
    hub.add(held);
    hub.add(sibling);
    hub.dispatch(event(name, 'u1', 'd-web'));
    expect(held.ended).toBe(true);
    expect(held.chunks[0]).toContain('"current":true');
    expect(sibling.ended).toBe(false);
    expect(hub.openStreams).toBe(1);
    hub.remove(sibling);
  });

  it('DEPROV-1 KEY-5 one event of several devices (a cascade batch): each is an SSE event to every stream of the user, and a stream whose device is among them ends after all of them', () => {
    const held = recordingStream('u1', 'd-b');
    const sibling = recordingStream('u1', 'd-other');
    hub.add(held);
    hub.add(sibling);
    const device = (id: string) => ({ id, name: id, status: 'disabled' }) as RealtimeDeviceEvent['devices'][number];
    hub.dispatch({ event: 'device.disabled', userId: 'u1', devices: ['d-a', 'd-b', 'd-c'].map(device) });
    const ids = (chunks: string[]) =>
      chunks.map((chunk) => JSON.parse(chunk.split('data: ')[1]).device as { id: string; current: boolean });
    expect(ids(held.chunks)).toEqual([
      { id: 'd-a', name: 'd-a', status: 'disabled', current: false },
      { id: 'd-b', name: 'd-b', status: 'disabled', current: true },
      { id: 'd-c', name: 'd-c', status: 'disabled', current: false },
    ]);
    expect(held.ended).toBe(true);
    expect(ids(sibling.chunks).map(({ id }) => id)).toEqual(['d-a', 'd-b', 'd-c']);
    expect(sibling.ended).toBe(false);
    expect(hub.openStreams).toBe(1);
    hub.remove(sibling);
  });

  it('KEY-5 an approval of the holding device does not end its stream', () => {
    const held = recordingStream('u1', 'd-web');
    hub.add(held);
    hub.dispatch(event('device.approved', 'u1', 'd-web'));
    expect(held.ended).toBe(false);
    hub.remove(held);
  });
});
