import { authHeaders } from './client';
import { backoffMs } from './poll';
import type { Device } from './types';

export interface DeviceEvent {
  type: string;
  device: Device;
}

export interface EventStreamHandlers {
  onEvent: (event: DeviceEvent) => void;
  /** The server refused the stream (e.g. 403 trusted_session_required): the session must be checked again. */
  onRefused: (status: number, code: string | undefined) => void;
  onState?: (connected: boolean) => void;
  /** Reconnecting failed MAX_RECONNECTS times in a row: live updates have stopped. */
  onGiveUp?: () => void;
}

const MAX_RECONNECTS = 10;

/**
 * `GET /v1/events` (APPROVE-1). EventSource cannot send the Authorization and DPoP
 * headers, so this reads the stream with fetch() and parses Server-Sent Events
 * itself; every reconnect signs a fresh proof. Returns a function that stops it.
 */
export function openDeviceEvents(handlers: EventStreamHandlers): () => void {
  const controller = new AbortController();
  let failures = 0;

  const run = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch('/v1/events', {
          headers: { accept: 'text/event-stream', ...(await authHeaders('GET', '/v1/events')) },
          signal: controller.signal,
        });
        if (!response.ok || !response.body) {
          const problem = (await response.json().catch(() => ({}))) as { code?: string };
          if (response.status === 401 || response.status === 403) {
            handlers.onRefused(response.status, problem.code);
            return;
          }
          throw new Error(`events answered ${response.status}`);
        }
        handlers.onState?.(true);
        failures = 0;
        await readEvents(response.body, (type, data) => {
          const parsed = JSON.parse(data) as { device?: Device };
          if (parsed.device) handlers.onEvent({ type, device: parsed.device });
        });
      } catch {
        if (controller.signal.aborted) return;
      }
      handlers.onState?.(false);
      // Reconnects back off (1 s, 2 s, … 30 s) and give up after MAX_RECONNECTS failures in a row.
      failures += 1;
      if (failures > MAX_RECONNECTS) return handlers.onGiveUp?.();
      await new Promise((resolve) => setTimeout(resolve, backoffMs(failures - 1, { intervalMs: 1000, maxIntervalMs: 30_000 })));
    }
  };
  void run();
  return () => controller.abort();
}

/** A small SSE parser (WHATWG "event stream" format): `event:` and `data:` lines, a blank line ends an event. */
export async function readEvents(body: ReadableStream<Uint8Array>, dispatch: (type: string, data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let type = '';
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (data.length) dispatch(type || 'message', data.join('\n'));
        type = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const fieldValue = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') type = fieldValue;
      else if (field === 'data') data.push(fieldValue);
    }
  }
}

/** Pages subscribe here; the app owns the one stream and fans its events out. */
const subscribers = new Set<(event: DeviceEvent) => void>();
export function subscribeDeviceEvents(listener: (event: DeviceEvent) => void): () => void {
  subscribers.add(listener);
  return () => subscribers.delete(listener);
}
export function publishDeviceEvent(event: DeviceEvent): void {
  subscribers.forEach((listener) => listener(event));
}
