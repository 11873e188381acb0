// POST /{account}/api/v1/events: validate one event or a batch, store it in EVENTS, answer 202 once JetStream acknowledged.
import { AccountParams, IngestEvent, parseIngestRequest, type EventRecord } from '@hookmesh/contracts';
import {
  Conflict,
  Invalid,
  PayloadTooLarge,
  Unauthorized,
  Unavailable,
  issuesFromZod,
  parseParams,
  rateLimit,
  refuseWhenExhausted,
  requireAuth,
  requireScope,
  type RateLimiter,
  type TokenVerifier,
} from '@hookmesh/http';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { byEventIndex, requestVerdict } from '../domain/event-checks';
import { acceptedBody, toEventRecords, type RecordStamps } from '../domain/event-records';
import { nulCharacterIssues } from '../domain/nul-character-issues';
import type { IngestCatalog } from '../messaging/catalog';
import { EventsNotStored, EventsTooLarge, OriginalEventMissing, type EventPublisher, type PublishedEvent } from '../messaging/events-stream';
import type { IngestMetrics } from '../metrics';

/** How long a producer should wait before retrying a request JetStream could not store. */
export const RETRY_AFTER_SECONDS = 2;

export interface EventsRouteDeps {
  log: Logger;
  verifier: TokenVerifier;
  rateLimiters: { requests: RateLimiter; events: RateLimiter };
  publisher: EventPublisher;
  /** The event catalog: which types exist, are live, and what their data must look like. */
  catalog: Pick<IngestCatalog, 'judge'>;
  metrics: IngestMetrics;
  tracer: Tracer;
  /** Most events one batch may hold; a longer array is refused with 413 before validation. */
  maxBatch: number;
  stamps: RecordStamps;
}

/**
 * The context the ingest span starts in: the HTTP server span when the http instrumentation created one, else the
 * caller's `traceparent` (a process without the instrumentation still continues the producer's trace).
 */
function parentContext(req: Request): Context {
  const active = context.active();
  if (trace.getSpan(active) !== undefined) return active;
  return propagation.extract(active, req.headers);
}

const EVENTS_LIMIT_DETAIL = 'This account sent more events than its limit (HOOKMESH_INGEST_EVENTS_PER_SECOND); nothing was stored. Retry after Retry-After seconds.';

/**
 * Routes of the events resource, both mounted under /:account/api/v1: `beforeBody` authenticates and refuses an
 * account over its limits before its body is read (a flood of 500-event batches is not parsed only to be refused),
 * `afterBody` charges the batch its events and stores it.
 */
export function eventsRouter(deps: EventsRouteDeps): { beforeBody: Router; afterBody: Router } {
  const { log, publisher, metrics, tracer, maxBatch, stamps } = deps;
  const beforeBody = Router({ mergeParams: true });
  const router = Router({ mergeParams: true });
  beforeBody.post(
    '/events',
    requireAuth(deps.verifier),
    requireScope('events:write'),
    rateLimit({ limiter: deps.rateLimiters.requests }),
    refuseWhenExhausted({ limiter: deps.rateLimiters.events, detail: EVENTS_LIMIT_DETAIL }),
  );

  async function storeInSpan(req: Request, records: EventRecord[]): Promise<PublishedEvent[]> {
    const parent = parentContext(req);
    const span = tracer.startSpan(
      'ingest publish',
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.operation.type': 'publish',
          'messaging.batch.message_count': records.length,
          'hookmesh.account': records[0]?.account ?? '',
        },
      },
      parent,
    );
    const stopTimer = metrics.publishDuration.startTimer();
    try {
      // publishJson injects the active context, so every stored event carries this span as its parent.
      const published = await context.with(trace.setSpan(parent, span), () => publisher.publish(records));
      // Only stored requests are timed: a failed one says nothing about JetStream's latency (it is counted instead).
      stopTimer();
      return published;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'publish failed' });
      throw error;
    } finally {
      span.end();
    }
  }

  router.post(
    '/events',
    // beforeBody authenticated this request; should the two routers ever disagree on a path, fail closed.
    (_req: Request, res: Response, next: () => void) => {
      if (res.locals.auth === undefined) throw new Unauthorized();
      next();
    },
    // Parsed by now: a batch is charged its length (valid or not, checking it costs the same); anything else one event.
    rateLimit({ limiter: deps.rateLimiters.events, cost: (req) => (Array.isArray(req.body) ? Math.max(1, req.body.length) : 1), detail: EVENTS_LIMIT_DETAIL }),
    async (req: Request, res: Response) => {
      const { account } = parseParams(AccountParams, req);
      const body: unknown = req.body;
      if (Array.isArray(body) && body.length > maxBatch) {
        throw new PayloadTooLarge(`A batch holds at most ${maxBatch} events; this one has ${body.length}. Split it into smaller batches.`);
      }
      const parsed = parseIngestRequest(body);
      const batch = Array.isArray(body);
      // Every event whose shape is right is judged against the catalog too, so one answer names every problem.
      const items = (batch ? (body as unknown[]) : [body]).flatMap((item, index) => {
        const event = IngestEvent.safeParse(item);
        return event.success ? [{ event: event.data, pathPrefix: batch ? `${index}.` : '' }] : [];
      });
      const verdict = requestVerdict(await deps.catalog.judge(items), items.map((item) => item.event.message_type));
      const issues = byEventIndex([...(parsed.success ? [] : issuesFromZod(parsed.error)), ...verdict.issues, ...nulCharacterIssues(body)]);
      if (issues.length > 0 || !parsed.success) {
        throw new Invalid(issues, 'Nothing was stored: the request is invalid. In a batch, each error path starts with the index of the bad event.');
      }
      if (verdict.archived.length > 0) {
        const names = verdict.archived.map((name) => JSON.stringify(name)).join(', ');
        throw new Conflict(`Nothing was stored: ${names} ${verdict.archived.length === 1 ? 'is archived and takes' : 'are archived and take'} no new events.`);
      }

      const records = toEventRecords(account, parsed.data.events, stamps);
      let published: PublishedEvent[];
      try {
        published = await storeInSpan(req, records);
      } catch (error) {
        if (error instanceof EventsTooLarge) {
          throw new PayloadTooLarge(
            `Nothing was stored: event(s) at index ${error.oversized.map((entry) => entry.index).join(', ')} exceed the ${error.maxBytes}-byte message limit.`,
          );
        }
        if (error instanceof OriginalEventMissing) {
          throw new Conflict('An idempotency_key of this request was already used, and its first event is no longer stored; use a new key.');
        }
        if (error instanceof EventsNotStored) {
          metrics.publishFailures.inc({ reason: error.reason });
          (res.locals.log ?? log).warn({ err: error, account, events: records.length, reason: error.reason }, 'events not stored');
          throw new Unavailable(
            RETRY_AFTER_SECONDS,
            'JetStream could not store the events. Retry after Retry-After seconds with the same idempotency_key values: events already stored are not stored twice.',
          );
        }
        throw error;
      }

      let duplicates = 0;
      published.forEach((event, index) => {
        const messageType = records[index]!.message_type;
        if (event.duplicate) {
          duplicates += 1;
          metrics.duplicates.inc({ message_type: messageType });
        } else {
          metrics.eventsStored.inc({ message_type: messageType });
        }
      });
      metrics.batchSize.observe(records.length);
      if (duplicates > 0) {
        (res.locals.log ?? log).info({ account, events: records.length, duplicates }, 'repeated idempotency keys answered with their first message ids');
      }
      res.status(202).json(acceptedBody(parsed.data.kind, published.map((event) => event.message_id)));
    },
  );

  return { beforeBody, afterBody: router };
}
