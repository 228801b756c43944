import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

/** A year, with subdomains: what HSTS preload lists ask for. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;

/**
 * Hardening headers on every response (SEC-10), by helmet, with a policy the web app,
 * the API docs and the dashboard all work under: their scripts are files of this origin,
 * styles may be inline (Swagger UI), images may be data: URLs. Nothing may frame any page.
 * HSTS and upgrading insecure requests only when clients come over https (PUBLIC_URL).
 */
export function securityHeaders(publicUrl: string): RequestHandler {
  return onceForAll(helmet(helmetOptions(publicUrl)));
}

export function helmetOptions(publicUrl: string): HelmetOptions {
  const https = publicUrl.startsWith('https://');
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    strictTransportSecurity: https ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
  };
}

/**
 * helmet's answer to one request, set on every response in one step. Its headers follow from its
 * options alone here (no nonces, no directive computed per request), so they are asked for once:
 * helmet runs a dozen middleware functions per request to set the same dozen constant headers (issue 12).
 */
function onceForAll(middleware: RequestHandler): RequestHandler {
  const set: Array<[string, string | number | readonly string[]]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => set.push([name, value]),
    removeHeader: (name: string) => removed.push(name),
  };
  let ran = false;
  middleware({ method: 'GET', url: '/', headers: {} } as Request, recorder as unknown as Response, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error(String(error));
    ran = true;
  });
  if (!ran || set.length === 0) throw new Error('helmet did not answer synchronously: its headers cannot be set once for all');
  return (_request, response, next) => {
    for (const name of removed) response.removeHeader(name);
    for (const [name, value] of set) response.setHeader(name, value);
    next();
  };
}

/**
 * API answers are never stored by browsers or proxies: several carry secrets (dev token,
 * SCIM token, key envelope) and the rest are personal (SEC-10).
 */
export function noStore(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Cache-Control', 'no-store');
  next();
}
