// The cluster fault suite (src/cluster): the services on a 3-node nats-server cluster. Its own target
// (reliability:cluster, run by .ci/run), so `npm test` does not pay for it; jest.config.cjs leaves it out.
const base = require('./jest.config.cjs');
module.exports = { ...base, displayName: 'reliability-cluster', testMatch: ['<rootDir>/src/cluster/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '/dist/'], testTimeout: 240000 };
