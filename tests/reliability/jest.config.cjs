// Fault suites start the four services as processes and break things under them: one file at a time, generous timeouts.
module.exports = { ...require('../../jest.preset.cjs'), displayName: 'reliability', rootDir: __dirname, testTimeout: 120000, maxWorkers: 1 };
