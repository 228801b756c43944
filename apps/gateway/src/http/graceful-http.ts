import { Injectable, Logger } from '@nestjs/common';
import { settlesWithin } from '@td/common';
import type { Server, ServerResponse } from 'node:http';

export interface DrainSettings {
  /** How long readiness answers 503 while the gateway still accepts, so a load balancer moves away first. */
  delayMs: number;
  /** How long requests in flight may take to finish before their connections are cut. */
  drainMs: number;
}

/**
 * The gateway's graceful stop (OPS-5). On `drain()`: readiness turns 503 at once; after
 * `delayMs` the server stops accepting connections, idle keep-alive connections are closed
 * at once, requests in flight are answered with `Connection: close` (so their connection
 * closes after the answer instead of waiting for another request), and whatever is still
 * open after `drainMs` is cut. Node's own `server.close()` alone waits for every busy
 * keep-alive connection, for ever.
 */
@Injectable()
export class GracefulHttp {
  private readonly logger = new Logger(GracefulHttp.name);
  private server: Server | null = null;
  private readonly responses = new Set<ServerResponse>();
  private readonly drainHooks: Array<() => void> = [];
  private draining: Promise<void> | null = null;

  /** True from the moment the gateway starts stopping: readiness answers 503 (a load balancer stops sending). */
  get stopping(): boolean {
    return this.draining !== null;
  }

  attach(server: Server): void {
    this.server = server;
    // Before Nest's own listener, so the header is set before any handler can send the answer.
    server.prependListener('request', (_request, response: ServerResponse) => {
      this.responses.add(response);
      if (this.stopping) closeAfterAnswer(response);
      response.once('close', () => {
        this.responses.delete(response);
        // Its connection may now be idle (an answer whose headers went out before the drain began).
        if (this.stopping) setImmediate(() => server.closeIdleConnections());
      });
    });
  }

  /** Called when the drain begins, e.g. to end long-lived streams (Server-Sent Events). */
  onDrain(hook: () => void): void {
    this.drainHooks.push(hook);
  }

  drain(settings: DrainSettings): Promise<void> {
    this.draining ??= this.run(settings);
    return this.draining;
  }

  private async run({ delayMs, drainMs }: DrainSettings): Promise<void> {
    const server = this.server;
    if (!server) return;
    if (delayMs > 0) await sleep(delayMs);
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    for (const response of this.responses) closeAfterAnswer(response);
    for (const hook of this.drainHooks) hook();
    this.logger.log({ msg: 'Stopped accepting; finishing requests in flight', requests: this.responses.size, drainMs });
    const finished = await settlesWithin(closed, drainMs);
    if (!finished) {
      this.logger.warn({ msg: 'Requests still in flight after the drain time; closing their connections', requests: this.responses.size });
      server.closeAllConnections();
      await closed;
    }
  }
}

function closeAfterAnswer(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
