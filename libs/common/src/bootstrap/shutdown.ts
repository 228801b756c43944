import { Logger } from '@nestjs/common';

/** Signals a process stops on: SIGTERM from an orchestrator, SIGINT from Ctrl-C. */
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Beyond its drain bound, how long a process may take to close its pools before it is made to exit. */
const CLOSE_MARGIN_MS = 1500;

interface Registry {
  apps: Set<WeakRef<object>>;
  closers: WeakMap<object, { close: () => Promise<void>; drainMs: number }>;
  installed: boolean;
}

// One registry per process (shared across jest's module registries), held weakly so a closed app is not kept alive.
const registry: Registry = ((globalThis as Record<symbol, Registry>)[Symbol.for('td.shutdown')] ??= {
  apps: new Set(),
  closers: new WeakMap(),
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
  registry.apps.add(new WeakRef(app));
  registry.closers.set(app, { close, drainMs });
  if (registry.installed) return;
  registry.installed = true;
  const logger = new Logger('Shutdown');
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const closers = [...registry.apps].flatMap((ref) => {
      const target = ref.deref();
      const closer = target && registry.closers.get(target);
      return closer ? [closer] : [];
    });
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
