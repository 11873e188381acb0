module.exports = { ...require('../../jest.preset.cjs'), displayName: 'event-ingest', rootDir: __dirname };
