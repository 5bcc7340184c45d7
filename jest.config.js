/** @type {import('jest').Config} */
const transform = { '^.+\\.ts$': ["ts-jest", {}] };

// The fault tier kills and restarts its own PostgreSQL, Temporal, workers and API for minutes, so it is not part
// of `npm test`: it exists only when selected (`npm run test:faults` = `jest --selectProjects faults`).
const argv = process.argv.slice(2);
const faultsSelected = argv.some((arg, i) => (arg === 'faults' && argv[i - 1] === '--selectProjects') || arg === '--selectProjects=faults');

module.exports = {
  // Integration tests wait on real servers; each waits on a condition with its own deadline.
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
    ...(faultsSelected
      ? [
          {
            displayName: 'faults',
            testEnvironment: 'node',
            transform,
            testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
            globalSetup: '<rootDir>/test/faults/global-setup.ts',
            globalTeardown: '<rootDir>/test/faults/global-teardown.ts',
          },
        ]
      : []),
  ],
};
