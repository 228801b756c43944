import { randomUUID } from 'node:crypto';
import { CLS_ID, ClsServiceManager } from 'nestjs-cls';

/**
 * The request id that follows one request across HTTP, NATS and job data (OPS-2). It lives in
 * nestjs-cls's context: the gateway's ClsModule middleware opens one per HTTP request, the bus
 * server one per command (from this header), the workers one per job (from its data).
 */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Request ids come from clients: keep them short and printable so logs stay clean. */
export function isSafeRequestId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(value);
}

/** The given id if it is a sane one, else a fresh one. */
export function requestIdOr(given: unknown): string {
  return isSafeRequestId(given) ? given : randomUUID();
}

/** The id of the request (command, job) being handled, if any. */
export function currentRequestId(): string | undefined {
  const cls = ClsServiceManager.getClsService();
  return cls.isActive() ? (cls.getId() as string | undefined) : undefined;
}

/** Runs `fn` in a context of its own carrying this request id (a fresh one if it is missing or not sane). */
export function runWithRequestId<T>(requestId: unknown, fn: () => T): T {
  const cls = ClsServiceManager.getClsService();
  return cls.run({ ifNested: 'override' }, () => {
    cls.set(CLS_ID, requestIdOr(requestId));
    return fn();
  });
}
