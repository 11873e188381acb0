// Table `callbacks`: one row per subscription; secrets and token are stored sealed (AES-256-GCM), never in clear.
import type { CallbackStatus, MessageType, RateLimit, Sealed, SealedSecretEntry } from '@hookmesh/contracts';
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export interface CallbacksTable {
  id: string;
  account: string;
  url: string;
  message_type: MessageType;
  api_version: '1.0';
  status: CallbackStatus;
  /** jsonb: pg parses it on read; writes pass JSON text. */
  token: ColumnType<Sealed | null, string | null, string | null>;
  /** jsonb, newest first; the entry without expires_at is the current secret. */
  secrets: ColumnType<SealedSecretEntry[], string, string>;
  timeout_ms: number | null;
  /** The wire profile's name (built-in or a row of `profiles`). */
  profile: string;
  /** False: deliveries carry no signature (only where the profile's signing is optional). */
  signed: boolean;
  /** The callback's own schedule ("0,5m,5m"), or null to follow its profile. */
  retry_schedule: string | null;
  /** Why the callback is disabled ("410 Gone", "failing since …", "operator"); null while active. */
  disabled_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** Deliveries of one ordering key in ingest order, for events from EVENTS sequence ordered_from_seq on. */
  ordered: ColumnType<boolean, boolean | undefined, boolean>;
  /** bigint: pg returns it as text, the repository reads it as a number. */
  ordered_from_seq: ColumnType<string | null, number | null | undefined, number | null>;
  /** jsonb: {"per_second": n} or {"per_minute": n}. */
  rate_limit: ColumnType<RateLimit | null, string | null | undefined, string | null>;
  /** An operational callback's event types (message_type is the first); null for a customer's callback. */
  message_types: ColumnType<MessageType[] | null, MessageType[] | null | undefined, MessageType[] | null>;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export type CallbackRow = Selectable<CallbacksTable>;
export type NewCallbackRow = Insertable<CallbacksTable>;
export type CallbackUpdate = Updateable<CallbacksTable>;
