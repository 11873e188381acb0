// The images suite (tools/images/test.sh builds the images first): slow, needs a container engine, not part of `npm test`.
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'images',
  rootDir: __dirname,
  testMatch: ['**/*.images.test.ts'],
  testTimeout: 120000,
  maxWorkers: 1,
};
