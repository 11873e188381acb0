export { createTestDatabase, type TestDatabase } from './postgres';
export { createTestNats, testNatsUrl, type TestNats } from './nats';
export { startOwnNatsServer, natsServerBinary, type OwnNatsServer } from './nats-server';
export { freePort } from './ports';
export { waitFor } from './wait';
export { dockerAnswers } from './docker';
