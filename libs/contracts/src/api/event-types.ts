// The event catalog: built-in and operator-registered message types (operator API on subscription-service, and the
// account-facing list).
import { z } from 'zod';
import {
  MESSAGE_TYPES,
  MessageType,
  builtinDataJsonSchema,
  builtinExampleData,
  eventTypes,
  JsonPointer,
  ThinMapping,
  type BuiltinMessageType,
} from '../events';
import { IsoDateTime } from '../primitives';

/** Largest JSON Schema a registered type may have, serialised: keeps compiled validators small and registration cheap. */
export const MAX_EVENT_SCHEMA_BYTES = 64 * 1024;

/** When the built-in catalog came to be; its entries carry it as created_at and updated_at. */
export const BUILTIN_CATALOG_SINCE = '2026-11-24T00:00:00.000Z';

const JsonSchemaDocument = z.record(z.string(), z.unknown()).describe('A JSON Schema (draft 2020-12) of the event\'s `data`');

export const EventType = z.object({
  message_type: MessageType,
  description: z.string(),
  /** One of the nine types defined by Hookmesh itself (read-only). */
  builtin: z.boolean(),
  /** Grows by one with every PUT of a registered type. */
  version: z.number().int().positive(),
  schema: JsonSchemaDocument,
  /** A `data` value that POST /events takes for this type. */
  example: z.unknown(),
  thin: ThinMapping.optional(),
  ordering_key: JsonPointer.optional(),
  /** Archived types take no new callbacks and no new events; existing callbacks and pending deliveries go on. */
  archived: z.boolean(),
  created_at: IsoDateTime,
  updated_at: IsoDateTime,
});
export type EventType = z.infer<typeof EventType>;

export const EventTypesResponse = z.object({ event_types: z.array(EventType) });
export type EventTypesResponse = z.infer<typeof EventTypesResponse>;

export const EventTypeParams = z.strictObject({ message_type: MessageType });
export type EventTypeParams = z.infer<typeof EventTypeParams>;

/**
 * PUT /admin/api/v1/event_types/{message_type}. Whether the schema compiles, the example fits it and the pointers
 * resolve in the example needs a JSON Schema validator, so subscription-service checks that (libs/event-catalog).
 */
export const PutEventTypeRequest = z.strictObject({
  description: z.string().max(1000, 'description must be at most 1000 characters').optional(),
  schema: JsonSchemaDocument,
  example: z.unknown().refine((value): boolean => value !== undefined, 'example is required: a `data` value that fits the schema'),
  thin: ThinMapping.optional(),
  ordering_key: JsonPointer.optional(),
});
export type PutEventTypeRequest = z.infer<typeof PutEventTypeRequest>;

/** The nine built-in types as catalog entries: JSON Schema derived from zod, the seed's data as the example. */
export function builtinEventTypes(): EventType[] {
  return MESSAGE_TYPES.map((name) => builtinEventType(name));
}

/** One built-in type as a catalog entry. */
export function builtinEventType(name: BuiltinMessageType): EventType {
  const entry = eventTypes[name];
  const mapping: { thin?: ThinMapping; ordering_key?: string } = entry.mapping;
  return {
    message_type: name,
    description: entry.description,
    builtin: true,
    version: 1,
    schema: builtinDataJsonSchema(name),
    example: builtinExampleData(name),
    ...(mapping.thin === undefined ? {} : { thin: { ...mapping.thin } }),
    ...(mapping.ordering_key === undefined ? {} : { ordering_key: mapping.ordering_key }),
    archived: false,
    created_at: BUILTIN_CATALOG_SINCE,
    updated_at: BUILTIN_CATALOG_SINCE,
  };
}
