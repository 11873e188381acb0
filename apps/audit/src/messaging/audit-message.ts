// Reads an AUDIT message, a single record or a dispatcher's batch, into records with their own trace contexts.
import { AuditBatchEnvelope, AuditRecord } from '@hookmesh/contracts';
import { decodeValue, traceContextFromHeaders, type JsMsg } from '@hookmesh/messaging';
import { context, propagation } from '@opentelemetry/api';
import type { ParsedMessage } from './batch-writer';

function isBatch(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'batch';
}

/**
 * A batch's records are checked one by one, so a record that does not fit is dropped alone (kept on DEAD as an
 * entry); a batch whose envelope does not fit, or a single record that does not, yields no records and the whole
 * message is given up.
 */
export function decodeAuditMessage(msg: Pick<JsMsg, 'json' | 'headers'>): ParsedMessage<AuditRecord> {
  let body: unknown;
  try {
    body = msg.json<unknown>();
  } catch {
    return { values: [], rejected: [{ reason: 'not_json', problem: 'body is not JSON' }] };
  }
  if (!isBatch(body)) {
    const single = decodeValue(AuditRecord, body);
    return single.ok
      ? { values: [{ value: single.value, parent: traceContextFromHeaders(msg.headers) }], rejected: [] }
      : { values: [], rejected: [{ reason: single.reason, problem: single.problem }] };
  }
  const envelope = decodeValue(AuditBatchEnvelope, body);
  if (!envelope.ok) return { values: [], rejected: [{ reason: envelope.reason, problem: `batch: ${envelope.problem}` }] };
  const parsed: ParsedMessage<AuditRecord> = { values: [], rejected: [] };
  for (const [index, entry] of envelope.value.entries.entries()) {
    const record = decodeValue(AuditRecord, entry.record);
    if (!record.ok) {
      parsed.rejected.push({ reason: record.reason, problem: `entries.${index}.record: ${record.problem}`, entry: { index, body: entry.record } });
      continue;
    }
    const parent = entry.traceparent === undefined ? context.active() : propagation.extract(context.active(), { traceparent: entry.traceparent });
    parsed.values.push({ value: record.value, parent, entry: index });
  }
  return parsed;
}
