import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { GatewayConfig } from '../config';

/** Equal-length inputs for timingSafeEqual, whatever was sent. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Whether the request carries HTTP Basic `ops` / OPS_DASHBOARD_PASSWORD. */
export function hasOperatorPassword(request: Request, password: string | undefined): boolean {
  if (!password) return false;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(request.header('authorization') ?? '');
  const given = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  return timingSafeEqual(digest(given), digest(`ops:${password}`));
}

/**
 * Operators (SEC-2, SEC-9): whoever gives the ops password; with none set, whoever reaches a
 * gateway that listens on loopback only (local mode). Beyond loopback config requires one.
 */
export function isOperator(request: Request, config: GatewayConfig): boolean {
  if (!config.ops.dashboardPassword) return config.http.loopbackOnly;
  return hasOperatorPassword(request, config.ops.dashboardPassword);
}
