const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/**
 * True when an error means "a dependency (Postgres, Redis, NATS) is down or slow",
 * which callers answer with 503 + Retry-After (ERR-3) rather than 500.
 */
export function isDependencyFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, name } = error as Error & { code?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_ERRNOS.has(code)) return true;
    // Postgres SQLSTATE classes: 08 connection exception, 53 insufficient resources,
    // 57P admin shutdown / cannot connect now; 57014 statement timeout (query_canceled).
    if (/^(08|53|57P)/.test(code) || code === '57014') return true;
    if (code.startsWith('TIMEOUT') || code === 'CONNECTION_CLOSED') return true;
  }
  if (name === 'MaxRetriesPerRequestError' || name === 'TimeoutError') return true;
  // TypeORM, at the next query of a transaction whose connection Postgres ended under it (a restart).
  if (name === 'QueryRunnerProviderAlreadyReleasedError') return true;
  // ioredis: "Command timed out" (commandTimeout: Redis hung), "Stream isn't writeable" (fail-fast while disconnected).
  return /Connection (terminated|is closed)|timeout exceeded when trying to connect|Connection refused|ECONNREFUSED|Stream isn't writeable|Command timed out/i.test(
    error.message,
  );
}
