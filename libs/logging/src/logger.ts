import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'secret',
  'secrets',
  'token',
  'password',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.secret',
  '*.secrets',
  '*.token',
  '*.password',
  '*.authorization',
  '*.signingSecret',
  'config.HOOKMESH_JWT_SECRET',
  'config.HOOKMESH_SECRETS_KEY',
  'config.DATABASE_URL',
];

export type CreateLoggerOptions = {
  service: string;
  level?: string;
  /** Human-readable lines for a terminal; JSON otherwise. */
  pretty?: boolean;
  /** Where lines go (tests pass a stream to capture them); stdout by default. */
  destination?: DestinationStream;
};

/** A pino logger that stamps service, trace_id and span_id on every line and redacts secrets. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const context = trace.getActiveSpan()?.spanContext();
      // A non-recording placeholder span carries all-zero ids; those identify nothing.
      return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
    },
  };
  if (options.destination) return pino(config, options.destination);
  if (options.pretty) {
    return pino({
      ...config,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino(config);
}
