import { PrefixedNatsServer } from '@td/common';
import type { Command, DomainErrorBody, ReplyOf, RequestOf } from '@td/contracts';
import type { NatsConnection } from 'nats';
import { of, throwError, type Observable } from 'rxjs';

type Handler<C extends Command> = (request: RequestOf<C>) => ReplyOf<C> | { error: DomainErrorBody };

/**
 * Stands in for device-service on the bus — Nest's own NATS server, as the real service
 * uses — so the gateway's HTTP → command mapping is tested on its own: records what it
 * got and answers what the test says.
 */
export class FakeDeviceService {
  readonly received: Array<{ command: Command; request: unknown }> = [];
  private readonly server: PrefixedNatsServer;
  private listening: Promise<void> | null = null;
  private stopped = false;

  /** `nats` tells which server to use; the fake answers on a connection of its own. */
  constructor(nats: NatsConnection, prefix: string, options: { user?: string; pass?: string } = {}) {
    this.server = new PrefixedNatsServer(
      { servers: nats.getServer(), maxReconnectAttempts: -1, reconnectTimeWait: 100, ...options },
      prefix,
      1000,
    );
  }

  /** Adds a command's handler; handlers take effect at `flush()`. */
  on<C extends Command>(command: C, handler: Handler<C>): this {
    this.server.addHandler(command, (data: RequestOf<C>): Promise<Observable<unknown>> => {
      this.received.push({ command, request: data });
      const result = handler(data);
      const answer = result && typeof result === 'object' && 'error' in result ? throwError(() => result.error) : of(result);
      return Promise.resolve(answer);
    });
    return this;
  }

  last<C extends Command>(command: C): RequestOf<C> {
    const found = [...this.received].reverse().find((r) => r.command === command);
    if (!found) throw new Error(`${command} was not received`);
    return found.request as RequestOf<C>;
  }

  /** Starts answering (subscribes every handler) and waits until the server has the subscriptions; after `stop()`, nothing is left to wait for. */
  async flush(): Promise<void> {
    if (this.stopped) return;
    this.listening ??= new Promise<void>(
      (resolve, reject) => void this.server.listen((error?: unknown) => (error ? reject(error as Error) : resolve())),
    );
    await this.listening;
    await this.server.unwrap<NatsConnection>().flush();
  }

  /** Stops answering: resolves once the subscriptions are drained and the fake's connection closed. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.server.close();
  }
}
