import type { DeviceView } from '@td/contracts';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';

/** The data of every `GET /v1/events` event (API.md). */
export interface DeviceEventData {
  device: DeviceView;
}

export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/**
 * A minimal Server-Sent Events reader over node:http, for tests: resolves once the
 * response headers are in, collects every event, and knows when the server ended it.
 */
export class SseClient {
  readonly events: ServerSentEvent[] = [];
  /** Resolves when the server ends the stream (KEY-5). */
  readonly ended: Promise<void>;
  private buffer = '';
  private waiters: Array<() => void> = [];
  private endedFlag = false;
  private resolveEnded!: () => void;

  private constructor(
    private readonly request: ClientRequest,
    readonly response: IncomingMessage,
    readonly body: string,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  get isEnded(): boolean {
    return this.endedFlag;
  }

  /** Opens the stream; a non-200 answer resolves with its body read (a problem document). */
  static open(url: string, headers: Record<string, string>): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(url, { method: 'GET', headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        response.setEncoding('utf8');
        if (response.statusCode !== 200) {
          let body = '';
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve(new SseClient(request, response, body)));
          return;
        }
        const client = new SseClient(request, response, '');
        response.on('data', (chunk: string) => client.receive(chunk));
        response.on('close', () => client.finish());
        resolve(client);
      });
      request.on('error', reject);
      request.end();
    });
  }

  /** The first event with this name whose data satisfies `predicate`, waiting for it to arrive. */
  async waitFor<T = DeviceEventData>(event: string, predicate: (data: T) => boolean = () => true, timeoutMs = 10000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.event === event && predicate(e.data as T));
      if (found) return found.data as T;
      const left = deadline - Date.now();
      if (left <= 0 || this.endedFlag)
        throw new Error(`no "${event}" event within ${timeoutMs} ms (got ${this.events.map((e) => e.event).join(', ') || 'none'})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.request.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let boundary: number;
    while ((boundary = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, boundary);
      this.buffer = this.buffer.slice(boundary + 2);
      const lines = block.split('\n').filter((line) => !line.startsWith(':'));
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      if (event) this.events.push({ event, data: data ? JSON.parse(data) : null });
    }
    this.wake();
  }

  private finish(): void {
    this.endedFlag = true;
    this.resolveEnded();
    this.wake();
  }

  private wake(): void {
    this.waiters.splice(0).forEach((wake) => wake());
  }
}
