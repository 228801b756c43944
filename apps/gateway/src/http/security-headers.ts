import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** A year, with subdomains: what HSTS preload lists ask for. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600;

/**
 * Hardening headers on every response (SEC-10), by helmet, with a policy the web app,
 * the API docs and the dashboard all work under: their scripts are files of this origin,
 * styles may be inline (Swagger UI), images may be data: URLs. Nothing may frame any page.
 * HSTS and upgrading insecure requests only when clients come over https (PUBLIC_URL).
 */
export function securityHeaders(publicUrl: string): RequestHandler {
  const https = publicUrl.startsWith('https://');
  return helmet({
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
  });
}

/**
 * API answers are never stored by browsers or proxies: several carry secrets (dev token,
 * SCIM token, key envelope) and the rest are personal (SEC-10).
 */
export function noStore(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Cache-Control', 'no-store');
  next();
}
