// Public surface of @hookmesh/event-catalog: JSON Schema checks of registered types and the in-process catalog.
export { compileDataSchema, MAX_ISSUES, type CompiledSchema, type DataValidator } from './data-schema';
export { checkEventTypeDefinition, type CheckedDefinition } from './definition';
export { createDataValidators, isLive, lookupEventType, mappingOf, type CatalogEntry, type DataValidators, type RegisteredTypes } from './catalog';
export { issuesFromAjv, issuesFromZodError, type CatalogIssue } from './issues';
