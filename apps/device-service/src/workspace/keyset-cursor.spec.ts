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
