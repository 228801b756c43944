/**
 * `npm run bench` (issue 12): starts the system as `npm start` does, and beside it a floor
 * (bare node:http → one NATS request → a responder doing only the storage work), and runs
 * each scenario against both in the same run, at 16 concurrent clients:
 *   list            GET /v1/devices of a person with 5 devices
 *   first-device    setup → the code from the mail → verify
 *   approval        setup of another device → approve from the trusted one
 *   cascade         N people × 20 devices deprovisioned (POST /v1/workspace/deprovisions)
 *   idle            the whole system at rest
 * and prints throughput, p50/p99, the ratio to the floor and CPU ms per operation per process.
 *
 *   --json               the results as one JSON document on stdout (the table goes to stderr); through
 *                        `npm run bench` stdout also carries the build's output, so prefer --json-file
 *   --json-file PATH     the same JSON document written to PATH
 *   --quick              small counts and a 10 s idle phase (a smoke run)
 *   --warmup-users N     people who first run every flow scenario once on both sides, unmeasured, so
 *                        that neither side is measured while its code is still being compiled (default 30;
 *                        BENCH_WARMUP_USERS; 0 measures cold)
 *   --idle-seconds N     length of the idle phase (default 60; BENCH_IDLE_SECONDS)
 *   --settle-seconds N   how long the system winds down after the last scenario before the idle phase
 *                        (default 60; BENCH_SETTLE_SECONDS): its CPU is reported apart, as "settling"
 *   --cascade-users N    people in the cascade (default 1,000; BENCH_CASCADE_USERS)
 *   --full-cascade       10,000 people × 20 devices, the target of DEPROV-3
 *   --only a,b           only these scenarios (first-device, approval, list, cascade, idle); list needs the
 *                        people the flows leave behind, so it brings approval (and first-device) with it
 * BENCH_CONCURRENCY (16), BENCH_USERS (people per flow scenario, 300: with 150 the first-device phase lasted
 * under 3 s and its ratio swung by a third between runs), BENCH_LIST_REQUESTS (3,000);
 * BENCH_SYSTEM_LOG=path keeps the services' output.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createTestEnv, DeviceKey, freePort, mintToken, newUser, type TestEnv } from '@td/testing';
import { Client } from 'pg';
import { DEVICES_PER_USER, runCascade, runCascadeFloor, seedCascade, type CascadeResult } from './cascade';
import { CpuMeter } from './cpu';
import { startFloor, type Floor } from './floor';
import { call, type Signer } from './http';
import { runLoad, percentile, type LoadResult } from './load';
import { MailSink } from './mail-sink';
import { startSystem } from './system';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string, env: string, fallback: number): number => {
  const i = argv.indexOf(name);
  if (i >= 0) return Number(argv[i + 1]);
  return process.env[env] !== undefined ? Number(process.env[env]) : fallback;
};
const QUICK = flag('--quick');
const JSON_OUT = flag('--json');
const JSON_FILE = argv.includes('--json-file') ? argv[argv.indexOf('--json-file') + 1] : undefined;
const CONCURRENCY = option('--concurrency', 'BENCH_CONCURRENCY', 16);
const USERS = option('--users', 'BENCH_USERS', QUICK ? 60 : 300);
const LIST_REQUESTS = option('--list-requests', 'BENCH_LIST_REQUESTS', QUICK ? 1000 : 3000);
const IDLE_SECONDS = option('--idle-seconds', 'BENCH_IDLE_SECONDS', QUICK ? 10 : 60);
const SETTLE_SECONDS = option('--settle-seconds', 'BENCH_SETTLE_SECONDS', QUICK ? 5 : 60);
const WARMUP_USERS = option('--warmup-users', 'BENCH_WARMUP_USERS', QUICK ? 10 : 30);
const ONLY = argv.includes('--only') ? new Set(argv[argv.indexOf('--only') + 1].split(',')) : null;
const runs = (name: string) =>
  !ONLY ||
  ONLY.has(name) ||
  (ONLY.has('list') && (name === 'approval' || name === 'first-device')) ||
  (ONLY.has('approval') && name === 'first-device');
const CASCADE_USERS = flag('--full-cascade') ? 10_000 : option('--cascade-users', 'BENCH_CASCADE_USERS', QUICK ? 200 : 1000);
/**
 * The bench's thousands of requests a second all come from 127.0.0.1, and its list scenario sends
 * thousands per person: the general limits (SEC-9) are set far above that, explicitly. They are
 * still checked on every request, so their cost is in the figures.
 */
const BENCH_RATE_LIMITS = { RATE_LIMIT_IP_PER_MINUTE: '100000000', RATE_LIMIT_USER_PER_MINUTE: '100000000' };
/** Each person of the flow scenarios ends with 1 + 4 devices: the list scenario's "5 devices". */
const APPROVALS_PER_USER = 4;

const out = (line = '') => (JSON_OUT ? process.stderr : process.stdout).write(`${line}\n`);

interface Person extends Signer {
  email: string;
  index: number;
}

interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
  ops: number;
  errors: number;
  seconds: number;
  statuses?: Record<number, number>;
  /** CPU milliseconds per operation, per process. */
  cpuPerOp: Record<string, number>;
}

interface ScenarioReport {
  name: string;
  unit: string;
  system: Measured;
  floor?: Measured;
  /** System throughput / floor throughput. */
  ratio?: number;
  notes?: Record<string, unknown>;
}

async function people(secret: string, count: number, workspace?: string): Promise<Person[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const claims = newUser({ role: 'member', ...(workspace ? { wid: workspace } : {}) });
      return { token: await mintToken(secret, claims, { expiresIn: '2h' }), key: await DeviceKey.create(), email: claims.email, index };
    }),
  );
}

const deviceName = (person: Person, n: number) => `bench ${person.index} #${String(n).padStart(2, '0')}.`;

class Bench {
  readonly reports: ScenarioReport[] = [];
  private readonly meter: CpuMeter;
  /** False while warming up: scenarios run, nothing is reported. */
  private recording = true;

  constructor(
    private readonly system: { url: string; pid: number },
    private readonly floor: Floor,
    private readonly mail: MailSink,
    testEnv: TestEnv,
  ) {
    const database = new URL(testEnv.databaseUrl).pathname.slice(1);
    this.meter = new CpuMeter(() => [{ pid: system.pid, label: 'npm start launcher' }, ...floor.processes()], database);
  }

  /** Runs `work` and returns CPU ms per operation for the processes of one side (system or floor). */
  async measure<T>(
    side: 'system' | 'floor',
    ops: (result: T) => number,
    work: () => Promise<T>,
  ): Promise<{ result: T; cpuPerOp: Record<string, number> }> {
    const before = this.meter.sample();
    const result = await work();
    const used = CpuMeter.delta(before, this.meter.sample());
    const count = Math.max(1, ops(result));
    const cpuPerOp: Record<string, number> = {};
    for (const [name, ms] of Object.entries(used)) {
      const isFloor = name.startsWith('floor');
      if (side === 'floor' ? isFloor || !this.isSystemProcess(name) : !isFloor) cpuPerOp[name] = ms / count;
    }
    return { result, cpuPerOp };
  }

  private isSystemProcess(name: string): boolean {
    return !['postgres', 'redis (shared)', 'nats (shared)'].includes(name);
  }

  async load(side: 'system' | 'floor', operations: Array<() => Promise<number>>, expected: number[]): Promise<Measured> {
    const { result, cpuPerOp } = await this.measure(
      side,
      (r: LoadResult) => r.ops,
      () => runLoad(operations, CONCURRENCY, expected),
    );
    return { ...result, cpuPerOp };
  }

  add(report: ScenarioReport): void {
    if (!this.recording) return;
    if (report.floor) report.ratio = report.system.perSecond / report.floor.perSecond;
    this.reports.push(report);
    const row = (label: string, m: Measured) =>
      `  ${label.padEnd(7)} ${m.perSecond.toFixed(0).padStart(7)} ${report.unit}/s   p50 ${m.p50.toFixed(1).padStart(7)} ms   p99 ${m.p99.toFixed(1).padStart(7)} ms   ` +
      `(${m.ops} in ${m.seconds.toFixed(1)} s${m.errors ? `, ${m.errors} unexpected: ${JSON.stringify(m.statuses)}` : ''})`;
    out(`${report.name}`);
    out(row('system', report.system));
    if (report.floor) out(row('floor', report.floor));
    if (report.ratio !== undefined) out(`  ratio   ${(report.ratio * 100).toFixed(1)}% of the floor`);
    for (const [key, value] of Object.entries(report.notes ?? {}))
      out(`  ${key}: ${typeof value === 'number' ? value.toFixed(1) : JSON.stringify(value)}`);
  }

  // Scenario: first device — setup, the code from the mail, verify.
  async firstDevice(systemPeople: Person[], floorPeople: Person[]): Promise<void> {
    const codeLags: number[] = [];
    const since = Date.now();
    const system = await this.load(
      'system',
      systemPeople.map((person) => async () => {
        const name = deviceName(person, 0);
        const setup = await call(this.system.url, 'POST', '/v1/devices', person, { clientType: 'web', name });
        if (setup.status !== 201) return setup.status;
        const answered = Date.now();
        const code = await this.mail.waitForCode(person.email, name);
        if (!code) return 0;
        codeLags.push(Date.now() - answered);
        return (await call(this.system.url, 'POST', `/v1/devices/${setup.body.device!.id}/verify`, person, { code })).status;
      }),
      [200],
    );
    const floor = await this.load(
      'floor',
      floorPeople.map((person) => async () => {
        const setup = await call(this.floor.url, 'POST', '/v1/devices', person, { clientType: 'web', name: deviceName(person, 0) });
        if (setup.status !== 201) return setup.status;
        return (await call(this.floor.url, 'POST', `/v1/devices/${setup.body.device!.id}/verify`, person, { code: setup.body.code }))
          .status;
      }),
      [200],
    );
    codeLags.sort((a, b) => a - b);
    const mails = await this.mailsDelivered(since, systemPeople.length * 2);
    this.add({
      name: 'first-device flow (setup → code mail → verify)',
      unit: 'flows',
      system,
      floor,
      notes: { 'code mail lag p50 ms': percentile(codeLags, 50), 'code mail lag p99 ms': percentile(codeLags, 99), mails },
    });
  }

  // Scenario: another device — setup, approve from the trusted one.
  async approval(systemPeople: Person[], floorPeople: Person[]): Promise<void> {
    const since = Date.now();
    const flows = async (base: string, list: Person[]) => {
      const operations: Array<() => Promise<number>> = [];
      // Interleaved across people: one person's setups queue behind each other by design (SETUP-3 locks the user).
      for (let n = 1; n <= APPROVALS_PER_USER; n++) {
        for (const person of list) {
          const key = await DeviceKey.create();
          operations.push(async () => {
            const setup = await call(
              base,
              'POST',
              '/v1/devices',
              { token: person.token, key },
              { clientType: 'web', name: deviceName(person, n) },
            );
            if (setup.status !== 201) return setup.status;
            return (await call(base, 'POST', `/v1/devices/${setup.body.device!.id}/approve`, person, {})).status;
          });
        }
      }
      return operations;
    };
    const system = await this.load('system', await flows(this.system.url, systemPeople), [200]);
    const floor = await this.load('floor', await flows(this.floor.url, floorPeople), [200]);
    const mails = await this.mailsDelivered(since, systemPeople.length * APPROVALS_PER_USER);
    this.add({ name: 'approval flow (setup → approve from a trusted device)', unit: 'flows', system, floor, notes: { mails } });
  }

  // Scenario: GET /v1/devices with 5 devices, signed by a trusted device.
  async list(systemPeople: Person[], floorPeople: Person[], count = LIST_REQUESTS): Promise<void> {
    const requests = (base: string, list: Person[]) =>
      Array.from({ length: count }, (_, i) => async () => (await call(base, 'GET', '/v1/devices', list[i % list.length])).status);
    const system = await this.load('system', requests(this.system.url, systemPeople), [200]);
    const floor = await this.load('floor', requests(this.floor.url, floorPeople), [200]);
    this.add({ name: 'GET /v1/devices (5 devices)', unit: 'req', system, floor });
  }

  /**
   * Every flow scenario once, on both sides, with people of its own and unreported: what the
   * measured scenarios then see is each side's steady cost, not V8 compiling its code on first use.
   */
  async warmUp(systemPeople: Person[], floorPeople: Person[]): Promise<void> {
    if (systemPeople.length === 0) return;
    const started = Date.now();
    this.recording = false;
    try {
      await this.firstDevice(systemPeople, floorPeople);
      await this.approval(systemPeople, floorPeople);
      await this.list(systemPeople, floorPeople, systemPeople.length * 10);
    } finally {
      this.recording = true;
    }
    out(
      `warmed up: every flow scenario once with ${systemPeople.length} other people on each side (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
    );
  }

  async cascade(db: Client, jwtSecret: string): Promise<void> {
    if (CASCADE_USERS <= 0) return;
    const systemSide = await seedCascade(db, jwtSecret, CASCADE_USERS);
    const floorSide = await seedCascade(db, jwtSecret, CASCADE_USERS);
    const asMeasured = (r: CascadeResult, cpuPerOp: Record<string, number>): Measured => ({
      perSecond: r.devicesPerSecond,
      p50: r.seconds * 1000,
      p99: r.seconds * 1000,
      ops: r.devices,
      errors: r.leftEnabled + r.failedRequests,
      seconds: r.seconds,
      cpuPerOp,
    });
    // The floor first: the system's cascade leaves its events to publish and consume for a while.
    const floor = await this.measure(
      'floor',
      (r: CascadeResult) => r.devices,
      () => runCascadeFloor(db, floorSide),
    );
    const system = await this.measure(
      'system',
      (r: CascadeResult) => r.devices,
      () => runCascade(db, this.system.url, systemSide),
    );
    this.add({
      name: `deprovision cascade (${CASCADE_USERS} people × ${DEVICES_PER_USER} devices, until the last device is disabled with its audit row)`,
      unit: 'devices',
      system: asMeasured(system.result, system.cpuPerOp),
      floor: asMeasured(floor.result, floor.cpuPerOp),
      notes: {
        'total s': system.result.seconds,
        'all requests accepted in s': system.result.acceptedSeconds,
        'floor s': floor.result.seconds,
        ...(system.result.failedRequests ? { 'failed requests': system.result.failedRequests } : {}),
        ...(system.result.leftEnabled ? { 'devices left enabled': system.result.leftEnabled } : {}),
      },
    });
  }

  async idle(db: Client): Promise<void> {
    // At rest means after the outbox has been published and the queues have drained.
    const waitStarted = Date.now();
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`);
      if (rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const drainedAfter = (Date.now() - waitStarted) / 1000;
    // ... then the system winds down: the last events consumed, and each process's garbage collector
    // shrinking the heap the load grew (V8 does that in bursts for up to a minute after the
    // allocations stop). That is the load's tail, reported apart; the idle phase starts after it.
    const settling = await this.measure(
      'system',
      () => Math.max(1, SETTLE_SECONDS),
      () => new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000)),
    );
    out(
      `before the idle phase: outbox published after ${drainedAfter.toFixed(1)} s, then ${SETTLE_SECONDS} s of settling at ` +
        `${(systemTotal(settling.cpuPerOp) / 10).toFixed(2)}% of one core`,
    );
    const { cpuPerOp } = await this.measure(
      'system',
      () => IDLE_SECONDS,
      () => new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000)),
    );
    const total = systemTotal(cpuPerOp);
    const measured: Measured = { perSecond: NaN, p50: NaN, p99: NaN, ops: IDLE_SECONDS, errors: 0, seconds: IDLE_SECONDS, cpuPerOp };
    this.reports.push({
      name: `idle (${IDLE_SECONDS} s)`,
      unit: 's',
      system: measured,
      notes: {
        'percent of one core (without shared Redis/NATS)': total / 10,
        'outbox published after s': drainedAfter,
        'settling s': SETTLE_SECONDS,
        'percent of one core while settling (without shared Redis/NATS)': systemTotal(settling.cpuPerOp) / 10,
      },
    });
    out(
      `idle (${IDLE_SECONDS} s): ${(total / 10).toFixed(2)}% of one core (system processes and their Postgres backends; CPU ms per second below)`,
    );
  }

  private async mailsDelivered(
    since: number,
    expected: number,
  ): Promise<{ expected: number; delivered: number; lastArrivedAfterScenarioMs: number }> {
    const ended = Date.now();
    const deadline = ended + 60_000;
    while (this.mail.countSince(since) < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const last = this.mail.messages.reduce((latest, mail) => Math.max(latest, mail.at), since);
    return { expected, delivered: this.mail.countSince(since), lastArrivedAfterScenarioMs: Math.max(0, last - ended) };
  }

  printCpu(): void {
    out('\nCPU milliseconds per operation, per process (per second for idle; "(shared)" = used by everything on the machine):');
    const columns = this.reports.flatMap((report) => [
      { label: short(report.name), values: report.system.cpuPerOp },
      ...(report.floor ? [{ label: `${short(report.name)} floor`, values: report.floor.cpuPerOp }] : []),
    ]);
    const names = [...new Set(columns.flatMap((column) => Object.keys(column.values)))];
    out(`  ${'process'.padEnd(34)}${columns.map((c) => c.label.padStart(14)).join('')}`);
    for (const name of names)
      out(
        `  ${name.padEnd(34)}${columns.map((c) => (c.values[name] === undefined ? '—' : c.values[name].toFixed(3)).padStart(14)).join('')}`,
      );
    out(
      `  ${'total'.padEnd(34)}${columns
        .map((c) =>
          Object.values(c.values)
            .reduce((a, b) => a + b, 0)
            .toFixed(3)
            .padStart(14),
        )
        .join('')}`,
    );
  }
}

/** CPU ms of the system's own processes (and their Postgres backends), without the shared Redis and NATS. */
const systemTotal = (cpuPerOp: Record<string, number>) =>
  Object.entries(cpuPerOp)
    .filter(([name]) => !name.includes('(shared)'))
    .reduce((sum, [, ms]) => sum + ms, 0);

const short = (name: string) => name.split(' (')[0].replace('GET /v1/devices', 'list').replace(' flow', '').replace('deprovision ', '');

async function main(): Promise<void> {
  const testEnv = await createTestEnv();
  const mail = await new MailSink().start();
  const jwtSecret = testEnv.env.AUTH_JWT_SECRET;
  const [port, floorPort] = [await freePort(), await freePort()];
  const system = await startSystem(
    {
      ...testEnv.env,
      LOG_LEVEL: 'warn',
      MIGRATIONS_RUN: '',
      SMTP_URL: mail.url,
      SETUP_MAX_PER_HOUR: '10000',
      OPS_DASHBOARD: 'false',
      ...BENCH_RATE_LIMITS,
    },
    port,
  );
  let floor: Floor | null = null;
  const db = new Client({ connectionString: testEnv.databaseUrl });
  const startedAt = new Date().toISOString();
  try {
    floor = await startFloor(testEnv, floorPort);
    await db.connect();
    out(
      `Trusted Devices benchmark: ${CONCURRENCY} clients; ${USERS} people per flow scenario; ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}\n`,
    );
    const bench = new Bench(system, floor, mail, testEnv);
    const [systemPeople, floorPeople] = [await people(jwtSecret, USERS), await people(jwtSecret, USERS)];
    if (runs('first-device')) await bench.warmUp(await people(jwtSecret, WARMUP_USERS), await people(jwtSecret, WARMUP_USERS));
    if (runs('first-device')) await bench.firstDevice(systemPeople, floorPeople);
    if (runs('approval')) await bench.approval(systemPeople, floorPeople);
    if (runs('list')) await bench.list(systemPeople, floorPeople);
    if (runs('cascade')) await bench.cascade(db, jwtSecret);
    if (runs('idle')) await bench.idle(db);
    bench.printCpu();
    const document = `${JSON.stringify({ startedAt, cores: cpus().length, loadAverage: loadavg(), concurrency: CONCURRENCY, users: USERS, listRequests: LIST_REQUESTS, cascadeUsers: CASCADE_USERS, warmupUsers: WARMUP_USERS, settleSeconds: SETTLE_SECONDS, idleSeconds: IDLE_SECONDS, scenarios: bench.reports }, null, 2)}\n`;
    if (JSON_OUT) process.stdout.write(document);
    if (JSON_FILE) writeFileSync(JSON_FILE, document);
  } finally {
    await db.end().catch(() => undefined);
    await floor?.stop();
    await system.stop();
    await mail.stop();
    await testEnv.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
