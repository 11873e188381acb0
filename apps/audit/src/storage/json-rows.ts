// Batches of rows as one JSON parameter that Postgres expands into rows of the table's own type
// (`json_populate_recordset`), so a batch of any size is one short statement. A multi-row VALUES list of 100 rows × 17
// columns is 1,700 parameters for the query builder to compile, for pg to write one by one and for Postgres to parse
// again each time; one array parameter per column costs pg an escape of every element in JavaScript instead.
// JSON.stringify and Postgres' JSON parser are both native code.
import { sql, type RawBuilder } from 'kysely';

/**
 * The rows as a select of `columns` from `table`'s row type: insert it with `.columns(columns).expression(...)`.
 * Each value goes through its column type's input function (an ISO string becomes a timestamptz, a number an integer);
 * a json or jsonb column takes the JSON value itself, not a string of it. An absent key or `null` is SQL NULL, except
 * in the jsonb columns named in `jsonbNullKept`, where a JSON null stays the JSON value null.
 */
export function rowsOfTable<R extends object>(
  table: string,
  rows: readonly R[],
  columns: ReadonlyArray<keyof R & string>,
  options: { jsonbNullKept?: ReadonlyArray<keyof R & string> } = {},
): RawBuilder<unknown> {
  const kept = new Set<string>(options.jsonbNullKept ?? []);
  const selected = columns.map((column) => (kept.has(column) ? sql`coalesce(${sql.ref(column)}, 'null'::jsonb)` : sql.ref(column)));
  return sql`select ${sql.join(selected)} from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::json)`;
}
