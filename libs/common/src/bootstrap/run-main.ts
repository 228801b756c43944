import { ConfigError } from '../config';

/**
 * The entry point of every process: read and validate the environment once
 * (OPS-4), start, and exit non-zero with a clear message if either fails.
 */
export function runMain<T extends object>(loadConfig: () => T, start: (config: T) => Promise<unknown>): void {
  let config: T;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(78); // EX_CONFIG
  }
  start(config).catch((error: Error) => {
    console.error(`Failed to start: ${error.message}`);
    process.exit(1);
  });
}
