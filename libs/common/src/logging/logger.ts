import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { currentRequestId } from './request-id';

/**
 * Field names that must never reach a log line: codes, tokens, proofs, keys.
 * pino replaces their values with "[redacted]" wherever they appear at these paths.
 */
export const REDACTED_PATHS = [
  'code',
  '*.code',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'keyEnvelope',
  '*.keyEnvelope',
  'sealedCode',
  '*.sealedCode',
  'password',
  'secret',
  // Bearer tokens (access and SCIM), DPoP proofs, cookies.
  'req.headers.authorization',
  'req.headers.dpop',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.dpop',
  'headers.cookie',
];

export interface LoggerOptions {
  /** Where lines go; standard output unless given (tests capture them). */
  stream?: DestinationStream;
  /**
   * Add the request id of the current context (nestjs-cls) to every line. The gateway binds it per
   * request instead (pino-http), so its lines would carry it twice.
   */
  requestIdFromContext?: boolean;
}

export function createLogger(service: string, level = 'info', options: LoggerOptions = {}): Logger {
  const { stream, requestIdFromContext = true } = options;
  return pino(
    {
      name: service,
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...(requestIdFromContext
        ? {
            mixin: () => {
              const requestId = currentRequestId();
              return requestId ? { requestId } : {};
            },
          }
        : {}),
    },
    stream,
  );
}

/** Nest's logger interface over pino, so framework and app logs share one JSON stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    // Nest hands every line over whatever the level: one below it costs nothing more (a command line per bus request at warn, issue 12).
    if (!this.logger.isLevelEnabled(level)) return;
    // Nest passes the context (a class name) last, and a stack before it for errors.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
      return;
    }
    if (typeof rest[0] === 'string' && level === 'error') fields.stack = rest[0];
    if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...(message as object) });
      return;
    }
    this.logger[level](fields, String(message));
  }
}
