// The console in a real browser (Debian's chromium through playwright-core) against the platform's processes.
module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'console-e2e', rootDir: __dirname, testTimeout: 120000, maxWorkers: 1 };
