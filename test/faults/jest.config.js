/**
 * `npm run test:faults` (issue 10): the fault suite, apart from `npm test`. It starts its own
 * Postgres, Redis and NATS and runs the built services (`dist/`), so it needs no global setup.
 */
const { projects } = require('../../jest.config.js');
const { moduleNameMapper, transform, moduleFileExtensions } = projects[0];

module.exports = {
  rootDir: '../..',
  displayName: 'faults',
  testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'],
  moduleNameMapper,
  transform,
  moduleFileExtensions,
  testEnvironment: 'node',
  maxWorkers: 1,
  slowTestThreshold: 600,
  // A start that failed half-way can leave pollers behind; the suite kills its own processes on exit.
  forceExit: true,
};
