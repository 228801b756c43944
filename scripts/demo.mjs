#!/usr/bin/env node
// `npm run demo`: the help article's flows against a running local system (`npm start`),
// step by step: sign in with dev login, set up a first device, read the code from the
// mail catcher, verify; set up a second device and approve it from the first.
// With AUTH_JWT_SECRET in the environment it signs its own access token as the identity provider
// would (HS256) instead of using dev login — how `npm run containers` drives the production images.
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';

const api = process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
const mailApi = process.env.MAIL_WEB_URL ?? 'http://127.0.0.1:1080';
const email = process.argv[2] ?? `newcomer-${randomUUID().slice(0, 6)}@example.com`;

// Colour only on a terminal (and never with NO_COLOR): piped output stays plain text.
const bold = process.stdout.isTTY && !process.env.NO_COLOR ? (text) => `\x1b[1m${text}\x1b[0m` : (text) => text;
const step = (n, text) => console.log(`\n${bold(`${n}. ${text}`)}`);

// Any failure is one line that says what to do, not a stack trace.
process.on('uncaughtException', (error) => {
  console.error(`\nnpm run demo: ${error.message}`);
  process.exit(1);
});
const show = (label, value) => console.log(`   ${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);

async function newDevice(label) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { label, privateKey, jwk, thumbprint: await calculateJwkThumbprint(jwk) };
}

async function call(method, path, { token, device, body } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (device) {
    const claims = { htm: method, htu: `${api}${path}`, iat: Math.floor(Date.now() / 1000), jti: randomUUID() };
    if (token) claims.ath = createHash('sha256').update(token).digest('base64url');
    headers.dpop = await new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: device.jwk }).sign(device.privateKey);
  }
  let response;
  try {
    response = await fetch(`${api}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  } catch (error) {
    const reason = error.cause?.code ?? error.message;
    throw new Error(
      `could not reach Trusted Devices at ${api} (${reason}). Is \`npm start\` running? Set PORT or PUBLIC_URL to where it runs.`,
    );
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${json?.code ?? ''}: ${json?.detail ?? text}`);
  return json;
}

async function codeFromMail(to, deviceName) {
  for (let i = 0; i < 50; i++) {
    const mails = await fetch(`${mailApi}/email`).then(
      (r) => r.json(),
      () => [],
    );
    const mail = mails.reverse().find((m) => m.to?.some((t) => t.address === to) && (m.text ?? '').includes(deviceName));
    const code = mail && /\b(\d{6})\b/.exec(mail.text)?.[1];
    if (code) return code;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no code mail for ${to} in the mail catcher at ${mailApi} (is npm start running with its mail catcher?)`);
}

async function signIn() {
  const secret = process.env.AUTH_JWT_SECRET;
  if (!secret) return (await call('POST', '/v1/dev/token', { body: { email } })).accessToken;
  const id = randomUUID().slice(0, 8);
  const claims = { wid: `ws-${id}`, email, preferred_username: email.split('@')[0], role: 'member' };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(`user-${id}`)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}

step(1, `Sign in as ${email} (${process.env.AUTH_JWT_SECRET ? 'token signed with AUTH_JWT_SECRET' : 'dev login'})`);
const token = await signIn();
const session = await call('GET', '/v1/session', { token });
show('trusted', session.trusted);
show('setupRequired', session.setupRequired);

step(2, 'Strengthen your account security → Start → Name your device → Next (first browser)');
const first = await newDevice('first browser');
const setup1 = await call('POST', '/v1/devices', { token, device: first, body: { clientType: 'web', name: 'Demo laptop - Chrome' } });
show('device', `${setup1.device.name} (${setup1.device.status})`);
show('verification', setup1.verification);

step(3, `Verify your device: read the code from the mail catcher (${mailApi})`);
const code = await codeFromMail(email, setup1.device.name);
show('code', code);
const verified = await call('POST', `/v1/devices/${setup1.device.id}/verify`, { token, device: first, body: { code } });
show('status', verified.device.status);
show('session', (await call('GET', '/v1/session', { token, device: first })).trusted ? 'trusted' : 'not trusted');

step(4, 'Set up a second browser: Verify your identity');
const second = await newDevice('second browser');
const setup2 = await call('POST', '/v1/devices', { token, device: second, body: { clientType: 'web' } });
show('device', `${setup2.device.name} (${setup2.device.status})`);
show('approve from', setup2.verification.approvers);
show('fingerprint', setup2.device.fingerprint);

step(5, 'On the first browser: My trusted devices shows the request with the same words');
const list = await call('GET', '/v1/devices', { token, device: first });
const pending = list.devices.find((d) => d.id === setup2.device.id);
show('pending', `${pending.name}: "${pending.fingerprint}" from ${pending.lastIp ?? 'unknown IP'}`);

step(6, 'Approve it from the first browser');
const approved = await call('POST', `/v1/devices/${setup2.device.id}/approve`, { token, device: first, body: {} });
show('status', `${approved.device.status} (approvedVia ${approved.device.approvedVia})`);
show('second session', (await call('GET', '/v1/session', { token, device: second })).trusted ? 'trusted' : 'not trusted');

console.log(`\nDone. Both devices are in My trusted devices; the security emails are in the mail catcher (${mailApi}).`);
