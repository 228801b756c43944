import { createHash } from 'node:crypto';
import { EFF_WORDS, fingerprintOf } from './fingerprint';

describe('device fingerprint', () => {
  const thumbprint = (seed: string) => createHash('sha256').update(seed).digest('base64url');

  it('APPROVE-5 uses the whole EFF long list, in dice order', () => {
    expect(EFF_WORDS).toHaveLength(7776);
    expect(new Set(EFF_WORDS).size).toBe(7776);
    expect(EFF_WORDS[0]).toBe('abacus');
    expect(EFF_WORDS[7775]).toBe('zoom');
  });

  it('APPROVE-5 is five list words, the same for the same key every time', () => {
    const key = thumbprint('device-a');
    const words = fingerprintOf(key).split(' ');
    expect(words).toHaveLength(5);
    for (const word of words) expect(EFF_WORDS).toContain(word);
    expect(fingerprintOf(key)).toBe(fingerprintOf(key));
  });

  it('APPROVE-5 reads five base-7776 digits of SHA-256(thumbprint), least significant first (≥ 40 bits)', () => {
    const key = thumbprint('device-b');
    let value = BigInt(`0x${createHash('sha256').update(key).digest('hex')}`);
    const expected: string[] = [];
    for (let i = 0; i < 5; i++) {
      expected.push(EFF_WORDS[Number(value % 7776n)]);
      value /= 7776n;
    }
    expect(fingerprintOf(key)).toBe(expected.join(' '));
    expect(5 * Math.log2(EFF_WORDS.length)).toBeGreaterThanOrEqual(40);
  });

  it('APPROVE-5 different keys give different words', () => {
    const fingerprints = new Set(Array.from({ length: 500 }, (_, i) => fingerprintOf(thumbprint(`key-${i}`))));
    expect(fingerprints.size).toBe(500);
  });
});
