export { createDatabase, pingDatabase, type CreateDatabaseOptions } from './database';
export { migrateToLatest, type Migration } from './migrate';
export { encodeCursor, decodeCursor, type KeysetCursor } from './keyset-cursor';
export { isDataError, isInputDataException, isPostgresUnavailable } from './postgres-errors';
