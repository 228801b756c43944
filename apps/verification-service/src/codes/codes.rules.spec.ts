import { randomBytes } from 'node:crypto';
import { generateCode, hashesEqual, retryAfterSeconds } from './codes.rules';

describe('codes rules', () => {
  it('CODE-1 makes six decimal digits, zero-padded, spread over the whole range', () => {
    const codes = Array.from({ length: 5000 }, generateCode);
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    // 5000 draws from a million values: nearly all distinct, and every leading digit shows up (including 0).
    expect(new Set(codes).size).toBeGreaterThan(4950);
    expect(new Set(codes.map((code) => code[0])).size).toBe(10);
  });

  it('CODE-5 compares digests in constant time and only equal ones match', () => {
    const digest = randomBytes(32).toString('hex');
    const oneNibbleOff = (digest[0] === 'a' ? 'b' : 'a') + digest.slice(1);
    expect(hashesEqual(digest, digest)).toBe(true);
    expect(hashesEqual(digest, oneNibbleOff)).toBe(false);
    expect(hashesEqual(digest, randomBytes(32).toString('hex'))).toBe(false);
    expect(hashesEqual(digest, digest.slice(0, 32))).toBe(false);
    expect(hashesEqual('', '')).toBe(false);
  });

  it('CODE-4 rounds waits up to whole seconds, never to 0', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(29_001)).toBe(30);
    expect(retryAfterSeconds(30_000)).toBe(30);
    expect(retryAfterSeconds(0)).toBe(1);
  });
});
