// Fault suites start the four services as processes and break things under them: one file at a time, generous timeouts.
// The cluster suite (src/cluster) runs on its own target, reliability:cluster (jest.cluster.config.cjs).
const preset = require('../../jest.preset.cjs');
module.exports = {
  ...preset,
  displayName: 'reliability',
  rootDir: __dirname,
  testTimeout: 120000,
  maxWorkers: 1,
  testPathIgnorePatterns: [...preset.testPathIgnorePatterns, '/src/cluster/'],
};
