import { describe, expect, it } from '@jest/globals';
import { v5 as uuidv5, validate, version } from 'uuid';
import { eventTypes } from './events';
import { AUDIT_BATCH_MAX_RECORDS, DELIVERY_ID_NAMESPACE, AuditBatch, AuditBatchEnvelope, auditBatchEntryJson, auditBatchJson, deliveryTaskOf, AuditMessage, AuditRecord, auditRecordsOf, CallbackState, ControlCommand, deliveryIdFor, DeliveryTask, deliveryTaskMsgId, eventMsgId, newMessageId } from './messages';

const sealed = { kid: 'k1', iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA', ct: 'abc' };

describe('ids', () => {
  it('derives the same delivery id for the same message and callback', () => {
    const id = deliveryIdFor('0190f0c4-0000-7000-8000-000000000001', 'cb-1');
    expect(deliveryIdFor('0190f0c4-0000-7000-8000-000000000001', 'cb-1')).toBe(id);
    expect(version(id)).toBe(5);
    expect(deliveryIdFor('0190f0c4-0000-7000-8000-000000000001', 'cb-2')).not.toBe(id);
    // The id every stored delivery already has: UUIDv5 of "<message_id>:<callback_id>" in the fixed namespace.
    expect(id).toBe(uuidv5('0190f0c4-0000-7000-8000-000000000001:cb-1', DELIVERY_ID_NAMESPACE));
  });

  it('mints UUIDv7 message ids', () => {
    const id = newMessageId();
    expect(validate(id) && version(id)).toBe(7);
  });

  it('scopes an idempotency key by account for Nats-Msg-Id', () => {
    expect(eventMsgId({ account: 'acme', message_id: 'm1', idempotency_key: 'k' })).toBe('idem:acme:k');
    expect(eventMsgId({ account: 'acme', message_id: 'm1' })).toBe('m1');
  });
});

describe('DeliveryTask', () => {
  const task = DeliveryTask.parse({
    delivery_id: deliveryIdFor('m1', 'cb1'),
    series: 0,
    attempt: 1,
    account: 'acme',
    callback_id: 'cb1',
    event: { message_id: 'm1', message_type: 'orderEvent', api_version: '1.0', data: eventTypes.orderEvent.example.data },
    ingested_at: '2024-05-01T00:00:00.000Z',
  });

  it('names the fan-out task by message and callback, and every later one by delivery, series and attempt', () => {
    expect(deliveryTaskMsgId(task)).toBe('m1:cb1');
    expect(deliveryTaskMsgId({ ...task, attempt: 2 })).toBe(`${task.delivery_id}:0:2`);
    expect(deliveryTaskMsgId({ ...task, series: 1 })).toBe(`${task.delivery_id}:1:1`);
  });

  it('rejects attempt 0', () => {
    expect(DeliveryTask.safeParse({ ...task, attempt: 0 }).success).toBe(false);
  });

  it('is built one way for every series: the fan-out task, and a redelivery with who asked and no unset fields', () => {
    const event = { message_id: 'm1', account: 'acme', message_type: 'orderEvent', api_version: '1.0', data: eventTypes.orderEvent.example.data, ingested_at: '2024-05-01T00:00:00.000Z' } as const;
    expect(deliveryTaskOf(event, 'cb1', { series: 0 })).toEqual(task);
    const redelivery = deliveryTaskOf(event, 'cb1', { series: 2, requested_by: 'ops@acme', not_before: undefined });
    expect(DeliveryTask.parse(redelivery)).toEqual({ ...task, series: 2, requested_by: 'ops@acme' });
    expect(Object.keys(redelivery)).not.toContain('not_before');
    expect(deliveryTaskOf(event, 'cb1', { series: 0, attempt: 3, ordering_key: 'k', sequence: 7 })).toMatchObject({ attempt: 3, ordering_key: 'k', sequence: 7 });
  });
});

describe('AuditRecord', () => {
  const identity = { delivery_id: deliveryIdFor('m1', 'cb1'), message_id: 'm1', account: 'acme', callback_id: 'cb1', message_type: 'orderEvent', series: 0 };

  it('parses an attempt record with nullable fields', () => {
    const record = AuditRecord.parse({
      kind: 'attempt', ...identity, attempt: 1, url: 'https://x.example/h', started_at: '2024-05-01T00:00:00Z', latency_ms: 31,
      status_code: null, outcome: 'retrying', error_class: 'timeout', error_message: 'timed out after 30000 ms',
      response_excerpt: null, next_attempt_at: '2024-05-01T00:00:05Z', trace_id: null,
    });
    expect(record.kind === 'attempt' && record.error_class).toBe('timeout');
  });

  it('rejects an unknown error class', () => {
    const result = AuditRecord.safeParse({
      kind: 'attempt', ...identity, attempt: 1, url: 'u', started_at: '2024-05-01T00:00:00Z', latency_ms: 1, status_code: 500,
      outcome: 'failed', error_class: 'boom', error_message: null, response_excerpt: null, next_attempt_at: null, trace_id: null,
    });
    expect(result.error?.issues[0]?.path).toEqual(['error_class']);
  });

  it('requires requested_by on a redelivery request', () => {
    expect(AuditRecord.safeParse({ kind: 'redelivery_requested', ...identity, series: 1, requested_at: '2024-05-01T00:00:00Z' }).success).toBe(false);
  });
});

describe('AuditMessage', () => {
  const identity = { delivery_id: deliveryIdFor('m1', 'cb1'), message_id: 'm1', account: 'acme', callback_id: 'cb1', message_type: 'orderEvent', series: 0 };
  const created = { kind: 'delivery_created', ...identity, created_at: '2024-05-01T00:00:00.000Z' } as const;
  const held = { kind: 'delivery_held', ...identity, attempt: 1, reason: 'hold', held_at: '2024-05-01T00:00:01.000Z', next_attempt_at: null } as const;
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('reads a single record and a batch to the same records, in order', () => {
    expect(auditRecordsOf(AuditMessage.parse(created))).toEqual([created]);
    const batch = AuditMessage.parse({ kind: 'batch', entries: [{ record: created, traceparent }, { record: held }] });
    expect(auditRecordsOf(batch)).toEqual([created, held]);
  });

  it('refuses an empty batch, an oversized one and a malformed traceparent', () => {
    expect(AuditMessage.safeParse({ kind: 'batch', entries: [] }).success).toBe(false);
    const entries = Array.from({ length: AUDIT_BATCH_MAX_RECORDS + 1 }, () => ({ record: created }));
    expect(AuditMessage.safeParse({ kind: 'batch', entries }).success).toBe(false);
    expect(AuditMessage.safeParse({ kind: 'batch', entries: [{ record: created, traceparent: 'nope' }] }).success).toBe(false);
  });

  it('reads what the writer encodes: entries encoded one by one, joined into one batch', () => {
    const json = auditBatchJson([auditBatchEntryJson({ record: created, traceparent }), auditBatchEntryJson({ record: held })]);
    expect(auditRecordsOf(AuditMessage.parse(JSON.parse(json)))).toEqual([created, held]);
    expect(AuditBatch.parse(JSON.parse(json)).entries.map((entry) => entry.traceparent)).toEqual([traceparent, undefined]);
  });

  it('leaves each record of a batch envelope for the reader to check on its own', () => {
    const envelope = AuditBatchEnvelope.parse({ kind: 'batch', entries: [{ record: created }, { record: { kind: 'attempt' } }] });
    expect(envelope.entries.map((entry) => AuditRecord.safeParse(entry.record).success)).toEqual([true, false]);
  });
});

describe('KV and control values', () => {
  it('needs at least one sealed secret on a callback', () => {
    const state = {
      id: 'cb1', account: 'acme', url: 'https://x.example/h', message_type: 'orderEvent', api_version: '1.0', status: 'active',
      secrets: [{ secret: sealed }], updated_at: '2024-05-01T00:00:00Z',
    };
    expect(CallbackState.safeParse(state).success).toBe(true);
    expect(CallbackState.safeParse({ ...state, secrets: [] }).success).toBe(false);
    expect(CallbackState.safeParse({ ...state, secrets: [{ secret: 'whsec_plain' }] }).success).toBe(false);
  });

  it('parses a disable_callback command', () => {
    expect(ControlCommand.parse({ command: 'disable_callback', account: 'acme', callback_id: 'cb1', reason: 'failing for 5 days', at: '2024-05-01T00:00:00Z' }).command).toBe('disable_callback');
  });
});
