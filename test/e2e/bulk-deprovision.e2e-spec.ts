import request, { type Response } from 'supertest';
import type { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';
import { colleague, jobCompleted, listAudit, listWorkspaceDevices, trustedAdmin } from '../support/workspace';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const deactivate = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('DEPROV-3 — many users deprovisioned at once (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  /** People of the admin's workspace, each with a trusted web device. */
  async function people(admin: ApiClient, count: number): Promise<ApiClient[]> {
    return Promise.all(
      Array.from({ length: count }, async () => {
        const person = await colleague(admin);
        await person.becomeTrusted();
        return person;
      }),
    );
  }

  const deprovisions = (admin: ApiClient, body: unknown) => admin.call('post', '/v1/workspace/deprovisions', { body });

  async function scimToken(admin: ApiClient): Promise<string> {
    const response = await admin.call('post', '/v1/workspace/scim-tokens');
    expect(response.status).toBe(201);
    return response.body.token;
  }

  function scim(token: string | null, method: 'get' | 'post', path: string, body?: unknown) {
    let req = request(system.url)[method](`/scim/v2${path}`);
    if (token) req = req.set('authorization', `Bearer ${token}`);
    if (body !== undefined)
      req = req.set('content-type', 'application/scim+json').send(typeof body === 'string' ? body : JSON.stringify(body));
    return req;
  }

  const bulk = (token: string | null, Operations: unknown[], extra: Record<string, unknown> = {}) =>
    scim(token, 'post', '/Bulk', { schemas: [BULK_REQUEST], Operations, ...extra });

  function expectScimError(response: Response, status: number, scimType?: string): Record<string, string> {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    const body = JSON.parse(response.text);
    expect(body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: String(status),
      detail: expect.any(String),
      ...(scimType ? { scimType } : {}),
    });
    return body;
  }

  it('DEPROV-3 an admin deprovisions several users in one request: 202 with one job each, refused at once, every device disabled', async () => {
    const admin = await trustedAdmin(system);
    const [alice, bob, carol] = await people(admin, 3);
    const outsider = await trustedAdmin(system);

    const userIds = [alice.user.sub, bob.user.sub, 'nobody-here', outsider.user.sub, alice.user.sub, carol.user.sub];
    const response = await deprovisions(admin, { userIds });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      jobs: [alice, bob, carol].map((person) => ({ userId: person.user.sub, jobId: expect.stringMatching(UUID) })),
      failures: [
        { userId: 'nobody-here', code: 'not_found', detail: expect.any(String) },
        { userId: outsider.user.sub, code: 'not_found', detail: expect.any(String) },
      ],
    });
    for (const person of [alice, bob, carol]) expect((await person.session()).body.code).toBe('user_deprovisioned');
    // Workspace isolation: the other workspace's admin is untouched.
    expect((await outsider.session()).body.trusted).toBe(true);

    for (const { jobId } of response.body.jobs)
      expect(await jobCompleted(admin, jobId)).toMatchObject({ state: 'completed', progress: { disabled: 1, total: 1 } });
    for (const person of [alice, bob, carol]) {
      const statuses = (await listWorkspaceDevices(admin, { userId: person.user.sub })).body.devices.map(
        (d: { status: string }) => d.status,
      );
      expect(statuses).toEqual(['disabled']);
    }

    // Idempotent: the same job ids again, and no second audit entry.
    const again = await deprovisions(admin, { userIds: [carol.user.sub, alice.user.sub] });
    expect(again.status).toBe(202);
    expect(again.body.jobs).toEqual([response.body.jobs[2], response.body.jobs[0]]);
    const single = await admin.call('post', `/v1/workspace/users/${alice.user.sub}/deprovision`);
    expect(single.body.jobId).toBe(response.body.jobs[0].jobId);
    const audit = (await listAudit(admin, { action: 'user.deprovisioned' })).body.events;
    expect(audit).toHaveLength(3);
    expect(audit.every((event: { actor: { userId: string } }) => event.actor.userId === admin.user.sub)).toBe(true);
  });

  it('DEPROV-3 bad bulk bodies are 400 problem+json and change nothing; members get 403', async () => {
    const admin = await trustedAdmin(system);
    const [alice] = await people(admin, 1);
    const tooMany = Array.from({ length: 1001 }, (_, i) => `user-${i}`);
    for (const body of [
      {},
      { userIds: [] },
      { userIds: alice.user.sub },
      { userIds: [alice.user.sub, 7] },
      { userIds: tooMany },
      { userIds: [alice.user.sub], extra: 1 },
    ]) {
      const response = await deprovisions(admin, body);
      expect([response.status, response.body.code, response.headers['content-type']]).toEqual([
        400,
        'validation_failed',
        expect.stringMatching(/^application\/problem\+json/),
      ]);
    }
    const member = await colleague(admin);
    await member.becomeTrusted();
    const refused = await deprovisions(member, { userIds: [alice.user.sub] });
    expect([refused.status, refused.body.code]).toEqual([403, 'admin_required']);
    expect((await alice.session()).body.trusted).toBe(true);
  });

  it('DEPROV-3 ServiceProviderConfig advertises Bulk with its limits; without a token it is a SCIM 401', async () => {
    const admin = await trustedAdmin(system);
    const token = await scimToken(admin);
    const response = await scim(token, 'get', '/ServiceProviderConfig');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(JSON.parse(response.text)).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
    });
    expectScimError(await scim(null, 'get', '/ServiceProviderConfig'), 401);
  });

  it('DEPROV-3 SCIM Bulk: PATCH active false and DELETE deprovision, each operation succeeds or fails on its own, and a repeat answers alike', async () => {
    const admin = await trustedAdmin(system);
    const token = await scimToken(admin);
    const [alice, bob, carol] = await people(admin, 3);
    const otherAdmin = await trustedAdmin(system);
    const stranger = await colleague(otherAdmin);
    await stranger.becomeTrusted();

    const operations = [
      { method: 'PATCH', bulkId: 'a', path: `/Users/${alice.user.sub}`, data: deactivate },
      { method: 'DELETE', bulkId: 'b', path: `/Users/${bob.user.sub}` },
      {
        method: 'PATCH',
        bulkId: 'c',
        path: `/Users/${carol.user.sub}`,
        data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] },
      },
      { method: 'DELETE', bulkId: 'd', path: '/Users/nobody-here' },
      { method: 'DELETE', bulkId: 'e', path: `/Users/${stranger.user.sub}` },
      { method: 'POST', bulkId: 'f', path: '/Users', data: { userName: 'new@example.test' } },
      { method: 'DELETE', bulkId: 'g', path: `/Groups/${carol.user.sub}` },
    ];
    const response = await bulk(token, operations);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/scim\+json/);
    const body = JSON.parse(response.text);
    expect(body.schemas).toEqual([BULK_RESPONSE]);
    const location = (sub: string) => `${system.url}/scim/v2/Users/${sub}`;
    const error = (status: number, scimType?: string) => ({
      schemas: [ERROR_SCHEMA],
      status: String(status),
      detail: expect.any(String),
      ...(scimType ? { scimType } : {}),
    });
    expect(body.Operations).toEqual([
      {
        method: 'PATCH',
        bulkId: 'a',
        location: location(alice.user.sub),
        status: '200',
        response: expect.objectContaining({ id: alice.user.sub, active: false }),
      },
      { method: 'DELETE', bulkId: 'b', location: location(bob.user.sub), status: '204' },
      { method: 'PATCH', bulkId: 'c', location: location(carol.user.sub), status: '400', response: error(400, 'invalidValue') },
      { method: 'DELETE', bulkId: 'd', location: location('nobody-here'), status: '404', response: error(404) },
      { method: 'DELETE', bulkId: 'e', location: location(stranger.user.sub), status: '404', response: error(404) },
      { method: 'POST', bulkId: 'f', status: '501', response: error(501) },
      { method: 'DELETE', bulkId: 'g', status: '400', response: error(400, 'invalidValue') },
    ]);
    expect((await alice.session()).body.code).toBe('user_deprovisioned');
    expect((await bob.session()).body.code).toBe('user_deprovisioned');
    expect((await carol.session()).body.trusted).toBe(true);
    expect((await stranger.session()).body.trusted).toBe(true);

    const again = JSON.parse((await bulk(token, operations.slice(0, 2))).text);
    expect(again.Operations.map((op: { status: string }) => op.status)).toEqual(['200', '204']);
    const audit = (await listAudit(admin, { action: 'user.deprovisioned' })).body.events;
    expect(audit.map((event: { target: { userId: string } }) => event.target.userId).sort()).toEqual([alice.user.sub, bob.user.sub].sort());
    const jobs = await Promise.all([alice, bob].map((person) => admin.call('post', `/v1/workspace/users/${person.user.sub}/deprovision`)));
    for (const job of jobs) expect(await jobCompleted(admin, job.body.jobId)).toMatchObject({ progress: { disabled: 1, total: 1 } });
  });

  it('DEPROV-3 failOnErrors stops the Bulk request at that many errors: later operations do not run', async () => {
    const admin = await trustedAdmin(system);
    const token = await scimToken(admin);
    const [alice] = await people(admin, 1);
    const response = await bulk(
      token,
      [
        { method: 'DELETE', path: '/Users/nobody-here' },
        { method: 'DELETE', path: `/Users/${alice.user.sub}` },
      ],
      { failOnErrors: 1 },
    );
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).Operations).toEqual([expect.objectContaining({ method: 'DELETE', status: '404' })]);
    expect((await alice.session()).body.trusted).toBe(true);
  });

  it('DEPROV-3 SCIM Bulk errors use RFC 7644 forms: 400 for a bad envelope, 413 beyond maxOperations or maxPayloadSize, 401 without a token', async () => {
    const admin = await trustedAdmin(system);
    const token = await scimToken(admin);
    const [alice] = await people(admin, 1);
    const del = { method: 'DELETE', path: `/Users/${alice.user.sub}` };
    expectScimError(await scim(token, 'post', '/Bulk', { Operations: [del] }), 400, 'invalidSyntax');
    expectScimError(await scim(token, 'post', '/Bulk', { schemas: [BULK_REQUEST], Operations: [] }), 400, 'invalidSyntax');
    expectScimError(await scim(token, 'post', '/Bulk', '{"schemas": ['), 400, 'invalidSyntax');
    expectScimError(await bulk(token, [del], { failOnErrors: 0 }), 400, 'invalidValue');
    const tooMany = expectScimError(
      await bulk(
        token,
        Array.from({ length: 1001 }, () => del),
      ),
      413,
    );
    expect(tooMany.detail).toContain('maxOperations');
    const padding = 'x'.repeat(1_100_000);
    const tooLarge = expectScimError(await bulk(token, [{ ...del, bulkId: padding }]), 413);
    expect(tooLarge.detail).toContain('maxPayloadSize');
    expectScimError(await bulk(null, [del]), 401);
    expectScimError(await bulk(admin.token, [del]), 401);
    expect((await alice.session()).body.trusted).toBe(true);
  });
});
