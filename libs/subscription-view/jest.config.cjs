module.exports = { ...require('../../jest.preset.cjs'), displayName: 'subscription-view', rootDir: __dirname };
