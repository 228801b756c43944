import { DomainError } from '@td/common';
import { decodeCursor, encodeCursor } from './keyset-cursor';

describe('keyset cursor', () => {
  it('round-trips a position and is opaque base64url', () => {
    const position = { at: '2026-11-28T02:10:40.123456', id: '0b7e8f4c-5d1a-4c1e-9a8e-2f1d3c4b5a69' };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it('no cursor is the first page', () => {
    expect(decodeCursor(undefined)).toBeNull();
    expect(decodeCursor('')).toBeNull();
  });

  it.each(['not-a-cursor', Buffer.from('["x","y"]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')])(
    'a cursor it did not make is validation_failed (%s)',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(DomainError);
      try {
        decodeCursor(cursor);
      } catch (error) {
        expect((error as DomainError).code).toBe('validation_failed');
      }
    },
  );
});

describe('keyset cursor dates', () => {
  const id = '0b7e8f4c-5d1a-4c1e-9a8e-2f1d3c4b5a69';
  it.each(['2026-13-45T25:61:61.000000', '2026-02-30T10:00:00', '2025-02-29T00:00:00', '0000-00-00T00:00:00', '2026-01-01T24:00:00'])(
    'ERR-2 a cursor holding an impossible date (%s) is validation_failed, never a query',
    (at) => {
      expect(() => decodeCursor(Buffer.from(JSON.stringify([at, id])).toString('base64url'))).toThrow(DomainError);
    },
  );

  it('ERR-2 real dates, leap days included, pass', () => {
    for (const at of ['2024-02-29T23:59:59.999999', '2026-12-31T00:00:00'])
      expect(decodeCursor(encodeCursor({ at, id }))).toEqual({ at, id });
  });
});
