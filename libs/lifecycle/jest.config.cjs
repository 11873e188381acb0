module.exports = { ...require('../../jest.preset.cjs'), displayName: 'lifecycle', rootDir: __dirname };
