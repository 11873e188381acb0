// POST /{account}/api/v1/events: validate one event or a batch, store it in EVENTS, answer 202 once JetStream acknowledged.
import { AccountParams, IDEMPOTENT_REPLAYED_HEADER, IngestEvent, parseIngestRequest, type EventRecord } from '@hookmesh/contracts';
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
  type ProblemIssue,
  type RateLimiter,
  type TokenVerifier,
} from '@hookmesh/http';
import { deadlineIn, type Deadline } from '@hookmesh/messaging';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { byEventIndex, requestVerdict } from '../domain/event-checks';
import {
  acceptedBody,
  duplicateIngestRecords,
  toEventRecords,
  wholeRequestReplayed,
  type PublishedEvent,
  type RecordStamps,
} from '../domain/event-records';
import { unstorableTextIssues } from '../domain/unstorable-text-issues';
import type { IngestCatalog } from '../messaging/catalog';
import { EventsNotStored, EventsTooLarge, OriginalEventMissing, type EventPublisher } from '../messaging/events-stream';
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
  /** The budget of one request's publishes and reads, retries included (ms): HOOKMESH_PUBLISH_TIMEOUT. */
  publishTimeoutMs: number;
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

  async function storeInSpan(req: Request, records: EventRecord[], deadline: Deadline): Promise<PublishedEvent[]> {
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
      const published = await context.with(trace.setSpan(parent, span), () => publisher.publish(records, deadline));
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
      const verdicts = await deps.catalog.judge(items);
      const verdict = requestVerdict(verdicts, items.map((item) => item.event.message_type));
      const issues = byEventIndex([...(parsed.success ? [] : issuesFromZod(parsed.error)), ...verdict.issues, ...unstorableTextIssues(body)]);
      if (issues.length > 0 || !parsed.success) {
        throw new Invalid(issues, 'Nothing was stored: the request is invalid. In a batch, each error path starts with the index of the bad event.');
      }
      if (verdict.archived.length > 0) {
        const names = verdict.archived.map((name) => JSON.stringify(name)).join(', ');
        throw new Conflict(`Nothing was stored: ${names} ${verdict.archived.length === 1 ? 'is archived and takes' : 'are archived and take'} no new events.`);
      }

      // Nothing was refused, so every event was well formed and judged, in request order.
      const orderingKeys = verdicts.map((judged) => (judged.kind === 'ok' ? judged.orderingKey : undefined));
      const records = toEventRecords(account, parsed.data.events, stamps, orderingKeys);
      // One budget for everything this request waits on in JetStream, so the producer hears back in time.
      const deadline = deadlineIn(deps.publishTimeoutMs);
      let published: PublishedEvent[];
      try {
        published = await storeInSpan(req, records, deadline);
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

      const requestLog = res.locals.log ?? log;
      const conflicts = published.flatMap((event, index) => (event.outcome === 'conflict' ? [{ index, event }] : []));
      if (conflicts.length > 0) {
        for (const { index } of conflicts) metrics.idempotencyConflicts.inc({ message_type: records[index]!.message_type });
        requestLog.info({ account, events: records.length, conflicts: conflicts.length }, 'idempotency keys reused for other events');
        const issues: ProblemIssue[] = conflicts.map(({ index, event }) => ({
          path: parsed.data.kind === 'single' ? 'idempotency_key' : `${index}.idempotency_key`,
          code: 'idempotency_key_reused',
          message: `this idempotency_key was used for another event (message_id ${event.message_id}); send a new key for a new event`,
        }));
        throw new Conflict(
          parsed.data.kind === 'single'
            ? 'The idempotency_key was already used for another event; nothing was stored.'
            : 'Idempotency keys of this batch were already used for another event; those events were not stored (the others were: retrying them with the same keys stores none twice).',
          issues,
        );
      }

      let replays = 0;
      published.forEach((event, index) => {
        const messageType = records[index]!.message_type;
        if (event.outcome === 'replayed') {
          replays += 1;
          metrics.duplicates.inc({ message_type: messageType });
        } else {
          metrics.eventsStored.inc({ message_type: messageType });
        }
      });
      metrics.batchSize.observe(records.length);
      if (replays > 0) {
        requestLog.info({ account, events: records.length, duplicates: replays }, 'repeated idempotency keys answered with their first message ids');
        try {
          await publisher.reportDuplicates(duplicateIngestRecords(records, published, stamps.now()), deadline);
        } catch (error) {
          // The events are stored and the producer's answer stands; only audit's count of repeats misses these.
          metrics.duplicateReportsLost.inc(replays);
          requestLog.warn({ err: error, account, duplicates: replays }, 'repeats not reported to AUDIT; audit stats will not count them');
        }
      }
      if (wholeRequestReplayed(published)) res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
      res.status(202).json(acceptedBody(parsed.data.kind, published));
    },
  );

  return { beforeBody, afterBody: router };
}
