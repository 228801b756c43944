import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import { static as serveStatic, type RequestHandler } from 'express';

/** Paths the SPA never answers: the API, operations and SCIM keep their own 404s (ERR-1). */
const RESERVED = /^\/(v1|health|docs|metrics|scim)(\/|$)/;

export interface WebAppOptions {
  root: string;
  devLogin: boolean;
}

/**
 * Serves the built web app at `/` (WEB-1): its files as they are, and index.html for
 * any other GET that asks for a page (history routing). index.html carries whether
 * dev login is on, so the sign-in page knows which form to show (AUTH-4).
 * With no build yet it answers a short note instead of failing.
 */
export function webAppMiddleware({ root, devLogin }: WebAppOptions): (req: Request, res: Response, next: NextFunction) => void {
  const files: RequestHandler = serveStatic(root, { index: false, fallthrough: true, redirect: false, maxAge: '1h' });
  const indexFile = resolve(root, 'index.html');
  let cached: { mtimeMs: number; html: string } | undefined;

  const indexHtml = (): string | undefined => {
    if (!existsSync(indexFile)) return undefined;
    const { mtimeMs } = statSync(indexFile);
    if (cached?.mtimeMs !== mtimeMs) {
      const html = readFileSync(indexFile, 'utf8').replace(
        '<meta name="td-auth-mode" content="token" />',
        `<meta name="td-auth-mode" content="${devLogin ? 'dev' : 'token'}" />`,
      );
      cached = { mtimeMs, html };
    }
    return cached.html;
  };

  const sendPage = (res: Response): void => {
    const html = indexHtml();
    if (html === undefined) {
      res.status(503).type('text/plain').send('The web app is not built yet. Run `npm run build:web`, then reload this page.\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    );
    res.type('html').send(html);
  };

  return (req, res, next) => {
    // Nest mounts middleware at '*path', which leaves req.path and req.url as '/': the real path is in originalUrl.
    const path = req.originalUrl.split('?')[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || RESERVED.test(path)) return next();
    if (path === '/' || path === '/index.html') return sendPage(res);
    const mountedUrl = req.url;
    req.url = req.originalUrl;
    files(req, res, () => {
      req.url = mountedUrl;
      // A missing asset (has an extension) stays a 404; an app route gets the page.
      if (extname(path) || !acceptsHtmlExplicitly(req)) return next();
      sendPage(res);
    });
  };
}

/** Browsers navigating send `Accept: text/html…`; API clients sending `*\/*` or nothing keep JSON 404s. */
function acceptsHtmlExplicitly(req: Request): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}
