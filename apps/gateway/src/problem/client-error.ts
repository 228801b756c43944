import { ErrorCode } from '@td/contracts';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { TITLES } from './http-status';

/** Node's parser errors (llhttp codes) and what each means to the client. */
function statusOf(error: NodeJS.ErrnoException): number {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

const DETAILS: Record<number, string> = {
  431: 'The URL or the request headers are larger than this server accepts (16 KB).',
  408: 'The request took too long to arrive.',
  400: 'The request is not valid HTTP.',
};

/**
 * Requests Node's HTTP parser refuses never reach Express: without this, a URL over ~16 KB
 * gets a bare 431 and malformed HTTP a bare 400. Each is answered as problem+json (ERR-1),
 * then the connection closes (it cannot be read further).
 */
export function answerParserErrorsAsProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status = statusOf(error);
    const body = JSON.stringify({
      type: 'about:blank',
      title: TITLES[status] ?? 'Bad Request',
      status,
      detail: DETAILS[status],
      code: ErrorCode.validationFailed,
    });
    socket.end(
      `HTTP/1.1 ${status} ${TITLES[status] ?? 'Bad Request'}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'X-Content-Type-Options: nosniff\r\n' +
        'Cache-Control: no-store\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
