import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON lines with the service name', () => {
    const { lines, destination } = capture();
    createLogger({ service: 'dispatcher', destination }).info({ callback_id: 'cb1' }, 'delivered');
    expect(lines[0]).toMatchObject({ service: 'dispatcher', level: 'info', msg: 'delivered', callback_id: 'cb1' });
  });

  it('redacts secrets and tokens wherever they are', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 's', destination });
    log.info({ secret: 'whsec_abc', callback: { token: 'tok-123', url: 'https://x' }, headers: { authorization: 'Bearer x' } }, 'x');
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('whsec_abc');
    expect(text).not.toContain('tok-123');
    expect(text).not.toContain('Bearer x');
    expect(text).toContain('https://x');
  });

  it('stamps the active trace and span ids on each line', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    const provider = new BasicTracerProvider();
    const tracer = provider.getTracer('test');
    const { lines, destination } = capture();
    const log = createLogger({ service: 's', destination });
    const span = tracer.startSpan('work');
    context.with(trace.setSpan(context.active(), span), () => log.info('inside'));
    span.end();
    log.info('outside');
    expect(lines[0]).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    expect(lines[1]).not.toHaveProperty('trace_id');
    context.disable();
  });
});
