import { REQUEST_ID_HEADER, requestIdOr } from '@td/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, type HttpLogger, type Options } from 'pino-http';

/** Probes hit these every few seconds: their lines are debug, so they cost nothing at the default level. */
const PROBE_PATHS = ['/health/', '/metrics'];

/** The path alone: a query can carry a code, a token or an email (SCIM filters). */
function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

function isProbe(request: IncomingMessage): boolean {
  const path = pathOf(request.url);
  return PROBE_PATHS.some((probe) => path === probe || path.startsWith(probe));
}

/**
 * The gateway's access log (OPS-2), pino-http: one line per HTTP request when its response is
 * finished (or the connection closed) — method, path, status, duration and request id. Never
 * headers (Authorization, DPoP, cookies, SCIM tokens), the query or the body. It also gives each
 * request its id — the client's `X-Request-Id` if it is a sane one — and echoes it in the
 * response; the request's context (nestjs-cls) and the bus headers take it from `req.id`.
 */
export function accessLogOptions(logger: Logger): Options {
  return {
    logger,
    genReqId: (request, response) => {
      const requestId = requestIdOr(request.headers[REQUEST_ID_HEADER]);
      response.setHeader(REQUEST_ID_HEADER, requestId);
      return requestId;
    },
    // Lines written while handling the request (nestjs-pino binds this logger) carry the id, not the request.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    // Our own serializers, on the raw objects: pino's standard ones copy every header.
    wrapSerializers: false,
    serializers: {
      req: (request: IncomingMessage) => ({ method: request.method, path: pathOf(request.url) }),
      res: (response: ServerResponse) => ({ status: response.statusCode }),
    },
    customLogLevel: (request, response, error) => {
      if (isProbe(request)) return 'debug';
      return error || response.statusCode >= 500 ? 'error' : 'info';
    },
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    // A 5xx has been logged with its cause where it happened; the access line carries only its status.
    customErrorObject: (_request, _response, _error, value: { res: ServerResponse; durationMs: number }) => ({
      res: value.res,
      durationMs: value.durationMs,
    }),
  };
}

export function accessLog(logger: Logger): HttpLogger {
  return pinoHttp(accessLogOptions(logger));
}
