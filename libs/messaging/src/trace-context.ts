import { context, propagation, type Context } from '@opentelemetry/api';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';

/** Returns NATS headers carrying the active W3C trace context (traceparent, tracestate). */
export function headersWithTraceContext(existing?: MsgHdrs, from: Context = context.active()): MsgHdrs {
  const out = existing ?? natsHeaders();
  propagation.inject(from, out, {
    set(carrier, key, value) {
      carrier.set(key, value);
    },
  });
  return out;
}

/** The trace context carried in a NATS message's headers (or the active one when none). */
export function traceContextFromHeaders(headers: MsgHdrs | undefined): Context {
  if (!headers) return context.active();
  return propagation.extract(context.active(), headers, {
    get(carrier, key) {
      const value = carrier.get(key);
      return value === '' ? undefined : value;
    },
    keys(carrier) {
      return carrier.keys();
    },
  });
}
