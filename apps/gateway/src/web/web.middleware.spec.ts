import express from 'express';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { webAppMiddleware } from './web.middleware';

const INDEX = '<!doctype html><html><head><meta name="td-auth-mode" content="token" /></head><body>app</body></html>';

function appServing(root: string, devLogin = false): express.Express {
  const app = express();
  app.use(webAppMiddleware({ root, devLogin }));
  app.use((_req, res) => res.status(404).json({ code: 'not_found' }));
  return app;
}

describe('web app serving (WEB-1)', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), INDEX);
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('WEB-1 serves index.html at / and its assets as files', async () => {
    const page = await request(appServing(root)).get('/').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('content="token"');
    const asset = await request(appServing(root)).get('/assets/app.js').expect(200);
    expect(asset.headers['content-type']).toContain('javascript');
  });

  it('WEB-1 marks the page for dev login when AUTH_DEV_LOGIN is on (AUTH-4)', async () => {
    const page = await request(appServing(root, true)).get('/').expect(200);
    expect(page.text).toContain('<meta name="td-auth-mode" content="dev" />');
  });

  it('WEB-1 answers app paths that ask for HTML with index.html, but never API, health, docs, metrics or SCIM paths', async () => {
    const app = appServing(root);
    const page = await request(app).get('/profile/devices').set('accept', 'text/html,application/xhtml+xml').expect(200);
    expect(page.text).toContain('app');
    for (const path of ['/v1/devices', '/health/live', '/docs/x', '/metrics', '/scim/v2/Users']) {
      await request(app).get(path).set('accept', 'text/html').expect(404, { code: 'not_found' });
    }
    await request(app).get('/profile/devices').set('accept', 'application/json').expect(404);
    await request(app).get('/assets/missing.js').set('accept', 'text/html').expect(404);
    await request(app).post('/profile').set('accept', 'text/html').expect(404);
  });

  it('WEB-1 without a build, / says to run npm run build:web instead of failing', async () => {
    rmSync(join(root, 'index.html'));
    const response = await request(appServing(root)).get('/').expect(503);
    expect(response.text).toContain('npm run build:web');
    const missingRoot = await request(appServing(join(root, 'nope')))
      .get('/')
      .expect(503);
    expect(missingRoot.text).toContain('npm run build:web');
  });
});
