import { REQUEST_ID_HEADER, requestIdOr, runWithRequestId } from '@td/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/** Probes hit these every few seconds: their lines are debug, so they cost nothing at the default level. */
const PROBE_PATHS = ['/health/', '/metrics'];

/** The path alone: a query can carry a code, a token or an email (SCIM filters). */
function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

function isProbe(path: string): boolean {
  return PROBE_PATHS.some((probe) => path === probe || path.startsWith(probe));
}

/**
 * The gateway's access log (OPS-2): one line per HTTP request when its response is finished (or
 * the connection closed) — `requestId`, `req: { method, path }`, `res: { status }` and
 * `durationMs`, "request completed" (info), or "request failed" (error) for a 5xx or a response
 * that failed; probes at debug. Never headers (Authorization, DPoP, cookies, SCIM tokens), the
 * query or the body. It also gives each request its id — the client's `X-Request-Id` if it is a
 * sane one — echoes it in the response, and runs the rest of the request in a context
 * (nestjs-cls) carrying it: lines written while handling the request carry it (the logger's
 * mixin), and so do the bus headers.
 *
 * Mounted first. It does no more per request than that (pino-http, which wrote the same line
 * before, built two child loggers for every request, issue 12).
 */
export function accessLog(logger: Logger): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
  return (request, response, next) => {
    const requestId = requestIdOr(request.headers[REQUEST_ID_HEADER]);
    (request as IncomingMessage & { id?: string }).id = requestId;
    response.setHeader(REQUEST_ID_HEADER, requestId);
    // As received: routing rewrites request.url while the request is handled.
    const method = request.method;
    const path = pathOf(request.url);
    const started = Date.now();
    const done = (error?: Error): void => {
      response.removeListener('close', done);
      response.removeListener('finish', done);
      response.removeListener('error', done);
      const status = response.statusCode;
      const failed = error !== undefined || status >= 500;
      const level = isProbe(path) ? 'debug' : failed ? 'error' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      // A 5xx has been logged with its cause where it happened; the access line carries only its status.
      logger[level](
        { requestId, req: { method, path }, res: { status }, durationMs: Date.now() - started },
        failed ? 'request failed' : 'request completed',
      );
    };
    response.on('close', done);
    response.on('finish', done);
    response.on('error', done);
    runWithRequestId(requestId, next);
  };
}
