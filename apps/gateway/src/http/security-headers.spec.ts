import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { helmetOptions, securityHeaders } from './security-headers';

/** The headers an app with only this middleware answers GET / with (X-Powered-By left on, so its removal shows). */
async function headersOf(middleware: RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.use(middleware);
  app.get('/', (_request, response) => void response.json({ ok: true }));
  const { headers } = await request(app).get('/');
  const { date: _date, etag: _etag, ...rest } = headers as Record<string, string>;
  return rest;
}

describe('security headers (SEC-10)', () => {
  it.each(['http://localhost:3000', 'https://devices.example.test'])(
    'SEC-10 set once for all, they are exactly what helmet sets per request (%s)',
    async (publicUrl) => {
      const ours = await headersOf(securityHeaders(publicUrl));
      expect(ours['x-powered-by']).toBeUndefined();
      expect(ours['x-content-type-options']).toBe('nosniff');
      expect(ours['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(ours['strict-transport-security'] !== undefined).toBe(publicUrl.startsWith('https://'));
      // The same options, handed to helmet as it runs per request.
      const reference = helmet(helmetOptions(publicUrl));
      expect(ours).toEqual(await headersOf(reference));
    },
  );
});
