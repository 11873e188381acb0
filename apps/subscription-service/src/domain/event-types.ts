// How the catalog looks to the APIs and to the subscription state: built-in types from the contracts, registered
// ones from their rows.
import { builtinEventType, builtinEventTypes, isBuiltinMessageType, type EventType, type EventTypeState } from '@hookmesh/contracts';
import type { EventTypeRow } from '../storage/event-types.table';

/** The KV value event-ingest validates with and the dispatcher maps with (archived types included, flagged). */
export function eventTypeState(row: EventTypeRow): EventTypeState {
  return {
    message_type: row.message_type,
    description: row.description,
    version: row.version,
    schema: row.schema,
    example: row.example,
    ...(row.thin === null ? {} : { thin: row.thin }),
    ...(row.ordering_key === null ? {} : { ordering_key: row.ordering_key }),
    archived: row.archived_at !== null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** The public representation of a registered type. */
export function eventTypeResponse(row: EventTypeRow): EventType {
  const { message_type, description, version, schema, example, thin, ordering_key, archived, created_at, updated_at } = eventTypeState(row);
  return {
    message_type,
    description,
    builtin: false,
    version,
    schema,
    example,
    ...(thin === undefined ? {} : { thin }),
    ...(ordering_key === undefined ? {} : { ordering_key }),
    archived,
    created_at,
    updated_at,
  };
}

/** The whole catalog, built-in types first (in the seed's order), then registered ones by name; archived ones only when asked. */
export function catalogListing(rows: readonly EventTypeRow[], options: { includeArchived: boolean }): EventType[] {
  const registered = rows.filter((row) => options.includeArchived || row.archived_at === null).map(eventTypeResponse);
  return [...builtinEventTypes(), ...registered];
}

/** What a callback, a hold or /test may use: a built-in type, a live registered type, or why not. */
export type TypeAvailability = { kind: 'live'; example: unknown } | { kind: 'archived' } | { kind: 'unknown' };

/** Whether `messageType` takes new callbacks and holds, given its row (if any). */
export function availabilityOf(messageType: string, row: EventTypeRow | undefined): TypeAvailability {
  if (isBuiltinMessageType(messageType)) return { kind: 'live', example: builtinEventType(messageType).example };
  if (row === undefined) return { kind: 'unknown' };
  return row.archived_at === null ? { kind: 'live', example: row.example } : { kind: 'archived' };
}

/** The example `data` of a type, archived or not; undefined when it is not in the catalog. */
export function exampleOf(messageType: string, row: EventTypeRow | undefined): unknown {
  if (isBuiltinMessageType(messageType)) return builtinEventType(messageType).example;
  return row?.example;
}

/** An issue for each use of a type that is not in the catalog, and the names of archived ones (a 409, not a 400). */
export function unavailableTypes(
  uses: ReadonlyArray<{ path: string; messageType: string }>,
  rows: readonly EventTypeRow[],
): { unknown: Array<{ path: string; code: string; message: string }>; archived: string[] } {
  const byName = new Map(rows.map((row) => [row.message_type, row]));
  const unknown: Array<{ path: string; code: string; message: string }> = [];
  const archived = new Set<string>();
  for (const use of uses) {
    const availability = availabilityOf(use.messageType, byName.get(use.messageType));
    if (availability.kind === 'unknown') {
      unknown.push({
        path: use.path,
        code: 'unknown_message_type',
        message: `unknown message_type ${JSON.stringify(use.messageType)}: it is neither built in nor registered (GET /event_types lists the catalog)`,
      });
    }
    if (availability.kind === 'archived') archived.add(use.messageType);
  }
  return { unknown, archived: [...archived] };
}
