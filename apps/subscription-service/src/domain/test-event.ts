// The event POST /callbacks/{id}/test sends: the contract's example of the callback's type, as a normal ingest would store it.
import { eventTypes, type EventRecord, type MessageType } from '@hookmesh/contracts';

/** An EventRecord carrying the example `data` of `messageType`, addressed to the one callback under test. */
export function exampleEventRecord(input: { account: string; messageType: MessageType; messageId: string; now: Date; callbackId: string }): EventRecord {
  return {
    message_id: input.messageId,
    account: input.account,
    message_type: input.messageType,
    api_version: '1.0',
    data: structuredClone(eventTypes[input.messageType].example.data),
    ingested_at: input.now.toISOString(),
    target_callback_id: input.callbackId,
  };
}
