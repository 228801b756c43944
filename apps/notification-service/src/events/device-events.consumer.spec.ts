import { DomainEvent } from '@td/contracts';
import type { JsMsg, NatsConnection } from 'nats';
import { DeviceEventsConsumer, redeliveryDelayMs, withoutPrefix } from './device-events.consumer';
import type { DeviceEventsHandler } from './device-events.handler';
import { loadNotificationServiceConfig } from '../config';
import { approvedDeviceEvent } from '../../test/support/device-event';

const config = loadNotificationServiceConfig({
  NATS_PREFIX: 'p1',
  CODE_HMAC_SECRET: 'x'.repeat(32),
  EVENTS_ACK_WAIT_MS: '5000',
  SHUTDOWN_DRAIN_MS: '1000',
});

const payload = approvedDeviceEvent;

function message(data: unknown, redeliveryCount = 1) {
  const encoded = new TextEncoder().encode(typeof data === 'string' ? data : JSON.stringify(data));
  return {
    subject: `p1.${DomainEvent.deviceApproved}`,
    seq: 7,
    data: encoded,
    info: { redeliveryCount },
    ack: jest.fn(),
    nak: jest.fn(),
    term: jest.fn(),
  };
}

function consumerWith(handle: DeviceEventsHandler['handle']): DeviceEventsConsumer {
  return new DeviceEventsConsumer({} as NatsConnection, { handle } as DeviceEventsHandler, config);
}

describe('DeviceEventsConsumer.handleMessage', () => {
  it('APPROVE-4 acks an event only after it was handled, with the subject under no prefix', async () => {
    const handle = jest.fn().mockResolvedValue(undefined);
    const msg = message(payload);
    await consumerWith(handle).handleMessage(msg as unknown as JsMsg);
    const { device, ...rest } = payload;
    expect(handle).toHaveBeenCalledWith(DomainEvent.deviceApproved, [{ ...rest, devices: [device] }]);
    expect(msg.ack).toHaveBeenCalledTimes(1);
    expect(msg.nak).not.toHaveBeenCalled();
  });

  it('APPROVE-4 a failure (Redis or NATS down) naks with a growing delay, so the event is redelivered, not lost', async () => {
    const handle = jest.fn().mockRejectedValue(new Error('Connection is closed.'));
    const first = message(payload, 1);
    const third = message(payload, 3);
    await consumerWith(handle).handleMessage(first as unknown as JsMsg);
    await consumerWith(handle).handleMessage(third as unknown as JsMsg);
    expect(first.ack).not.toHaveBeenCalled();
    expect(first.nak).toHaveBeenCalledWith(1000);
    expect(third.nak).toHaveBeenCalledWith(4000);
  });

  it('terminates an event that can never be handled instead of redelivering it for ever', async () => {
    const handle = jest.fn();
    const msg = message('{not json');
    await consumerWith(handle).handleMessage(msg as unknown as JsMsg);
    expect(handle).not.toHaveBeenCalled();
    expect(msg.term).toHaveBeenCalledTimes(1);
    expect(msg.nak).not.toHaveBeenCalled();
  });

  it('bounds the redelivery delay and strips only its own prefix', () => {
    expect([1, 2, 3, 6, 7, 50].map(redeliveryDelayMs)).toEqual([1000, 2000, 4000, 30000, 30000, 30000]);
    expect(withoutPrefix('p1', 'p1.events.device.approved')).toBe('events.device.approved');
    expect(withoutPrefix('', 'events.device.approved')).toBe('events.device.approved');
  });
});
