// Bad-input and security suites start the four services as processes: one file at a time, generous timeouts.
module.exports = { ...require('../../jest.preset.cjs'), displayName: 'security', rootDir: __dirname, testTimeout: 120000, maxWorkers: 1 };
