import { Logger } from '@nestjs/common';

/** Signals a process stops on: SIGTERM from an orchestrator, SIGINT from Ctrl-C. */
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Beyond its drain bound, how long a process may take to close its pools before it is made to exit. */
const CLOSE_MARGIN_MS = 1500;

interface Registry {
  /** Every app not closed yet, with its graceful close. */
  open: Map<object, { close: () => Promise<void>; drainMs: number }>;
  installed: boolean;
}

// One registry per process (shared across jest's module registries). It holds each app strongly until
// the app is closed: a main() that keeps no reference of its own (the services, the worker) must not
// lose its app to the garbage collector, or a SIGTERM finds nothing to drain and exits at once
// (issue 10: notification-service and the deprovision worker did, sending mails twice). A closed app
// leaves the registry, so tests that start many apps do not keep them alive.
const registry: Registry = ((globalThis as Record<symbol, Registry>)[Symbol.for('td.shutdown.v2')] ??= {
  open: new Map(),
  installed: false,
});

/**
 * On SIGTERM or SIGINT: runs `close` (the app's own graceful shutdown: stop taking work, finish
 * what is in flight within `drainMs`, then close connections), then exits 0. A close that hangs
 * is cut off soon after the drain bound: the process exits 1 rather than lingering.
 *
 * Used instead of Nest's `enableShutdownHooks()`, whose signal path runs the modules' destroy
 * hooks (closing queues, stopping workers) before the transport stops taking requests, and
 * never bounds the wait.
 */
export function closeOnSignals(app: object, close: () => Promise<void>, drainMs: number): void {
  registry.open.set(app, { close, drainMs });
  const closable = app as { close?: (...args: unknown[]) => Promise<void> };
  if (typeof closable.close === 'function') {
    const closeApp = closable.close.bind(app);
    closable.close = async (...args: unknown[]) => {
      try {
        await closeApp(...args);
      } finally {
        registry.open.delete(app);
      }
    };
  }
  if (registry.installed) return;
  registry.installed = true;
  const logger = new Logger('Shutdown');
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const closers = [...registry.open.values()];
    const limitMs = Math.max(0, ...closers.map((c) => c.drainMs)) + CLOSE_MARGIN_MS;
    logger.log({ msg: 'Shutting down: finishing work in flight', signal, drainMs: limitMs - CLOSE_MARGIN_MS });
    setTimeout(() => {
      logger.error({ msg: 'Shutdown did not finish in time; exiting', limitMs });
      process.exit(1);
    }, limitMs).unref();
    Promise.all(closers.map((c) => c.close()))
      .then(() => {
        logger.log({ msg: 'Shut down cleanly' });
        process.exit(0);
      })
      .catch((error: Error) => {
        logger.error({ msg: 'Shutdown failed', reason: error.message });
        process.exit(1);
      });
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
}
