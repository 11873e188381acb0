// End-to-end suites start the four services as processes: one file at a time, generous timeouts.
module.exports = { ...require('../../jest.preset.cjs'), displayName: 'e2e', rootDir: __dirname, testTimeout: 120000, maxWorkers: 1 };
