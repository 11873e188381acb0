// The offline checks; the images suite (*.images.test.ts) has its own config and target (deploy-checks:images).
const preset = require('../../jest.preset.cjs');
module.exports = { ...preset, displayName: 'deploy-checks', rootDir: __dirname, testPathIgnorePatterns: [...preset.testPathIgnorePatterns, '\\.images\\.test\\.ts$'] };
