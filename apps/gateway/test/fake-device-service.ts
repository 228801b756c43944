import { prefixed } from '@td/common';
import type { Command, DomainErrorBody, ReplyOf, RequestOf } from '@td/contracts';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';

type Handler<C extends Command> = (request: RequestOf<C>) => ReplyOf<C> | { error: DomainErrorBody };

const codec = JSONCodec<{ id: string; data: unknown }>();

/**
 * Stands in for device-service on the bus (speaking Nest's packet format), so the
 * gateway's HTTP → command mapping is tested on its own: records what it got and
 * answers what the test says.
 */
export class FakeDeviceService {
  readonly received: Array<{ command: Command; request: unknown }> = [];
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly nats: NatsConnection,
    private readonly prefix: string,
  ) {}

  on<C extends Command>(command: C, handler: Handler<C>): this {
    const subscription = this.nats.subscribe(prefixed(this.prefix, command), {
      callback: (_error, message) => {
        const { id, data } = codec.decode(message.data);
        this.received.push({ command, request: data });
        const result = handler(data as RequestOf<C>);
        const packet = result && typeof result === 'object' && 'error' in result ? { id, err: result.error, isDisposed: true } : { id, response: result, isDisposed: true };
        message.respond(JSONCodec().encode(packet));
      },
    });
    this.subscriptions.push(subscription);
    return this;
  }

  last<C extends Command>(command: C): RequestOf<C> {
    const found = [...this.received].reverse().find((r) => r.command === command);
    if (!found) throw new Error(`${command} was not received`);
    return found.request as RequestOf<C>;
  }

  async flush(): Promise<void> {
    await this.nats.flush();
  }

  stop(): void {
    this.subscriptions.splice(0).forEach((s) => s.unsubscribe());
  }
}
