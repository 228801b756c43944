/**
 * The browser's device key (WEB-6, KEY-1): one ECDSA P-256 key pair per browser
 * profile, the private half non-extractable, kept in IndexedDB as a CryptoKeyPair
 * (structured clone keeps it usable without ever exposing the private key).
 */
const DB_NAME = 'trusted-devices';
const STORE = 'keys';
const KEY_ID = 'device';

export interface DeviceKey {
  keyPair: CryptoKeyPair;
  publicJwk: JsonWebKey;
}

let current: Promise<DeviceKey> | null = null;

export function deviceKey(): Promise<DeviceKey> {
  current ??= loadOrCreate().catch((error: unknown) => {
    current = null;
    throw error;
  });
  return current;
}

/** A disabled, denied or expired device never comes back (KEY-4): its client starts over with a new key. */
export async function replaceDeviceKey(): Promise<DeviceKey> {
  const fresh = await generate();
  await put(fresh.keyPair);
  current = Promise.resolve(fresh);
  return fresh;
}

async function loadOrCreate(): Promise<DeviceKey> {
  const stored = await get();
  if (stored) return { keyPair: stored, publicJwk: await publicJwkOf(stored.publicKey) };
  const fresh = await generate();
  await put(fresh.keyPair);
  return fresh;
}

async function generate(): Promise<DeviceKey> {
  const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  return { keyPair, publicJwk: await publicJwkOf(keyPair.publicKey) };
}

async function publicJwkOf(publicKey: CryptoKey): Promise<JsonWebKey> {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  return { kty, crv, x, y };
}

/** `DPoP` header (KEY-2): ES256 over header.claims; WebCrypto's ECDSA signature is already r||s (IEEE P1363). */
export async function createProof(method: string, path: string, accessToken: string): Promise<string> {
  const { keyPair, publicJwk } = await deviceKey();
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk };
  const claims = {
    htm: method.toUpperCase(),
    htu: location.origin + path.split('?')[0],
    iat: Math.floor(Date.now() / 1000),
    jti: crypto.randomUUID(),
    ath: base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))),
  };
  const signingInput = `${base64url(json(header))}.${base64url(json(claims))}`;
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    keyPair.privateKey,
    new TextEncoder().encode(signingInput),
  );
  return `${signingInput}.${base64url(signature)}`;
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function base64url(data: ArrayBuffer | Uint8Array): string {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB is unavailable'));
  });
}

async function get(): Promise<CryptoKeyPair | undefined> {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const request = db.transaction(STORE, 'readonly').objectStore(STORE).get(KEY_ID);
      request.onsuccess = () => resolve(request.result as CryptoKeyPair | undefined);
      request.onerror = () => reject(request.error ?? new Error('could not read the device key'));
    });
  } finally {
    db.close();
  }
}

async function put(keyPair: CryptoKeyPair): Promise<void> {
  const db = await openDb();
  try {
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).put(keyPair, KEY_ID);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('could not store the device key'));
    });
  } finally {
    db.close();
  }
}
