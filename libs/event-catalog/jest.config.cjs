module.exports = { ...require('../../jest.preset.cjs'), displayName: 'event-catalog', rootDir: __dirname };
