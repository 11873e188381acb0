// The catalog as a process holds it: the nine built-in types from the contracts, registered ones from the
// subscription state, and each registered type's validator compiled once per version.
import { eventTypes, isBuiltinMessageType, type BuiltinMessageType, type EventTypeMapping, type EventTypeState } from '@hookmesh/contracts';
import { compileDataSchema, type DataValidator } from './data-schema';
import { issuesFromZodError, type CatalogIssue } from './issues';

/** A live or archived type: built-in (zod) or registered (JSON Schema, from the subscription state). */
export type CatalogEntry = { builtin: true; name: BuiltinMessageType } | { builtin: false; name: string; state: EventTypeState };

/** Where a process reads the registered types from (the subscription view). */
export type RegisteredTypes = (name: string) => EventTypeState | undefined;

/** The entry of `name`: built-in first (a registered name can never shadow one), then the registered types. */
export function lookupEventType(name: string, registered: RegisteredTypes): CatalogEntry | undefined {
  if (isBuiltinMessageType(name)) return { builtin: true, name };
  const state = registered(name);
  return state === undefined ? undefined : { builtin: false, name, state };
}

/** Whether an entry takes new callbacks and new events. */
export function isLive(entry: CatalogEntry): boolean {
  return entry.builtin || !entry.state.archived;
}

/** The reference fields (thin body, ordering key) of an entry. */
export function mappingOf(entry: CatalogEntry): EventTypeMapping {
  if (entry.builtin) return eventTypes[entry.name].mapping;
  return {
    ...(entry.state.thin === undefined ? {} : { thin: entry.state.thin }),
    ...(entry.state.ordering_key === undefined ? {} : { ordering_key: entry.state.ordering_key }),
  };
}

export interface DataValidators {
  /** The issues of `data` under its type, each path starting with `pathPrefix`; empty when it fits. */
  validate(entry: CatalogEntry, data: unknown, pathPrefix: string): CatalogIssue[];
}

/**
 * Validators for every type: zod for the built-in ones, a compiled JSON Schema per registered type and version
 * (compiled on first use, replaced when a newer version shows up). A registered schema that does not compile was
 * refused at registration; should one arrive anyway, every event of it is refused rather than let through.
 */
export function createDataValidators(): DataValidators {
  const compiled = new Map<string, { version: number; validate: DataValidator }>();
  const validatorOf = (state: EventTypeState): DataValidator => {
    const known = compiled.get(state.message_type);
    if (known !== undefined && known.version === state.version) return known.validate;
    const result = compileDataSchema(state.schema);
    const validate: DataValidator = result.ok
      ? result.validate
      : (_data, prefix = '') => [{ path: prefix, code: 'invalid_schema', message: `the schema of ${state.message_type} v${state.version} does not compile` }];
    // Only newer versions replace: a slow path holding an older state must not evict the current validator.
    if (known === undefined || state.version > known.version) compiled.set(state.message_type, { version: state.version, validate });
    return validate;
  };
  return {
    validate(entry, data, pathPrefix) {
      if (entry.builtin) {
        const parsed = eventTypes[entry.name].data.safeParse(data);
        return parsed.success ? [] : issuesFromZodError(parsed.error, pathPrefix);
      }
      return validatorOf(entry.state)(data, pathPrefix);
    },
  };
}
