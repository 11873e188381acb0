// Table `holds`: at most one hold per account and message type; an expired row no longer holds anything.
import type { MessageType } from '@hookmesh/contracts';
import type { Insertable, Selectable, Updateable } from 'kysely';

export interface HoldsTable {
  account: string;
  message_type: MessageType;
  reason: string | null;
  created_at: Date;
  expires_at: Date | null;
}

export type HoldRow = Selectable<HoldsTable>;
export type NewHoldRow = Insertable<HoldsTable>;
export type HoldUpdate = Updateable<HoldsTable>;
