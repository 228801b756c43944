import { oneStatement } from './row-columns';

describe('oneStatement (issue 12: a change and what it leaves behind in one round trip)', () => {
  it("makes every statement but the last a WITH part, and numbers each one's parameters after those before it", () => {
    const combined = oneStatement([
      { sql: 'UPDATE devices SET status = $2 WHERE id = $1', parameters: ['d-1', 'approved'] },
      { sql: 'INSERT INTO audit_events SELECT $1::jsonb, $2', parameters: ['[a]', 'at'] },
      { sql: 'INSERT INTO outbox SELECT $1::jsonb, $2, $10', parameters: ['[e]', 'at', 1, 2, 3, 4, 5, 6, 7, 'tenth'] },
    ]);
    expect(combined.sql).toBe(
      'WITH s0 AS (UPDATE devices SET status = $2 WHERE id = $1), s1 AS (INSERT INTO audit_events SELECT $3::jsonb, $4) INSERT INTO outbox SELECT $5::jsonb, $6, $14',
    );
    expect(combined.parameters).toEqual(['d-1', 'approved', '[a]', 'at', '[e]', 'at', 1, 2, 3, 4, 5, 6, 7, 'tenth']);
  });

  it('leaves a single statement as it is', () => {
    const single = { sql: 'DELETE FROM outbox WHERE id = $1', parameters: ['x'] };
    expect(oneStatement([single])).toBe(single);
  });
});
