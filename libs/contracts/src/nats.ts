// Stream, subject, consumer and KV names (docs/architecture.md), all derived from HOOKMESH_STREAM_PREFIX.
import type { DeadLetterSource } from './dead-letters';
import type { AuditKind, ControlCommand } from './messages';
import type { MessageType } from './events';
import { orderingKeyToken } from './delivery-controls';
import { ACCOUNT_PATTERN } from './primitives';

export const STREAM_PREFIX_PATTERN = /^[A-Za-z0-9_-]{0,32}$/;

/** A subject token we build from data: no separators, wildcards or whitespace. */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,192}$/;

export class InvalidNatsNameError extends Error {
  override readonly name = 'InvalidNatsNameError';
}

function token(kind: string, value: string, pattern: RegExp = SUBJECT_TOKEN): string {
  if (!pattern.test(value)) {
    throw new InvalidNatsNameError(`${kind} ${JSON.stringify(value)} cannot be used in a NATS subject or key: use letters, digits, "_" and "-"`);
  }
  return value;
}

/**
 * A message type as a subject token and KV key part: letters, digits and "-" stay, and "_", "." and ":" become
 * "_5F", "_2E" and "_3A", so `Orders.Created` is `Orders_2ECreated`. Reversible, and the identity for the nine
 * built-in names, so their subjects and keys are what they always were.
 */
export function messageTypeToken(messageType: string): string {
  return messageType.replace(/[_.:]/g, (char) => `_${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The message type a token stands for; null when the token is not one messageTypeToken makes. */
export function messageTypeOfToken(token: string): string | null {
  if (!/^([A-Za-z0-9-]|_5F|_2E|_3A)+$/.test(token)) return null;
  return token.replace(/_(5F|2E|3A)/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export type KvKey =
  | { kind: 'callback'; account: string; callbackId: string }
  | { kind: 'hold'; account: string; messageType: string }
  | { kind: 'event_type'; messageType: string }
  | { kind: 'profile'; name: string };

export interface NatsNames {
  prefix: string;
  /** Subject root: "hookmesh" or "<prefix>hookmesh". */
  root: string;
  streams: { events: string; deliveries: string; waiting: string; ordered: string; audit: string; control: string; dead: string };
  /** Subject filters covering a whole stream (used as the stream's subjects). */
  subjects: { events: string; deliveries: string; waiting: string; ordered: string; audit: string; control: string; dead: string };
  consumers: {
    dispatcherFanout: string;
    dispatcherDelivery: string;
    dispatcherWaiting: string;
    dispatcherOrdered: string;
    auditEvents: string;
    auditRecords: string;
    subscriptionControl: string;
  };
  /** The circuits bucket: failing callbacks, shared by every dispatcher (CircuitRecord). */
  circuits: { bucket: string; key(account: string, callbackId: string): string; parseKey(key: string): { account: string; callbackId: string } | null };
  /** Where each (callback, ordering key) of an ordered callback stands (OrderingState). */
  ordering: { bucket: string; key(account: string, callbackId: string, orderingKey: string): string };
  /** Attempts counted per callback and clock window, for callbacks with a rate limit (shared by every dispatcher). */
  rates: { bucket: string; key(account: string, callbackId: string, windowStartMs: number): string };
  /** Callbacks whose deliveries wait on their rate limit right now (ThrottleRecord), for their health. */
  throttles: { bucket: string; key(account: string, callbackId: string): string; parseKey(key: string): { account: string; callbackId: string } | null };
  kv: {
    bucket: string;
    callbackKey(account: string, callbackId: string): string;
    holdKey(account: string, messageType: MessageType): string;
    /** A registered message type of the catalog (built-in types are not in the bucket). */
    eventTypeKey(messageType: MessageType): string;
    /** An operator's wire profile (built-in profiles are not in the bucket). */
    profileKey(name: string): string;
    /** Key filters for watching all callbacks, all holds or the whole registered catalog. */
    callbackKeys: string;
    holdKeys: string;
    eventTypeKeys: string;
    /** Reads a key back; null for keys that are not ours. */
    parseKey(key: string): KvKey | null;
  };
  /** Where an event is stored; one with an ordering key carries the key's token as a last token. */
  eventSubject(account: string, messageType: MessageType, orderingKey?: string): string;
  /** The ORDERED subject of one (callback, ordering key). */
  orderedSubject(account: string, callbackId: string, orderingKey: string): string;
  deliverySubject(account: string, callbackId: string): string;
  /** Where a task that must wait (a retry, a held type, an open circuit) waits, apart from the tasks due now. */
  waitingSubject(account: string, callbackId: string): string;
  auditSubject(account: string, kind: AuditKind): string;
  /** Subject of an AuditBatch of one account's records. */
  auditBatchSubject(account: string): string;
  controlSubject(account: string, command: ControlCommand['command']): string;
  /** Where a message given up by a consumer of `source` is kept (the DEAD stream). */
  deadLetterSubject(source: DeadLetterSource): string;
  /** Every event of one account, e.g. for a consumer filter. */
  accountEventsFilter(account: string): string;
  /** Core NATS subject (no stream) on which the replicas of a service share one rate limiter, e.g. "event-ingest.events". */
  rateLimitSubject(limiter: string): string;
}

/** The (account, callback id) of a `cb.<account>.<callback_id>` key of the circuits or throttles bucket; null for any other key. */
function parseCallbackKey(key: string): { account: string; callbackId: string } | null {
  const [kind, acc, id, ...rest] = key.split('.');
  if (kind !== 'cb' || acc === undefined || id === undefined || rest.length > 0 || !ACCOUNT_PATTERN.test(acc) || !SUBJECT_TOKEN.test(id)) return null;
  return { account: acc, callbackId: id };
}

/** Names every stream, subject, consumer and KV key for one installation; throws InvalidNatsNameError for a prefix outside [A-Za-z0-9_-]{0,32}. */
export function natsNames(prefix = ''): NatsNames {
  if (!STREAM_PREFIX_PATTERN.test(prefix)) {
    throw new InvalidNatsNameError(
      `HOOKMESH_STREAM_PREFIX ${JSON.stringify(prefix)} is invalid: use at most 32 letters, digits, "_" or "-" (no dots, spaces or wildcards)`,
    );
  }
  const root = `${prefix}hookmesh`;
  const account = (value: string) => token('account', value, ACCOUNT_PATTERN);
  const typeToken = (messageType: string) => token('message type', messageTypeToken(messageType));
  return {
    prefix,
    root,
    streams: {
      events: `${prefix}EVENTS`,
      deliveries: `${prefix}DELIVERIES`,
      waiting: `${prefix}WAITING`,
      ordered: `${prefix}ORDERED`,
      audit: `${prefix}AUDIT`,
      control: `${prefix}CONTROL`,
      dead: `${prefix}DEAD`,
    },
    subjects: {
      events: `${root}.events.>`,
      deliveries: `${root}.deliveries.>`,
      waiting: `${root}.waiting.>`,
      ordered: `${root}.ordered.>`,
      audit: `${root}.audit.>`,
      control: `${root}.control.>`,
      dead: `${root}.dead.>`,
    },
    consumers: {
      dispatcherFanout: `${prefix}dispatcher-fanout`,
      dispatcherDelivery: `${prefix}dispatcher-delivery`,
      dispatcherWaiting: `${prefix}dispatcher-waiting`,
      dispatcherOrdered: `${prefix}dispatcher-ordered`,
      auditEvents: `${prefix}audit-events`,
      auditRecords: `${prefix}audit-records`,
      subscriptionControl: `${prefix}subscription-control`,
    },
    circuits: {
      bucket: `${prefix}hookmesh_circuits`,
      key: (acc, callbackId) => `cb.${account(acc)}.${token('callback id', callbackId)}`,
      parseKey: parseCallbackKey,
    },
    ordering: {
      bucket: `${prefix}hookmesh_ordering`,
      key: (acc, callbackId, orderingKey) => `o.${account(acc)}.${token('callback id', callbackId)}.${orderingKeyToken(orderingKey)}`,
    },
    rates: {
      bucket: `${prefix}hookmesh_rates`,
      key: (acc, callbackId, windowStartMs) => `r.${account(acc)}.${token('callback id', callbackId)}.${windowStartMs}`,
    },
    throttles: {
      bucket: `${prefix}hookmesh_throttles`,
      key: (acc, callbackId) => `cb.${account(acc)}.${token('callback id', callbackId)}`,
      parseKey: parseCallbackKey,
    },
    kv: {
      bucket: `${prefix}hookmesh_subscriptions`,
      callbackKey: (acc, callbackId) => `cb.${account(acc)}.${token('callback id', callbackId)}`,
      holdKey: (acc, messageType) => `hold.${account(acc)}.${typeToken(messageType)}`,
      eventTypeKey: (messageType) => `type.${typeToken(messageType)}`,
      profileKey: (name) => `profile.${token('profile name', name)}`,
      callbackKeys: 'cb.>',
      holdKeys: 'hold.>',
      eventTypeKeys: 'type.>',
      parseKey: (key) => {
        const parts = key.split('.');
        if (parts.length === 2 && parts[0] === 'type') {
          const messageType = messageTypeOfToken(parts[1] as string);
          return messageType === null ? null : { kind: 'event_type', messageType };
        }
        if (parts.length === 2 && parts[0] === 'profile') {
          return SUBJECT_TOKEN.test(parts[1] as string) ? { kind: 'profile', name: parts[1] as string } : null;
        }
        if (parts.length !== 3) return null;
        const [kind, acc, id] = parts as [string, string, string];
        if (!ACCOUNT_PATTERN.test(acc) || !SUBJECT_TOKEN.test(id)) return null;
        if (kind === 'cb') return { kind: 'callback', account: acc, callbackId: id };
        if (kind === 'hold') {
          const messageType = messageTypeOfToken(id);
          return messageType === null ? null : { kind: 'hold', account: acc, messageType };
        }
        return null;
      },
    },
    eventSubject: (acc, messageType, orderingKey) =>
      `${root}.events.${account(acc)}.${typeToken(messageType)}${orderingKey === undefined ? '' : `.${orderingKeyToken(orderingKey)}`}`,
    orderedSubject: (acc, callbackId, orderingKey) => `${root}.ordered.${account(acc)}.${token('callback id', callbackId)}.${orderingKeyToken(orderingKey)}`,
    deliverySubject: (acc, callbackId) => `${root}.deliveries.${account(acc)}.${token('callback id', callbackId)}`,
    waitingSubject: (acc, callbackId) => `${root}.waiting.${account(acc)}.${token('callback id', callbackId)}`,
    auditSubject: (acc, kind) => `${root}.audit.${account(acc)}.${token('audit kind', kind)}`,
    auditBatchSubject: (acc) => `${root}.audit.${account(acc)}.batch`,
    controlSubject: (acc, command) => `${root}.control.${account(acc)}.${token('control command', command)}`,
    deadLetterSubject: (source) => `${root}.dead.${token('dead letter source', source)}`,
    accountEventsFilter: (acc) => `${root}.events.${account(acc)}.>`,
    rateLimitSubject: (limiter) => `${root}.ratelimit.${limiter.split('.').map((part) => token('rate limiter', part)).join('.')}`,
  };
}
