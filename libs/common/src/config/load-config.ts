import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { BusEnv, busEnvProblems } from './base.env';

/** A configuration problem found at start (OPS-4): the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function describe(error: ValidationError, raw: Record<string, string | undefined>): string {
  const constraints = Object.values(error.constraints ?? {}).join('; ');
  const given = raw[error.property];
  const shown = given === undefined ? 'missing' : `got ${JSON.stringify(given)}`;
  return `${error.property}: ${constraints} (${shown})`;
}

/**
 * Reads one app's environment into its typed config class, once, at start.
 * Empty strings count as unset, so `FOO=` falls back to the default.
 */
export function loadConfig<T extends object>(schema: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(schema, present, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false, forbidUnknownValues: true });
  const problems = errors.map((error) => describe(error, present));
  // Rules across variables ("one of A or B is required") live on the class itself; the bus's own in base.env.
  if (config instanceof BusEnv) problems.push(...busEnvProblems(config));
  const crossCheck = (config as { crossCheck?: () => string[] }).crossCheck;
  if (typeof crossCheck === 'function') problems.push(...crossCheck.call(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
