// The event POST /callbacks/{id}/test sends: the catalog's example of the callback's type, as a normal ingest would store it.
import type { EventRecord, MessageType } from '@hookmesh/contracts';

/** An EventRecord carrying `exampleData` (the catalog example of `messageType`), addressed to the one callback under test. */
export function exampleEventRecord(input: {
  account: string;
  messageType: MessageType;
  exampleData: unknown;
  messageId: string;
  now: Date;
  callbackId: string;
}): EventRecord {
  return {
    message_id: input.messageId,
    account: input.account,
    message_type: input.messageType,
    api_version: '1.0',
    data: structuredClone(input.exampleData),
    ingested_at: input.now.toISOString(),
    target_callback_id: input.callbackId,
  };
}
