import { waitUntil } from '@td/testing';
import request, { type Response } from 'supertest';
import type { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';
import { colleague, deprovision, jobCompleted, listAudit, listWorkspaceDevices, trustedAdmin } from '../support/workspace';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const deactivate = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] };

describe('DEPROV-1 — SCIM 2.0 for the identity provider (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  async function scimToken(admin: ApiClient): Promise<{ id: string; token: string }> {
    const response = await admin.call('post', '/v1/workspace/scim-tokens');
    expect(response.status).toBe(201);
    return response.body;
  }

  function scim(token: string | null, method: 'get' | 'patch' | 'delete', path: string, body?: unknown) {
    let req = request(system.url)[method](`/scim/v2${path}`);
    if (token) req = req.set('authorization', `Bearer ${token}`);
    if (body !== undefined) req = req.set('content-type', 'application/scim+json').send(JSON.stringify(body));
    return req;
  }

  function expectScimError(response: Response, status: number, scimType?: string): void {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    const body = JSON.parse(response.text);
    expect(body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: String(status),
      detail: expect.any(String),
      ...(scimType ? { scimType } : {}),
    });
  }

  /** An admin with a SCIM token, and Alice of the same workspace with a trusted web device and a pending one. */
  async function workspace() {
    const admin = await trustedAdmin(system);
    const { token, id } = await scimToken(admin);
    const alice = await colleague(admin, 'web', { preferred_username: 'alice' });
    await alice.becomeTrusted();
    await (await alice.anotherApp('extension')).setUp();
    return { admin, token, tokenId: id, alice };
  }

  it('DEPROV-1 an admin creates a SCIM token, shown once; members cannot', async () => {
    const admin = await trustedAdmin(system);
    const first = await scimToken(admin);
    const second = await scimToken(admin);
    expect(first).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), token: expect.any(String) });
    expect(second.token).not.toBe(first.token);
    const member = await colleague(admin);
    await member.becomeTrusted();
    expect((await member.call('post', '/v1/workspace/scim-tokens')).body.code).toBe('admin_required');
  });

  it('DEPROV-1 SCIM looks a user up by id and by userName filter', async () => {
    const { token, alice } = await workspace();
    const byId = await scim(token, 'get', `/Users/${alice.user.sub}`);
    expect(byId.status).toBe(200);
    expect(byId.headers['content-type']).toMatch(/^application\/scim\+json/);
    const user = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: alice.user.sub,
      userName: alice.user.email,
      displayName: 'alice',
      active: true,
      emails: [{ value: alice.user.email, primary: true }],
      meta: { resourceType: 'User', location: `${system.url}/scim/v2/Users/${alice.user.sub}` },
    };
    expect(JSON.parse(byId.text)).toEqual(user);

    const filter = encodeURIComponent(`userName eq "${alice.user.email.toUpperCase()}"`);
    const found = await scim(token, 'get', `/Users?filter=${filter}&startIndex=1&count=100`);
    expect(JSON.parse(found.text)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 1,
      startIndex: 1,
      itemsPerPage: 1,
      Resources: [user],
    });
    const none = await scim(token, 'get', `/Users?filter=${encodeURIComponent('userName eq "nobody@example.test"')}`);
    expect(JSON.parse(none.text)).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('DEPROV-1 PATCH active false deprovisions the user through the same cascade', async () => {
    const { admin, token, alice } = await workspace();
    const response = await scim(token, 'patch', `/Users/${alice.user.sub}`, deactivate);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({ id: alice.user.sub, active: false });
    expect((await alice.session()).body.code).toBe('user_deprovisioned');
    const job = await admin.call('post', `/v1/workspace/users/${alice.user.sub}/deprovision`);
    expect(await jobCompleted(admin, job.body.jobId)).toMatchObject({ progress: { disabled: 2, total: 2 } });
    const statuses = (await listWorkspaceDevices(admin, { userId: alice.user.sub })).body.devices.map((d: { status: string }) => d.status);
    expect(statuses).toEqual(['disabled', 'disabled']);
    const audit = (await listAudit(admin, { action: 'user.deprovisioned' })).body.events;
    expect(audit).toEqual([
      expect.objectContaining({ actor: { userId: null, deviceId: null }, target: { userId: alice.user.sub, deviceId: null } }),
    ]);
    expect(JSON.parse((await scim(token, 'get', `/Users/${alice.user.sub}`)).text).active).toBe(false);
  });

  it('DEPROV-1 the Okta/Entra PatchOp form and DELETE deprovision too', async () => {
    const { admin, token, alice } = await workspace();
    const entra = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { active: 'False' } }] };
    expect((await scim(token, 'patch', `/Users/${alice.user.sub}`, entra)).status).toBe(200);
    expect((await alice.session()).body.code).toBe('user_deprovisioned');

    const bob = await colleague(admin);
    await bob.becomeTrusted();
    const deleted = await scim(token, 'delete', `/Users/${bob.user.sub}`);
    expect([deleted.status, deleted.text]).toEqual([204, '']);
    expect((await bob.session()).body.code).toBe('user_deprovisioned');
    await waitUntil(async () => {
      const statuses = (await listWorkspaceDevices(admin, { userId: bob.user.sub })).body.devices.map((d: { status: string }) => d.status);
      return statuses.length > 0 && statuses.every((s: string) => s === 'disabled');
    }, 15000);
  });

  it('DEPROV-1 a PatchOp other than deactivation is a SCIM 400 and changes nothing', async () => {
    const { token, alice } = await workspace();
    const cases: Array<[unknown, string]> = [
      [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] }, 'invalidValue'],
      [{ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] }, 'invalidValue'],
      [{ Operations: [{ op: 'replace', path: 'active', value: false }] }, 'invalidSyntax'],
      [{ schemas: [PATCH_OP], Operations: [] }, 'invalidSyntax'],
    ];
    for (const [body, scimType] of cases) expectScimError(await scim(token, 'patch', `/Users/${alice.user.sub}`, body), 400, scimType);
    expectScimError(await scim(token, 'get', `/Users?filter=${encodeURIComponent('userName co "a"')}`), 400, 'invalidFilter');
    const malformed = await request(system.url)
      .patch(`/scim/v2/Users/${alice.user.sub}`)
      .set('authorization', `Bearer ${token}`)
      .set('content-type', 'application/scim+json')
      .send('{"schemas": [');
    expectScimError(malformed, 400, 'invalidSyntax');
    expect((await alice.session()).body.trusted).toBe(true);
  });

  it('DEPROV-1 without a valid token SCIM answers a SCIM 401; a revoked token is refused', async () => {
    const { admin, token, tokenId, alice } = await workspace();
    expectScimError(await scim(null, 'get', `/Users/${alice.user.sub}`), 401);
    expectScimError(await scim('tdscim_not-a-real-token', 'get', `/Users/${alice.user.sub}`), 401);
    expectScimError(await scim(admin.token, 'get', `/Users/${alice.user.sub}`), 401);
    const revoked = await admin.call('delete', `/v1/workspace/scim-tokens/${tokenId}`);
    expect(revoked.status).toBe(204);
    expectScimError(await scim(token, 'get', `/Users/${alice.user.sub}`), 401);
    expectScimError(await scim(token, 'delete', `/Users/${alice.user.sub}`), 401);
    expect((await alice.session()).body.trusted).toBe(true);
    expect((await admin.call('delete', '/v1/workspace/scim-tokens/00000000-0000-4000-8000-000000000000')).body.code).toBe('not_found');
  });

  it("DEPROV-1 a token of workspace A sees and changes nothing of workspace B's users (SCIM 404)", async () => {
    const a = await workspace();
    const b = await workspace();
    expectScimError(await scim(a.token, 'get', `/Users/${b.alice.user.sub}`), 404);
    expectScimError(await scim(a.token, 'patch', `/Users/${b.alice.user.sub}`, deactivate), 404);
    expectScimError(await scim(a.token, 'delete', `/Users/${b.alice.user.sub}`), 404);
    const found = await scim(a.token, 'get', `/Users?filter=${encodeURIComponent(`userName eq "${b.alice.user.email}"`)}`);
    expect(JSON.parse(found.text)).toMatchObject({ totalResults: 0, Resources: [] });
    expect((await b.alice.session()).body.trusted).toBe(true);
  });

  describe('SEC-8 — SCIM tokens are listed, may expire, record their last use, and are audited', () => {
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
    const listTokens = async (admin: ApiClient) => {
      const response = await admin.call('get', '/v1/workspace/scim-tokens');
      expect(response.status).toBe(200);
      return response;
    };

    it('SEC-8 an admin lists the tokens: id, name, creator, created/last used, expiry — never the token; members cannot', async () => {
      const admin = await trustedAdmin(system);
      const expiresAt = inDays(30);
      const named = await admin.call('post', '/v1/workspace/scim-tokens', { body: { name: 'Okta provisioning', expiresAt } });
      expect(named.status).toBe(201);
      expect(named.body).toEqual({ id: expect.any(String), token: expect.any(String) });
      const plain = await scimToken(admin);
      const other = await scimToken(await trustedAdmin(system));

      const listed = await listTokens(admin);
      expect(listed.body.tokens).toHaveLength(2);
      const byId = new Map(listed.body.tokens.map((token: { id: string }) => [token.id, token]));
      expect(byId.get(named.body.id)).toEqual({
        id: named.body.id,
        name: 'Okta provisioning',
        createdAt: expect.any(String),
        createdBy: { userId: admin.user.sub },
        lastUsedAt: null,
        expiresAt,
      });
      expect(byId.get(plain.id)).toMatchObject({
        id: plain.id,
        name: expect.any(String),
        createdBy: { userId: admin.user.sub },
        lastUsedAt: null,
        expiresAt: null,
      });
      for (const secret of [named.body.token, plain.token, other.token]) {
        expect(listed.text).not.toContain(secret);
        expect(listed.text).not.toContain(secret.slice(-20));
      }
      expect(listed.text).not.toContain(other.id);

      const member = await colleague(admin);
      await member.becomeTrusted();
      expect((await member.call('get', '/v1/workspace/scim-tokens')).body.code).toBe('admin_required');
    });

    it('SEC-8 a use is recorded as lastUsedAt; a revoked token leaves the list', async () => {
      const { admin, token, tokenId, alice } = await workspace();
      const before = Date.now();
      expect((await scim(token, 'get', `/Users/${alice.user.sub}`)).status).toBe(200);
      const used = (await listTokens(admin)).body.tokens.find((t: { id: string }) => t.id === tokenId);
      expect(new Date(used.lastUsedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect((await admin.call('delete', `/v1/workspace/scim-tokens/${tokenId}`)).status).toBe(204);
      expect((await listTokens(admin)).body.tokens.map((t: { id: string }) => t.id)).not.toContain(tokenId);
    });

    it('SEC-8 a token past its expiry is refused (SCIM 401); an expiry must be a future time', async () => {
      const admin = await trustedAdmin(system);
      const alice = await colleague(admin);
      await alice.session();
      for (const expiresAt of [new Date(Date.now() - 60_000).toISOString(), 'tomorrow', 12]) {
        const refused = await admin.call('post', '/v1/workspace/scim-tokens', { body: { expiresAt } });
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'expiresAt' })] });
      }
      expect((await admin.call('post', '/v1/workspace/scim-tokens', { body: { name: 'x'.repeat(65) } })).status).toBe(400);
      expect((await listTokens(admin)).body.tokens).toHaveLength(0);

      const shortLived = await admin.call('post', '/v1/workspace/scim-tokens', {
        body: { expiresAt: new Date(Date.now() + 1500).toISOString() },
      });
      expect(shortLived.status).toBe(201);
      await waitUntil(async () => (await scim(shortLived.body.token, 'get', `/Users/${alice.user.sub}`)).status === 401, 10_000, 250);
      expectScimError(await scim(shortLived.body.token, 'get', `/Users/${alice.user.sub}`), 401);
    });

    it('SEC-8 creation, revocation and failed uses (revoked or expired token) are audited with actor, token, IP and user agent', async () => {
      const { admin, token, tokenId, alice } = await workspace();
      expect((await admin.call('delete', `/v1/workspace/scim-tokens/${tokenId}`)).status).toBe(204);
      const refused = await request(system.url)
        .get(`/scim/v2/Users/${alice.user.sub}`)
        .set('authorization', `Bearer ${token}`)
        .set('user-agent', 'Okta SCIM/1.0');
      expect(refused.status).toBe(401);

      const eventsOf = async (action: string) => {
        const response = await listAudit(admin, { action });
        expect(response.status).toBe(200);
        return response.body.events as Array<Record<string, unknown>>;
      };
      expect(await eventsOf('scim_token.created')).toEqual([
        expect.objectContaining({
          action: 'scim_token.created',
          actor: { userId: admin.user.sub, deviceId: admin.deviceId },
          target: { userId: null, deviceId: null, scimTokenId: tokenId },
        }),
      ]);
      expect(await eventsOf('scim_token.revoked')).toEqual([
        expect.objectContaining({
          action: 'scim_token.revoked',
          actor: { userId: admin.user.sub, deviceId: admin.deviceId },
          target: { userId: null, deviceId: null, scimTokenId: tokenId },
        }),
      ]);
      await waitUntil(async () => (await eventsOf('scim_token.use_failed')).length > 0);
      expect(await eventsOf('scim_token.use_failed')).toEqual([
        expect.objectContaining({
          action: 'scim_token.use_failed',
          actor: { userId: null, deviceId: null },
          target: { userId: null, deviceId: null, scimTokenId: tokenId },
          ip: expect.any(String),
          userAgent: 'Okta SCIM/1.0',
        }),
      ]);
    });

    it('SEC-8 a token belongs to the workspace: it keeps working after the admin who created it is deprovisioned', async () => {
      const { admin, token, tokenId, alice } = await workspace();
      const owner = await colleague(admin, 'web', { role: 'owner' });
      await owner.becomeTrusted();
      const deprovisioned = await deprovision(owner, admin.user.sub);
      expect(deprovisioned.status).toBe(202);
      await jobCompleted(owner, deprovisioned.body.jobId);
      expect((await scim(token, 'get', `/Users/${alice.user.sub}`)).status).toBe(200);
      const listed = await listTokens(owner);
      expect(listed.body.tokens).toEqual([expect.objectContaining({ id: tokenId, createdBy: { userId: admin.user.sub } })]);
    });
  });
});
