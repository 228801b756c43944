/**
 * `npm run bench`: starts the system as `npm start` does and prints, at 16 concurrent
 * clients, device setups/s, verifications/s and `GET /v1/devices`/s with p50/p99 latency.
 * Tokens and keys are prepared before each phase; each DPoP proof is signed as its request
 * is sent (a proof is valid for 60 s, KEY-2), as a real client does.
 */
import { createTestEnv, DeviceKey, mintToken, newUser, type TestUserClaims } from '@td/testing';
import { runCascadeBench } from './cascade';
import { MailSink } from './mail-sink';
import { printResult, runLoad } from './load';
import { startSystem } from './system';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const USERS = Number(process.env.BENCH_USERS ?? 200);
const DEVICES_PER_USER = 20;
const LIST_REQUESTS = Number(process.env.BENCH_LIST_REQUESTS ?? 10000);
const PORT = Number(process.env.BENCH_PORT ?? 3900);

interface BenchDevice {
  user: TestUserClaims;
  token: string;
  key: DeviceKey;
  name: string;
  id?: string;
}

async function main(): Promise<void> {
  const testEnv = await createTestEnv();
  const mail = await new MailSink().start();
  const system = await startSystem({ ...testEnv.env, LOG_LEVEL: 'warn', MIGRATIONS_RUN: '', SMTP_URL: mail.url }, PORT);
  const url = (path: string) => `${system.url}${path}`;
  console.log(`Trusted Devices benchmark: ${CONCURRENCY} concurrent clients, ${USERS} users × ${DEVICES_PER_USER} devices\n`);
  try {
    // Setup: every user fills their 20 slots; with no approved device yet, every setup mails a code.
    // Clients set up devices of different people at once (one person's setups queue behind each other
    // by design: the device limit locks the user's row), so the list is interleaved across users.
    const users = await Promise.all(
      Array.from({ length: USERS }, async () => {
        const user = newUser({ role: 'member' });
        return { user, token: await mintToken(testEnv.env.AUTH_JWT_SECRET, user) };
      }),
    );
    const devices: BenchDevice[] = [];
    for (let d = 0; d < DEVICES_PER_USER; d++) {
      for (const [u, { user, token }] of users.entries()) devices.push({ user, token, key: await DeviceKey.create(), name: `bench ${u} #${String(d).padStart(2, '0')}.` });
    }
    const setupCalls = await Promise.all(
      devices.map(async (device) => {
        return async () => {
          const proof = await device.key.proof('POST', url('/v1/devices'), device.token);
          const response = await fetch(url('/v1/devices'), {
            method: 'POST',
            headers: { authorization: `Bearer ${device.token}`, dpop: proof, 'content-type': 'application/json' },
            body: JSON.stringify({ clientType: 'web', name: device.name }),
          });
          const body = (await response.json()) as { device?: { id: string } };
          device.id = body.device?.id;
          return response.status;
        };
      }),
    );
    printResult(await runLoad('POST /v1/devices', setupCalls, CONCURRENCY, [201]));

    // Verify: read each device's code from the mail, as a user would.
    const mailDeadline = Date.now() + 120_000;
    while (devices.some((d) => d.id && !mail.codeFor(d.user.email, d.name)) && Date.now() < mailDeadline) await new Promise((r) => setTimeout(r, 200));
    const verifiable = devices.filter((d) => d.id && mail.codeFor(d.user.email, d.name));
    const verifyCalls = await Promise.all(
      verifiable.map(async (device) => {
        const path = `/v1/devices/${device.id}/verify`;
        const code = mail.codeFor(device.user.email, device.name)!;
        return async () => {
          const proof = await device.key.proof('POST', url(path), device.token);
          const response = await fetch(url(path), {
            method: 'POST',
            headers: { authorization: `Bearer ${device.token}`, dpop: proof, 'content-type': 'application/json' },
            body: JSON.stringify({ code }),
          });
          await response.arrayBuffer();
          return response.status;
        };
      }),
    );
    printResult(await runLoad('POST …/verify', verifyCalls, CONCURRENCY, [200]));

    // List: the web app's "My trusted devices", signed by an approved device.
    const listCalls = await Promise.all(
      Array.from({ length: LIST_REQUESTS }, async (_, i) => {
        const device = verifiable[i % verifiable.length];
        return async () => {
          const proof = await device.key.proof('GET', url('/v1/devices'), device.token);
          const response = await fetch(url('/v1/devices'), { headers: { authorization: `Bearer ${device.token}`, dpop: proof } });
          await response.arrayBuffer();
          return response.status;
        };
      }),
    );
    printResult(await runLoad('GET /v1/devices', listCalls, CONCURRENCY, [200]));
    console.log(`\n${mail.messages.length} emails delivered to the SMTP sink.`);

    // Cascade: many users × 20 devices deprovisioned at once (BENCH_CASCADE_USERS, default 10,000).
    await runCascadeBench(testEnv);
  } finally {
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
