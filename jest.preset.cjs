// Shared jest settings: swc strips types (tsc type-checks separately), and
// @hookmesh/* imports resolve to the libraries' sources like tsconfig paths do.
const path = require('node:path');

const root = __dirname;
const libs = ['contracts', 'config', 'logging', 'http', 'db', 'messaging', 'telemetry', 'testing', 'lifecycle', 'subscription-view', 'egress', 'rate-limit', 'event-catalog'];

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleNameMapper: {
    ...Object.fromEntries(libs.map((lib) => [`^@hookmesh/${lib}$`, path.join(root, 'libs', lib, 'src', 'index.ts')])),
    // Packaging checks read each service's env schema (apps/<svc>/src/config.ts).
    '^@hookmesh/(subscription-service|event-ingest|dispatcher|audit|console)/config$': path.join(root, 'apps', '$1', 'src', 'config.ts'),
  },
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30000,
  // One Postgres and one NATS container for the run when DATABASE_URL / NATS_URL are unset (libs/testing).
  globalSetup: path.join(root, 'libs', 'testing', 'src', 'jest', 'global-setup.ts'),
  globalTeardown: path.join(root, 'libs', 'testing', 'src', 'jest', 'global-teardown.ts'),
};
