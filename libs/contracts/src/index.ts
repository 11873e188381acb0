// The public surface of @hookmesh/contracts; nothing else is imported from outside.
export * from './primitives';
export * from './events';
export * from './envelope';
export * from './api/common';
export * from './api/subscription';
export * from './api/event-types';
export * from './api/ingest';
export * from './api/audit';
export * from './api/problem';
export * from './api/operational';
export * from './api/routes';
export * from './openapi';
export * from './messages';
export * from './nats';
export * from './headers';
export * from './signing';
export * from './sealing';
