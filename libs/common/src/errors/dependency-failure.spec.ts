import { QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isDependencyFailure } from './dependency-failure';

describe('isDependencyFailure (ERR-3)', () => {
  it('ERR-3 a transaction whose Postgres connection was terminated under it (restart) is a dependency failure, not a 500', () => {
    // What TypeORM throws at the next query of a transaction once Postgres ended its connection
    // ("terminating connection due to administrator command"); the fault suite saw it answered 500.
    expect(isDependencyFailure(new QueryRunnerProviderAlreadyReleasedError())).toBe(true);
  });

  it('ERR-3 network errors and Postgres connection SQLSTATEs count; a programming error does not', () => {
    expect(isDependencyFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDependencyFailure(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(
      true,
    );
    expect(isDependencyFailure(new TypeError('cannot read properties of undefined'))).toBe(false);
  });
});
