import { backoffMs } from './backoff';
import { settlesWithin, withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('answers what the promise answers when it settles in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, () => new Error('late'))).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('own')), 1000, () => new Error('late'))).rejects.toThrow('own');
  });

  it('ERR-3 rejects with the given error when the promise never settles', async () => {
    await expect(withTimeout(new Promise(() => undefined), 10, () => new Error('did not answer'))).rejects.toThrow('did not answer');
  });

  it('settlesWithin says whether a promise settled (either way) in time', async () => {
    await expect(settlesWithin(Promise.resolve(), 1000)).resolves.toBe(true);
    await expect(settlesWithin(Promise.reject(new Error('x')), 1000)).resolves.toBe(true);
    await expect(settlesWithin(new Promise(() => undefined), 10)).resolves.toBe(false);
  });
});

describe('backoffMs', () => {
  it('doubles from the base per failure and stops at the ceiling', () => {
    expect([0, 1, 2, 3, 6, 100].map((failures) => backoffMs(failures, 100, 5000))).toEqual([100, 200, 400, 800, 5000, 5000]);
  });
});
