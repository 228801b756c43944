import { Periodic } from './periodic';

/** A run the test ends by hand, and a signal for each run that starts. */
function manualWork() {
  const started: Array<() => void> = [];
  let onStart: (() => void) | null = null;
  let fail = false;
  const work = jest.fn(
    () =>
      new Promise<void>((resolve, reject) => {
        started.push(() => (fail ? reject(new Error('run failed')) : resolve()));
        onStart?.();
      }),
  );
  const nextStart = () => new Promise<void>((resolve) => (onStart = resolve));
  return { work, started, nextStart, failNext: () => (fail = true) };
}

describe('Periodic', () => {
  it('runs the work again only after the run before has ended (never two at once)', async () => {
    const { work, started, nextStart } = manualWork();
    const periodic = new Periodic(work, () => undefined);
    const first = nextStart();
    periodic.start({ everyMs: 1, firstAfterMs: 0 });
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(work).toHaveBeenCalledTimes(1);
    const second = nextStart();
    started[0]();
    await second;
    expect(work).toHaveBeenCalledTimes(2);
    started[1]();
    await periodic.stop();
  });

  it('hands a failed run to onError and keeps running', async () => {
    const { work, started, nextStart, failNext } = manualWork();
    const errors: string[] = [];
    const periodic = new Periodic(work, (error) => errors.push(error.message));
    const first = nextStart();
    periodic.start({ everyMs: 1, firstAfterMs: 0 });
    await first;
    failNext();
    const second = nextStart();
    started[0]();
    await second;
    expect(errors).toEqual(['run failed']);
    started[1]();
    await periodic.stop();
  });

  it('stop() says it is stopping, waits for the run in flight and starts no other', async () => {
    const { work, started, nextStart } = manualWork();
    const periodic = new Periodic(work, () => undefined);
    const first = nextStart();
    periodic.start({ everyMs: 1, firstAfterMs: 0 });
    await first;
    expect(periodic.stopping).toBe(false);
    let stopped = false;
    const stopping = periodic.stop().then(() => (stopped = true));
    expect(periodic.stopping).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    started[0]();
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('runWithin: a run (or a caller between runs) brings the next run forward, never later than everyMs', async () => {
    const { work, started, nextStart } = manualWork();
    const periodic = new Periodic(work, () => undefined);
    const first = nextStart();
    periodic.start({ everyMs: 3_600_000, firstAfterMs: 0 });
    await first;
    // Asked during the run: counts from its end.
    periodic.runWithin(0);
    const second = nextStart();
    started[0]();
    await second;
    expect(work).toHaveBeenCalledTimes(2);
    // Asked while waiting an hour for the next run: it comes now.
    const third = nextStart();
    started[1]();
    await new Promise((resolve) => setImmediate(resolve));
    periodic.runWithin(7_200_000); // later than due: changes nothing
    periodic.runWithin(0);
    await third;
    expect(work).toHaveBeenCalledTimes(3);
    started[2]();
    await periodic.stop();
  });
});
