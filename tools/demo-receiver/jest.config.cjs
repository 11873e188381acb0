module.exports = { ...require('../../jest.preset.cjs'), displayName: 'demo-receiver', rootDir: __dirname };
