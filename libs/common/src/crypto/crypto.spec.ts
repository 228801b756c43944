import { randomBytes } from 'node:crypto';
import { codeHash } from './code-hash';
import { isCanonicalBase64url32 } from './canonical-base64url';
import { deriveKey } from './keys';
import { sealCode, SealError, unsealCode } from './seal';

const secret = randomBytes(32).toString('hex');
const bound = 'code-mail\u0000ws-1\u0000user-1';

describe('sealCode / unsealCode', () => {
  it('CODE-2 round-trips a code through the sealed form', () => {
    const sealed = sealCode(secret, '042917', bound);
    expect(unsealCode(secret, sealed, bound)).toBe('042917');
  });

  it('CODE-2 hides the code: base64url iv.ciphertext.tag, a fresh IV each time', () => {
    const a = sealCode(secret, '123456', bound);
    const b = sealCode(secret, '123456', bound);
    expect(a).toMatch(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('123456');
  });

  it('CODE-2 detects tampering with any part', () => {
    const sealed = sealCode(secret, '123456', bound);
    const parts = sealed.split('.');
    for (let i = 0; i < 3; i++) {
      const bytes = Buffer.from(parts[i], 'base64url');
      bytes[0] ^= 0x01;
      const tampered = parts.map((part, j) => (j === i ? bytes.toString('base64url') : part)).join('.');
      expect(() => unsealCode(secret, tampered, bound)).toThrow(SealError);
    }
  });

  it('CODE-2 refuses another key and malformed input', () => {
    const sealed = sealCode(secret, '123456', bound);
    expect(() => unsealCode(randomBytes(32).toString('hex'), sealed, bound)).toThrow(SealError);
    expect(() => unsealCode(secret, 'not-sealed', bound)).toThrow(SealError);
    expect(() => unsealCode(secret, 'a.b.c', bound)).toThrow(SealError);
  });

  it('SEC-2 opens only in the context it was bound to (a code mail re-addressed to another user)', () => {
    const sealed = sealCode(secret, '123456', bound);
    expect(() => unsealCode(secret, sealed, 'code-mail\u0000ws-1\u0000user-2')).toThrow(SealError);
    expect(() => unsealCode(secret, sealed, '')).toThrow(SealError);
  });
});

describe('codeHash', () => {
  const deviceId = '7b0f8a54-8f1e-4d59-9a43-0c1b6f7d2e11';

  it('CODE-1 is a keyed hash: 64 hex characters, stable for one key, different for another', () => {
    const hash = codeHash(secret, deviceId, '123456');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(codeHash(secret, deviceId, '123456')).toBe(hash);
    expect(codeHash(randomBytes(32).toString('hex'), deviceId, '123456')).not.toBe(hash);
    expect(hash).not.toContain('123456');
  });

  it('CODE-7 binds the code to its device', () => {
    expect(codeHash(secret, deviceId, '123456')).not.toBe(codeHash(secret, '0c3e7d1a-2b4f-4e6a-8c9d-1f2a3b4c5d6e', '123456'));
  });

  it('CODE-5 gives unrelated hashes for codes one digit apart', () => {
    const a = codeHash(secret, deviceId, '123456');
    const b = codeHash(secret, deviceId, '123457');
    expect(a).not.toBe(b);
    expect(a.length).toBe(b.length);
  });

  it('CODE-1 hashes and seals under separate keys derived from one secret', () => {
    expect(deriveKey(secret, 'td:code-hash').equals(deriveKey(secret, 'td:mail-seal'))).toBe(false);
    expect(deriveKey(secret, 'td:code-hash')).toHaveLength(32);
  });
});

describe('isCanonicalBase64url32', () => {
  it('SEC-6 accepts exactly the spellings that decode to 32 bytes and re-encode to themselves', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const stem = randomBytes(32).toString('base64url').slice(0, 42);
    for (const last of alphabet) {
      const value = stem + last;
      const bytes = Buffer.from(value, 'base64url');
      expect(isCanonicalBase64url32(value)).toBe(bytes.length === 32 && bytes.toString('base64url') === value);
    }
    const canonical = randomBytes(32).toString('base64url');
    expect(isCanonicalBase64url32(canonical)).toBe(true);
    for (const other of [
      `${canonical}=`,
      Buffer.from(canonical, 'base64url').toString('base64'),
      randomBytes(33).toString('base64url'),
      canonical.slice(1),
      42,
    ]) {
      expect(isCanonicalBase64url32(other)).toBe(false);
    }
  });
});
