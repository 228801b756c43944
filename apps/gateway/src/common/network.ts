import type { Request } from 'express';
import { isIP } from 'node:net';

/** Express' names for address ranges, accepted in TRUST_PROXY beside addresses and CIDRs. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Whether a bind address or URL host stays on this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** Whether a URL points at this machine. */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

function isAddressOrCidr(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY in Express' own forms, minus "trust everyone" (SEC-3): a hop count, or a
 * comma-separated list of addresses, CIDRs and Express' named ranges. Unset means no proxy.
 * Returns the value for `app.set('trust proxy', …)`, or null when the value is not one of these.
 */
export function parseTrustProxy(raw: string | undefined): number | string[] | false | null {
  if (raw === undefined) return false;
  const value = raw.trim();
  if (value === 'false') return false;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  return entries.length > 0 && entries.every(isAddressOrCidr) ? entries : null;
}

/** A client address as recorded and shown: a valid IP, IPv4-mapped IPv6 read as plain IPv4; anything else null. */
export function normalizeIp(ip: string | undefined | null): string | null {
  if (!ip) return null;
  const plain = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  return isIP(plain) ? plain : null;
}

/**
 * The client's address as recorded, shown to approvers and audited: `req.ip`, which believes
 * X-Forwarded-For only from the proxies TRUST_PROXY names (SEC-3); null when that is not an IP.
 */
export function clientIp(request: Request): string | null {
  return normalizeIp(request.ip);
}

/** Who a per-IP limit counts: the client's address, else the connection's own (never one shared "unknown"). */
export function rateLimitAddress(request: Request): string {
  return clientIp(request) ?? normalizeIp(request.socket.remoteAddress) ?? 'unknown';
}
