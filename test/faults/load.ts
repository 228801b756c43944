import { randomUUID } from 'node:crypto';
import type { ClientRequest } from 'node:http';
import type { Response } from 'supertest';
import type { DeviceView } from '@td/contracts';
import { ApiClient, type SystemUnderTest } from '../support/api-client';
import { PUBLIC_URL, sleep, type AppInstance, type Cluster } from './cluster';

/** How long a client keeps retrying one request (503s, resets) before it counts it as lost. */
const GIVE_UP_MS = 60_000;
/** How long a client waits for its code mail before it counts it as never delivered. */
const MAIL_WAIT_MS = 60_000;
/** The bound on a mail's delay (issue 10): from the answer that caused it to its arrival. */
export const MAIL_LATE_MS = 10_000;

export interface Violation {
  phase: string;
  at: number;
  kind: string;
  detail: string;
}

export interface Attempt {
  phase: string;
  op: string;
  gateway: string;
  t0: number;
  t1: number;
  status?: number;
  retryAfter?: string;
  error?: string;
  reusedSocket?: boolean;
}

/** A device whose setup was answered 2xx, and what else the suite was told about it. */
export interface DeviceRecord {
  id: string;
  name: string;
  email: string;
  userSub: string;
  method: 'email_code' | 'approval';
  phase: string;
  setupAnsweredAt: number;
  approvedAnsweredAt?: number;
  /** The device was (per a 2xx) approved by verify or approve. */
  approved: boolean;
}

type Method = 'get' | 'post' | 'patch' | 'delete';

/**
 * What the fault suite saw from the clients' side: every attempt, every 2xx with
 * the effect it promises, and every broken rule, each tagged with the probe
 * (phase) that was running.
 */
export class Journal {
  phase = 'start';
  readonly attempts: Attempt[] = [];
  readonly violations: Violation[] = [];
  readonly devices = new Map<string, DeviceRecord>();
  /** Gateways being stopped on purpose right now: name → signal. */
  readonly stopping = new Map<string, NodeJS.Signals>();
  flowsCompleted = 0;

  violation(kind: string, detail: string, phase = this.phase): void {
    this.violations.push({ phase, at: Date.now(), kind, detail });
  }

  of(phase: string): { attempts: Attempt[]; violations: Violation[] } {
    return { attempts: this.attempts.filter((a) => a.phase === phase), violations: this.violations.filter((v) => v.phase === phase) };
  }
}

/** One client app as the load drives it: requests go through the suite's load balancer, proofs name the public origin. */
class Target implements SystemUnderTest {
  url = '';
  readonly publicUrl = PUBLIC_URL;
  constructor(
    readonly env: Record<string, string>,
    readonly mail: Cluster['mail'],
  ) {}
}

export interface CallResult {
  response: Response;
  /** An earlier attempt may have had its effect (503 or a reset after sending). */
  ambiguous: boolean;
}

/**
 * Sends one logical request the way a careful client does: one Idempotency-Key for all
 * its attempts, a fresh proof each time, retries after a refused connection, a reset,
 * a 503 or a 409 `idempotency_key_in_use` (after its Retry-After). Records every attempt and the rules each answer breaks.
 */
export async function send(
  cluster: Cluster,
  journal: Journal,
  client: ApiClient,
  op: string,
  method: Method,
  path: string,
  body?: unknown,
): Promise<CallResult | null> {
  const target = client.system as Target;
  const idempotencyKey = randomUUID();
  const started = Date.now();
  const phase = journal.phase;
  let ambiguous = false;
  for (;;) {
    if (Date.now() - started > GIVE_UP_MS) {
      journal.violation('request lost', `${op}: no answer but 503s/resets for ${GIVE_UP_MS / 1000} s`, phase);
      return null;
    }
    const gateway: AppInstance = cluster.pickGateway();
    target.url = gateway.url;
    let sent: ClientRequest | undefined;
    const attempt: Attempt = { phase: journal.phase, op, gateway: gateway.name, t0: Date.now(), t1: 0 };
    journal.attempts.push(attempt);
    try {
      const response = await client.call(method, path, {
        body,
        headers: method === 'post' ? { 'idempotency-key': idempotencyKey } : {},
        agent: gateway.agent,
        onRequest: (request) => (sent = request),
      });
      attempt.t1 = Date.now();
      attempt.status = response.status;
      attempt.retryAfter = response.headers['retry-after'];
      if (response.status >= 500 && response.status !== 503)
        journal.violation('500', `${op} answered ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      if (response.status === 503) {
        if (!attempt.retryAfter) journal.violation('503 without Retry-After', `${op} via ${gateway.name}`);
        ambiguous = true;
        await sleep(Math.min(Number(attempt.retryAfter) || 1, 2) * 1000);
        continue;
      }
      if (response.status === 409 && response.body?.code === 'idempotency_key_in_use') {
        // An earlier attempt with this key is still running (or its gateway died and its short lease
        // has not lapsed yet): retry later, as the answer says.
        ambiguous = true;
        await sleep(Math.min(Number(attempt.retryAfter) || 1, 2) * 1000);
        continue;
      }
      return { response, ambiguous };
    } catch (error) {
      attempt.t1 = Date.now();
      const code = (error as { code?: string }).code ?? (error as Error).message;
      attempt.error = code;
      attempt.reusedSocket = sent?.reusedSocket ?? false;
      const refused = code === 'ECONNREFUSED';
      if (!refused) {
        ambiguous = true;
        const stopping = journal.stopping.get(gateway.name);
        // RFC 9112 9.3.1: a request on a reused keep-alive connection the server closed meanwhile is
        // the client's race; any other reset of a request the gateway accepted is a lost answer,
        // unless that gateway was SIGKILLed.
        if (stopping !== 'SIGKILL' && !attempt.reusedSocket) {
          journal.violation(stopping === 'SIGTERM' ? 'accepted request not answered' : 'reset', `${op} via ${gateway.name}: ${code}`);
        }
      }
      await sleep(refused ? 50 : 200);
    }
  }
}

export function newTarget(cluster: Cluster): SystemUnderTest {
  return new Target(cluster.secrets, cluster.mail);
}

let names = 0;
/** A device name unique in the run: mails and rows are matched to devices by it. */
export function deviceName(prefix: string): string {
  return `${prefix}-${(++names).toString(36)}-${randomUUID().slice(0, 6)}`;
}

/** Reads the code from the mail for this device (by its unique name), as its user would. */
export async function codeMail(cluster: Cluster, journal: Journal, device: DeviceRecord): Promise<string | null> {
  try {
    const mail = await cluster.mail.waitFor(
      (m) => m.to.includes(device.email) && m.text.includes(device.name) && /\b\d{6}\b/.test(m.text),
      MAIL_WAIT_MS,
    );
    return /\b(\d{6})\b/.exec(mail.text)![1];
  } catch {
    journal.violation('code mail never delivered', `${device.name}: nothing within ${MAIL_WAIT_MS / 1000} s`, device.phase);
    return null;
  }
}

/** POST /v1/devices, retried safely; 2xx → the device is on record with what it promises. */
export async function setUp(cluster: Cluster, journal: Journal, client: ApiClient, name: string): Promise<DeviceRecord | null> {
  const phase = journal.phase;
  const result = await send(cluster, journal, client, 'setup', 'post', '/v1/devices', { clientType: client.clientType, name });
  if (!result) return null;
  const { response, ambiguous } = result;
  if (response.status === 201 || response.status === 200) {
    const record: DeviceRecord = {
      id: response.body.device.id,
      name,
      email: client.user.email,
      userSub: client.user.sub,
      method: response.body.verification.method,
      phase,
      setupAnsweredAt: Date.now(),
      approved: false,
    };
    journal.devices.set(record.id, record);
    client.device = response.body.device;
    return record;
  }
  journal.violation(
    ambiguous ? 'setup not retry-safe' : 'unexpected answer',
    `setup ${ambiguous ? 'retried after a 503/reset ' : ''}answered ${response.status} ${response.body?.code ?? ''}`,
    phase,
  );
  return null;
}

/**
 * A verify or approve that should make `device` approved. A confirmation works once (CODE-3,
 * APPROVE-2): when an earlier attempt's answer was lost (a reset or 503) and the key's answer was not
 * stored, the retry is refused — 409 `invalid_device_state` (approve), a 4xx (verify) — if the first
 * took effect. The careful client then reads the device; only a device still not approved is a violation.
 */
async function confirm(
  cluster: Cluster,
  journal: Journal,
  client: ApiClient,
  op: 'verify' | 'approve',
  device: DeviceRecord,
  body: object,
): Promise<boolean> {
  const phase = journal.phase;
  const result = await send(cluster, journal, client, op, 'post', `/v1/devices/${device.id}/${op}`, body);
  if (!result) return false;
  const { response, ambiguous } = result;
  const refusedRetry =
    ambiguous &&
    (op === 'approve'
      ? response.status === 409 && response.body?.code === 'invalid_device_state'
      : response.status >= 400 && response.status < 500);
  if (response.status === 200 || (refusedRetry && (await approvedMeanwhile(cluster, journal, client, op, device)))) {
    device.approved = true;
    device.approvedAnsweredAt = Date.now();
    return true;
  }
  journal.violation(
    ambiguous ? `${op} not retry-safe` : 'unexpected answer',
    `${op} ${ambiguous ? 'retried after a 503/reset ' : ''}answered ${response.status} ${response.body?.code ?? ''}${refusedRetry ? ', and the device is not approved' : ''}`,
    phase,
  );
  return false;
}

/** Whether `device` is approved, read as its client can: the verifying device reads its own session, the approver lists its user's devices. */
async function approvedMeanwhile(
  cluster: Cluster,
  journal: Journal,
  client: ApiClient,
  op: 'verify' | 'approve',
  device: DeviceRecord,
): Promise<boolean> {
  const result = await send(cluster, journal, client, `${op} read-back`, 'get', op === 'verify' ? '/v1/session' : '/v1/devices');
  if (result?.response.status !== 200) return false;
  const seen =
    op === 'verify'
      ? (result.response.body.device as DeviceView | null)
      : (result.response.body.devices as DeviceView[]).find((d) => d.id === device.id);
  return seen?.id === device.id && seen.status === 'approved';
}

/**
 * One person's flows of the help article, with a fresh user each time: set up a first
 * device → code mail → verify; set up a second → approve it from the first.
 */
export async function personFlow(
  cluster: Cluster,
  journal: Journal,
  claims: { wid?: string; role?: 'admin' | 'member' } = {},
): Promise<ApiClient | null> {
  const first = await ApiClient.signIn(newTarget(cluster), 'web', claims);
  const device = await setUp(cluster, journal, first, deviceName('web'));
  if (!device) return null;
  const code = await codeMail(cluster, journal, device);
  if (!code) return null;
  if (!(await confirm(cluster, journal, first, 'verify', device, { code }))) return null;
  const second = await first.anotherApp('mobile');
  const pending = await setUp(cluster, journal, second, deviceName('mobile'));
  if (!pending) return null;
  if (pending.method !== 'approval') {
    journal.violation('unexpected answer', `second device of a trusted user got method ${pending.method}`);
    return null;
  }
  if (!(await confirm(cluster, journal, first, 'approve', pending, {}))) return null;
  journal.flowsCompleted++;
  return first;
}

/** A trusted first device only (for admins and cascade victims). */
export async function trustedPerson(
  cluster: Cluster,
  journal: Journal,
  claims: { wid?: string; role?: 'admin' | 'member' } = {},
): Promise<ApiClient | null> {
  const first = await ApiClient.signIn(newTarget(cluster), 'web', claims);
  const device = await setUp(cluster, journal, first, deviceName('web'));
  if (!device) return null;
  const code = await codeMail(cluster, journal, device);
  if (!code) return null;
  return (await confirm(cluster, journal, first, 'verify', device, { code })) ? first : null;
}

/**
 * More devices of a trusted person (a cascade's victim): mobile apps approved by its first
 * device, browser extensions left waiting for their code (SETUP-3: extensions confirm by email).
 */
export async function moreDevices(cluster: Cluster, journal: Journal, person: ApiClient, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const app = await person.anotherApp(i % 3 === 2 ? 'extension' : 'mobile');
    const pending = await setUp(cluster, journal, app, deviceName('victim'));
    if (pending?.method === 'approval') await confirm(cluster, journal, person, 'approve', pending, {});
  }
}

/** Pending devices that nobody approves: the expiry sweepers' work (SETUP-5). */
export async function abandonedDevices(cluster: Cluster, journal: Journal, person: ApiClient, count: number): Promise<DeviceRecord[]> {
  const out: DeviceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const pending = await setUp(cluster, journal, await person.anotherApp('extension'), deviceName('abandoned'));
    if (pending) out.push(pending);
  }
  return out;
}

/** `clients` people running flows back to back until stopped: the bounded steady load. */
export class Load {
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly journal: Journal,
    private readonly clients = 8,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.clients }, () => this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await personFlow(this.cluster, this.journal);
      } catch (error) {
        this.journal.violation('client error', (error as Error).message);
        await sleep(500);
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}
