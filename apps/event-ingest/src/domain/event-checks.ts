// Whether an event may be stored: its type is in the catalog and live, and its data fits that type's schema.
import { resolveOrderingKey } from '@hookmesh/contracts';
import { isLive, lookupEventType, mappingOf, type CatalogEntry, type CatalogIssue, type DataValidators, type RegisteredTypes } from '@hookmesh/event-catalog';

export type EventVerdict =
  /** Storable; `orderingKey` when the producer sent one or the type's pointer found one. */
  | { kind: 'ok'; orderingKey?: string }
  | { kind: 'unknown'; issue: CatalogIssue }
  | { kind: 'archived' }
  | { kind: 'invalid'; issues: CatalogIssue[] };

/** One event's verdict under `registered`; `pathPrefix` is "" for a single event and "<index>." in a batch. */
export function judgeEvent(
  event: { message_type: string; data: unknown; ordering_key?: string | undefined },
  registered: RegisteredTypes,
  validators: DataValidators,
  pathPrefix: string,
): EventVerdict {
  const entry = lookupEventType(event.message_type, registered);
  if (entry === undefined) {
    return {
      kind: 'unknown',
      issue: {
        path: `${pathPrefix}message_type`,
        code: 'unknown_message_type',
        message: `unknown message_type ${JSON.stringify(event.message_type)}: it is neither built in nor registered (GET /event_types lists the catalog)`,
      },
    };
  }
  if (!isLive(entry)) return { kind: 'archived' };
  const issues = validators.validate(entry, event.data, `${pathPrefix}data`);
  if (issues.length > 0) return { kind: 'invalid', issues };
  const key = resolveOrderingKey(event.ordering_key, event.data, mappingOf(entry));
  if (key.kind === 'invalid') return { kind: 'invalid', issues: [{ path: `${pathPrefix}${key.path}`, code: 'invalid_ordering_key', message: key.message }] };
  return key.kind === 'key' ? { kind: 'ok', orderingKey: key.key } : { kind: 'ok' };
}

/** Whether a refusal under `entry` could turn out otherwise with a newer state (built-in types never change). */
export function mayBeStale(verdict: EventVerdict, entry: CatalogEntry | undefined): boolean {
  return verdict.kind !== 'ok' && entry?.builtin !== true;
}

/** The catalog's issues (400) and the archived types named (a 409) among the verdicts of the events called `names`. */
export function requestVerdict(verdicts: readonly EventVerdict[], names: readonly string[]): { issues: CatalogIssue[]; archived: string[] } {
  const issues = verdicts.flatMap((verdict) => (verdict.kind === 'unknown' ? [verdict.issue] : verdict.kind === 'invalid' ? verdict.issues : []));
  const archived = [...new Set(verdicts.flatMap((verdict, index) => (verdict.kind === 'archived' ? [names[index] as string] : [])))];
  return { issues, archived };
}

/** Issues ordered by the event they belong to (the leading index in a batch), keeping each event's own order. */
export function byEventIndex<T extends { path: string }>(issues: readonly T[]): T[] {
  const indexOf = (issue: T): number => {
    const head = Number(issue.path.split('.')[0]);
    return Number.isInteger(head) ? head : -1;
  };
  return issues.map((issue, order) => ({ issue, order })).sort((a, b) => indexOf(a.issue) - indexOf(b.issue) || a.order - b.order).map(({ issue }) => issue);
}
