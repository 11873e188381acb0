// Where a type's reference fields live in its data: the thin body's object id and reference, and the ordering key.
import { z } from 'zod';

/**
 * An RFC 6901 JSON Pointer into an event's `data` (`/0/order_id`); "" is the whole data. `~0` and `~1` escape
 * "~" and "/".
 */
export const JsonPointer = z
  .string({ error: 'a JSON Pointer must be a string' })
  .max(256, 'a JSON Pointer must be at most 256 characters')
  .regex(/^(\/([^~/]|~[01])*)*$/, { error: (issue) => `${JSON.stringify(issue.input)} is not a JSON Pointer (RFC 6901), such as "/0/order_id"` });
export type JsonPointer = z.infer<typeof JsonPointer>;

/** How a thin body (a reference instead of the data, as ModusLink sends) names the object an event is about. */
export const ThinMapping = z.strictObject({
  /** eventObjectName, and the rel of the link (`orders`). */
  object_name: z
    .string({ error: 'object_name must be a string' })
    .min(1, 'object_name must not be empty')
    .max(64, 'object_name must be at most 64 characters'),
  /** eventObjectId: the value at this pointer. */
  object_id: JsonPointer,
  /** eventObjectReference: the value at this pointer (null when absent). */
  object_reference: JsonPointer.optional(),
});
export type ThinMapping = z.infer<typeof ThinMapping>;

/** The reference fields of one message type. */
export interface EventTypeMapping {
  thin?: ThinMapping;
  /** Where the ordering key of an event of this type is, when the producer sends none. */
  ordering_key?: JsonPointer;
}

/** Reads the value at a JSON Pointer; `found: false` when a step does not exist. */
export function resolvePointer(data: unknown, pointer: string): { found: true; value: unknown } | { found: false } {
  if (pointer === '') return { found: true, value: data };
  let current: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const step = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(step)) return { found: false };
      const index = Number(step);
      if (index >= current.length) return { found: false };
      current = current[index];
    } else if (typeof current === 'object' && current !== null && Object.prototype.hasOwnProperty.call(current, step)) {
      current = (current as Record<string, unknown>)[step];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}
