// Server and SPA unit tests; component tests (*.test.tsx) pick jsdom with a @jest-environment docblock.
const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  displayName: 'console',
  rootDir: __dirname,
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022', transform: { react: { runtime: 'automatic' } } }, module: { type: 'commonjs' } },
    ],
  },
  moduleNameMapper: { ...preset.moduleNameMapper, '\\.css$': '<rootDir>/src/web/test-support/style-stub.cjs' },
};
