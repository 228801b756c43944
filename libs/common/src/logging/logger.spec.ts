import { createLogger, PinoNestLogger } from './logger';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = new PinoNestLogger(
    createLogger('logger-test', level, { stream: { write: (line: string) => lines.push(JSON.parse(line)) } }),
  );
  return { logger, lines };
}

describe('PinoNestLogger (OPS-2)', () => {
  it('writes what its level lets through, with the context Nest passes last; nothing below the level', () => {
    const { logger, lines } = capture('warn');
    logger.log({ msg: 'bus command', subject: 'device.list' }, 'BusCommand');
    logger.debug('details', 'Somewhere');
    logger.warn({ msg: 'slow', ms: 12 }, 'BusCommand');
    logger.error(new Error('broken'), 'ProblemFilter');
    expect(lines.map(({ level, msg, context }) => ({ level, msg, context }))).toEqual([
      { level: 40, msg: 'slow', context: 'BusCommand' },
      { level: 50, msg: 'broken', context: 'ProblemFilter' },
    ]);
    expect(lines[0].ms).toBe(12);
  });

  it('at info the info lines are written too', () => {
    const { logger, lines } = capture('info');
    logger.log({ msg: 'bus command', subject: 'device.list' }, 'BusCommand');
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: 'bus command', subject: 'device.list', context: 'BusCommand' })]);
  });
});
