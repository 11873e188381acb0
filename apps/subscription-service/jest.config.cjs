module.exports = { ...require('../../jest.preset.cjs'), displayName: 'subscription-service', rootDir: __dirname };
