export { createDatabase, pingDatabase, type CreateDatabaseOptions } from './database';
export { migrateToLatest, type Migration } from './migrate';
