import { LogCapture, type LogLine } from '@td/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';

const wrongCodeFor = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('OPS-2 — access and command logs, one request id across the services', () => {
  const logs = new LogCapture();
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({ LOG_LEVEL: 'info' }, {}, { logStream: logs });
  });
  afterAll(() => system.stop());

  // All the apps run in this one process, where Nest's `Logger` instances write through the app logger set
  // last (the gateway's): the `service` field cannot tell them apart here, the subject does (its prefix names
  // the service that serves it), and only the gateway writes access lines.
  const accessLine = (requestId: string) => (line: LogLine) => line.msg === 'request completed' && line.requestId === requestId;
  const commandLine = (subject: string, requestId: string) => (line: LogLine) =>
    line.msg === 'bus command' && line.subject === subject && line.requestId === requestId;

  it('OPS-2 one HTTP request: exactly one access line with its request id, the same id on the command lines of device-service and verification-service, and no token, proof or code anywhere', async () => {
    const web = await ApiClient.signIn(system);
    const { code } = await web.nextCode(() => web.setUp());
    const requestId = `ops2-${randomUUID()}`;
    const proof = await web.proofFor('post', `/v1/devices/${web.deviceId}/verify`);

    const response = await web.call('post', `/v1/devices/${web.deviceId}/verify`, {
      body: { code },
      proof,
      headers: { 'x-request-id': requestId },
    });

    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe(requestId);
    const access = await logs.next(accessLine(requestId));
    expect(access).toMatchObject({ level: 30, req: { method: 'POST', path: `/v1/devices/${web.deviceId}/verify` }, res: { status: 200 } });
    expect(typeof access.durationMs).toBe('number');
    expect(logs.lines.filter(accessLine(requestId))).toHaveLength(1);
    // device-service's line, and verification-service's for the command device-service sent it in turn.
    const command = await logs.next(commandLine('device.verify', requestId));
    expect(command).toMatchObject({ outcome: 'ok', level: 30 });
    expect(typeof command.durationMs).toBe('number');
    expect(logs.lines.filter(commandLine('device.verify', requestId))).toHaveLength(1);
    expect(await logs.next(commandLine('verification.check-code', requestId))).toMatchObject({ outcome: 'ok' });

    for (const secret of [web.token, proof, code]) expect(logs.text).not.toContain(secret);
  });

  it('OPS-2 a refused command: the access line has the status, the command line the error code', async () => {
    const web = await ApiClient.signIn(system);
    const { code } = await web.nextCode(() => web.setUp());
    const requestId = `ops2-${randomUUID()}`;

    const response = await web.call('post', `/v1/devices/${web.deviceId}/verify`, {
      body: { code: wrongCodeFor(code) },
      headers: { 'x-request-id': requestId },
    });

    expect([response.status, response.body.code]).toEqual([400, 'code_invalid']);
    expect(await logs.next(accessLine(requestId))).toMatchObject({ res: { status: 400 } });
    expect(await logs.next(commandLine('device.verify', requestId))).toMatchObject({ outcome: 'code_invalid' });
    expect(logs.text).not.toContain(wrongCodeFor(code));
  });

  it('OPS-2 a request without an id (or with an unusable one) gets a fresh one, echoed and logged; its query is not logged', async () => {
    const web = await ApiClient.signIn(system);
    const secret = randomUUID();
    const response = await web.call('get', `/v1/devices?code=${secret}&token=${secret}`, {
      proof: false,
      headers: { 'x-request-id': 'not a usable id' },
    });

    expect(response.status).toBe(200);
    const requestId = response.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await logs.next(accessLine(requestId))).toMatchObject({ req: { method: 'GET', path: '/v1/devices' } });
    expect(logs.lines.filter(accessLine(requestId))).toHaveLength(1);
    expect(logs.text).not.toContain(secret);
    expect(logs.text).not.toContain(web.token);
  });

  it('OPS-2 probes (/health, /metrics) and their pings are not logged at info', async () => {
    const live = await request(system.url).get('/health/live');
    const ready = await request(system.url).get('/health/ready');
    const metrics = await request(system.url).get('/metrics');
    // A later request's line is the signal that the probes' lines, if any, were written before it.
    const marker = await request(system.url).get('/v1/session');

    expect([live.status, ready.status, metrics.status, marker.status]).toEqual([200, 200, 200, 401]);
    await logs.next(accessLine(marker.headers['x-request-id']));
    for (const probe of [live, ready, metrics])
      expect(logs.lines.filter((line) => line.requestId === probe.headers['x-request-id'])).toEqual([]);
    expect(logs.lines.filter((line) => line.msg === 'bus command' && String(line.subject).endsWith('.ping'))).toEqual([]);
  });
});
