import { DomainError } from '@td/common';
import { defaultDeviceName, describeUserAgent, nameCandidate, normaliseDeviceName } from './device-name';

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';

function rejection(raw: string): DomainError {
  try {
    normaliseDeviceName(raw);
  } catch (error) {
    return error as DomainError;
  }
  throw new Error(`"${raw}" was accepted`);
}

describe('device names', () => {
  it('SETUP-2 trims and NFC-normalises', () => {
    expect(normaliseDeviceName('  Laptop  ')).toBe('Laptop');
    const decomposed = 'Cafe\u0301';
    expect(normaliseDeviceName(decomposed)).toBe('Caf\u00e9');
  });

  it('SETUP-2 accepts 1 to 64 characters, counted as code points', () => {
    expect(normaliseDeviceName('x')).toBe('x');
    expect(normaliseDeviceName('é'.repeat(64))).toHaveLength(64);
    expect(normaliseDeviceName('😀'.repeat(64))).toBe('😀'.repeat(64));
    expect(rejection('x'.repeat(65)).body).toMatchObject({ code: 'validation_failed', extensions: { errors: [{ field: 'name' }] } });
    expect(rejection('   ').code).toBe('validation_failed');
    expect(rejection('').code).toBe('validation_failed');
  });

  it('SETUP-2 refuses control characters, line separators and bidi overrides', () => {
    for (const bad of ['a\u0000b', 'tab\there', 'new\nline', 'del\u007f', 'c1\u0085', 'ls\u2028x', 'rlo\u202Egpj.exe', 'iso\u2066x']) {
      expect(rejection(bad).code).toBe('validation_failed');
    }
    expect(normaliseDeviceName('family 👨‍👩‍👧 phone')).toBe('family 👨‍👩‍👧 phone');
  });

  it('SETUP-2 default name is "{username} {app} - {os}/{browser}"', () => {
    const { os, browser } = describeUserAgent(CHROME_MAC);
    expect(defaultDeviceName('alice', 'web', os, browser)).toBe('alice Web app - macOS/Chrome');
    const firefox = describeUserAgent(FIREFOX_WINDOWS);
    expect(defaultDeviceName('bob', 'extension', firefox.os, firefox.browser)).toBe('bob Browser extension - Windows/Firefox');
    expect(defaultDeviceName('carol', 'mobile', 'iOS', 'Unknown')).toBe('carol Mobile app - iOS/Unknown');
  });

  it('SETUP-2 OS and browser are Unknown when the User-Agent does not tell', () => {
    expect(describeUserAgent(null)).toEqual({ os: 'Unknown', browser: 'Unknown' });
    expect(describeUserAgent('curl/8.5.0')).toEqual({ os: 'Unknown', browser: 'Unknown' });
  });

  it('SETUP-2 suffixes " (2)", " (3)"… and cuts long names to fit 64 characters', () => {
    expect(nameCandidate('alice Web app - macOS/Chrome', 1)).toBe('alice Web app - macOS/Chrome');
    expect(nameCandidate('alice Web app - macOS/Chrome', 2)).toBe('alice Web app - macOS/Chrome (2)');
    const long = defaultDeviceName('u'.repeat(80), 'web', 'macOS', 'Chrome');
    expect(Array.from(long)).toHaveLength(64);
    const suffixed = nameCandidate(long, 13);
    expect(Array.from(suffixed)).toHaveLength(64);
    expect(suffixed.endsWith(' (13)')).toBe(true);
  });

  it('SETUP-2 a default name never carries control characters from the username', () => {
    expect(defaultDeviceName('ali\u0000ce\n', 'web', 'Linux', 'Firefox')).toBe('alice Web app - Linux/Firefox');
  });
});
