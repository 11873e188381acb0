// /{account}/api/v1/callbacks: list, create, delete, get, patch, rotate_secret and test (seed 000, design.md).
import {
  AccountParams,
  CallbackParams,
  CreateCallbacksRequest,
  DeleteCallbacksRequest,
  ListCallbacksQuery,
  MAX_CALLBACKS_PER_REQUEST,
  MAX_URL_LENGTH,
  PatchCallbackRequest,
  RotateSecretRequest,
  eventMsgId,
  generateSecret,
  newMessageId,
  sealSecret,
  type CallbackWithSecret,
  type CreateCallbackItem,
  type NatsNames,
  type SealingKey,
} from '@hookmesh/contracts';
import { Conflict, Invalid, NotFound, Unavailable, issuesFromZod, parseBody, parseParams, parseQuery, type ProblemIssue } from '@hookmesh/http';
import { publishJson, type JetStreamClient } from '@hookmesh/messaging';
import type { Request, RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { checkUrls, type UrlPolicy } from '../domain/callback-url-policy';
import { callbackResponse, rotateSecrets } from '../domain/callbacks';
import { exampleOf } from '../domain/event-types';
import { exampleEventRecord } from '../domain/test-event';
import type { ServiceMetrics } from '../metrics';
import { ANSWER_AFTER_PUBLISH_MS, type StatePublisher } from '../messaging/state-publisher';
import { deleteCallbacks, findCallback, insertCallbacks, listCallbacks, updateCallback } from '../storage/callbacks-repository';
import type { NewCallbackRow } from '../storage/callbacks.table';
import type { Db, SubscriptionDatabase } from '../storage/database';
import { findEventType } from '../storage/event-types-repository';
import { archivedConflict, catalogVerdict } from './message-type-checks';
import { enqueueOutbox, type OutboxRef } from '../storage/kv-outbox-repository';

export interface CallbackRouteDeps {
  db: Kysely<SubscriptionDatabase>;
  js: JetStreamClient;
  names: NatsNames;
  log: Logger;
  metrics: ServiceMetrics;
  /** Seals new secrets and tokens (the first key of HOOKMESH_SECRETS_KEY). */
  sealingKey: SealingKey;
  urlPolicy: UrlPolicy;
  publisher: Pick<StatePublisher, 'kick'>;
  /** How long /test waits for EVENTS to store the event before answering 503. */
  publishTimeoutMs: number;
  now: () => Date;
}

type CallbackOperation = 'listCallbacks' | 'createCallbacks' | 'deleteCallbacks' | 'getCallback' | 'patchCallback' | 'rotateCallbackSecret' | 'testCallback';

const callbackRef = (account: string, id: string): OutboxRef => ({ kind: 'callback', account, ref: id });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstIndex(issue: ProblemIssue): number {
  const head = Number(issue.path.split('.')[0]);
  return Number.isInteger(head) ? head : -1;
}

/**
 * Adds the URL policy's verdict on each URL to the schema issues. A refused URL replaces the schema's issue at the
 * same path, so the answer names the rule (credentials_in_url, https_required, ...) in `code` either way.
 */
async function withUrlRules(issues: ProblemIssue[], urls: ReadonlyArray<{ path: string; url: unknown }>, policy: UrlPolicy): Promise<ProblemIssue[]> {
  const checkable = urls.flatMap(({ path, url }) => (typeof url === 'string' && url.length <= MAX_URL_LENGTH ? [{ path, url }] : []));
  const refused = await checkUrls(checkable, policy);
  const refusedPaths = new Set(refused.map((issue) => issue.path));
  return [...issues.filter((issue) => !refusedPaths.has(issue.path)), ...refused];
}

/**
 * Parses a create request, applies the URL policy and the catalog to every item, so one answer names every bad index
 * and field. Throws Invalid (or Conflict for archived types); nothing has been written at that point.
 */
async function parseCreateRequest(body: unknown, policy: UrlPolicy, db: Db): Promise<CreateCallbackItem[]> {
  if (body === undefined) {
    throw new Invalid([{ path: '', code: 'invalid_type', message: 'send a JSON array of callbacks (or one callback object)' }]);
  }
  const parsed = CreateCallbacksRequest.safeParse(body);
  let issues = parsed.success ? [] : issuesFromZod(parsed.error);
  const items: unknown[] = Array.isArray(body) ? body : [body];
  // Past the limit the request is refused as a whole; resolving hundreds of hosts would only add load.
  let archived: string[] = [];
  if (items.length <= MAX_CALLBACKS_PER_REQUEST) {
    const urls = items.map((item, index) => ({ path: `${index}.url`, url: isRecord(item) ? item['url'] : undefined }));
    issues = await withUrlRules(issues, urls, policy);
    const schemaIssuePaths = new Set(issues.map((issue) => issue.path));
    const uses = items.flatMap((item, index) =>
      isRecord(item) && typeof item['message_type'] === 'string' && !schemaIssuePaths.has(`${index}.message_type`)
        ? [{ path: `${index}.message_type`, messageType: item['message_type'] }]
        : [],
    );
    const verdict = await catalogVerdict(db, uses);
    issues = [...issues, ...verdict.unknown];
    archived = verdict.archived;
  }
  if (issues.length > 0 || !parsed.success) {
    const ordered = issues.map((issue, order) => ({ issue, order })).sort((a, b) => firstIndex(a.issue) - firstIndex(b.issue) || a.order - b.order);
    const badItems = new Set(issues.map(firstIndex).filter((index) => index >= 0)).size;
    throw new Invalid(
      ordered.map(({ issue }) => issue),
      badItems > 0 ? `${badItems} of ${items.length} callbacks are invalid; nothing was created.` : 'The request body is invalid; nothing was created.',
    );
  }
  if (archived.length > 0) throw archivedConflict(archived, 'callbacks');
  return parsed.data;
}

/** Parses a patch; a url in it must pass the same policy as at creation. Throws Invalid listing every issue. */
async function parsePatchRequest(body: unknown, policy: UrlPolicy): Promise<PatchCallbackRequest> {
  const parsed = PatchCallbackRequest.safeParse(body);
  const schemaIssues = parsed.success ? [] : issuesFromZod(parsed.error);
  const issues = await withUrlRules(schemaIssues, isRecord(body) && 'url' in body ? [{ path: 'url', url: body['url'] }] : [], policy);
  if (issues.length > 0 || !parsed.success) throw new Invalid(issues, 'The patch is invalid; nothing was changed.');
  return parsed.data;
}

/** Handlers of the callback routes, keyed by the contract's operationId. */
export function callbackHandlers(deps: CallbackRouteDeps): Record<CallbackOperation, RequestHandler> {
  const { db, names, metrics, sealingKey, urlPolicy, publisher, now } = deps;
  const logOf = (res: Response): Logger => res.locals.log ?? deps.log;

  return {
    async listCallbacks(req, res) {
      const { account } = parseParams(AccountParams, req);
      const { message_type: messageType } = parseQuery(ListCallbacksQuery, req);
      if (messageType !== 'all') {
        // Archived types still have callbacks to list; only a name the catalog never had is refused.
        const verdict = await catalogVerdict(db, [{ path: 'message_type', messageType }]);
        if (verdict.unknown.length > 0) throw new Invalid(verdict.unknown);
      }
      const rows = await listCallbacks(db, account, messageType);
      res.json({ callbacks: rows.map(callbackResponse) });
    },

    async createCallbacks(req, res) {
      const { account } = parseParams(AccountParams, req);
      const items = await parseCreateRequest(req.body, urlPolicy, db);
      const at = now();
      const prepared = items.map((item) => {
        const id = randomUUID();
        const secret = generateSecret();
        const row: NewCallbackRow = {
          id,
          account,
          url: item.url,
          message_type: item.message_type,
          api_version: item.api_version,
          status: 'active',
          token: item.token === undefined ? null : JSON.stringify(sealSecret(item.token, sealingKey)),
          secrets: JSON.stringify([{ secret: sealSecret(secret, sealingKey) }]),
          timeout_ms: item.timeout_ms ?? null,
          created_at: at,
          updated_at: at,
        };
        return { id, secret, row };
      });
      const inserted = await db.transaction().execute(async (tx) => {
        const stored = await insertCallbacks(tx, prepared.map(({ row }) => row));
        await enqueueOutbox(tx, stored.map((row) => callbackRef(account, row.id)));
        return stored;
      });
      await publisher.kick(ANSWER_AFTER_PUBLISH_MS);
      metrics.changes.inc({ change: 'callback_created' }, inserted.length);
      const byId = new Map(inserted.map((row) => [row.id, row]));
      const callbacks = prepared.map(({ id, secret }): CallbackWithSecret => {
        const stored = byId.get(id);
        if (stored === undefined) throw new Error(`callback ${id} was not returned by its insert`);
        // The only time the secret is shown: it is not stored in clear anywhere.
        return { ...callbackResponse(stored), secret };
      });
      logOf(res).info({ account, callback_ids: callbacks.map((callback) => callback.id) }, 'callbacks created');
      res.status(201).json({ callbacks });
    },

    async deleteCallbacks(req, res) {
      const { account } = parseParams(AccountParams, req);
      const ids = parseBody(DeleteCallbacksRequest, req);
      const deleted = new Set(
        await db.transaction().execute(async (tx) => {
          const gone = await deleteCallbacks(tx, account, ids);
          await enqueueOutbox(tx, gone.map((id) => callbackRef(account, id)));
          return gone;
        }),
      );
      await publisher.kick(ANSWER_AFTER_PUBLISH_MS);
      metrics.changes.inc({ change: 'callback_deleted' }, deleted.size);
      if (deleted.size > 0) logOf(res).info({ account, callback_ids: [...deleted] }, 'callbacks deleted');
      res.json({ deleted: ids.filter((id) => deleted.has(id)), not_found: ids.filter((id) => !deleted.has(id)) });
    },

    async getCallback(req, res) {
      const { account, id } = parseParams(CallbackParams, req);
      const row = await findCallback(db, account, id);
      if (row === undefined) throw new NotFound(`No callback ${JSON.stringify(id)} in account ${account}.`);
      res.json(callbackResponse(row));
    },

    async patchCallback(req, res) {
      const { account, id } = parseParams(CallbackParams, req);
      const patch = await parsePatchRequest(req.body, urlPolicy);
      const row = await db.transaction().execute(async (tx) => {
        const updated = await updateCallback(tx, account, id, {
          url: patch.url,
          token: patch.token === undefined ? undefined : patch.token === null ? null : sealSecret(patch.token, sealingKey),
          status: patch.status,
          updatedAt: now(),
        });
        if (updated !== undefined) await enqueueOutbox(tx, [callbackRef(account, id)]);
        return updated;
      });
      if (row === undefined) throw new NotFound(`No callback ${JSON.stringify(id)} in account ${account}.`);
      await publisher.kick(ANSWER_AFTER_PUBLISH_MS);
      metrics.changes.inc({ change: 'callback_updated' });
      // Field names only: the token's value must never reach a log line.
      logOf(res).info({ account, callback_id: id, fields: Object.keys(patch) }, 'callback updated');
      res.json(callbackResponse(row));
    },

    async rotateCallbackSecret(req, res) {
      const { account, id } = parseParams(CallbackParams, req);
      // An empty POST is the common case: every field has a default.
      const { overlap_seconds: overlapSeconds } = parseBody(RotateSecretRequest, withDefaultBody(req));
      const secret = generateSecret();
      const at = now();
      const rotated = await db.transaction().execute(async (tx) => {
        // Locked, so two concurrent rotations cannot both keep the same "previous" secret.
        const row = await findCallback(tx, account, id, { forUpdate: true });
        if (row === undefined) return undefined;
        const next = rotateSecrets(row.secrets, sealSecret(secret, sealingKey), at, overlapSeconds);
        await updateCallback(tx, account, id, { secrets: next.secrets, updatedAt: at });
        await enqueueOutbox(tx, [callbackRef(account, id)]);
        return next;
      });
      if (rotated === undefined) throw new NotFound(`No callback ${JSON.stringify(id)} in account ${account}.`);
      await publisher.kick(ANSWER_AFTER_PUBLISH_MS);
      metrics.changes.inc({ change: 'secret_rotated' });
      logOf(res).info({ account, callback_id: id, previous_secret_expires_at: rotated.previousExpiresAt }, 'callback secret rotated');
      res.json({ secret, previous_secret_expires_at: rotated.previousExpiresAt });
    },

    async testCallback(req, res) {
      const { account, id } = parseParams(CallbackParams, req);
      const row = await findCallback(db, account, id);
      if (row === undefined) throw new NotFound(`No callback ${JSON.stringify(id)} in account ${account}.`);
      // An archived type's callbacks still receive its events, so /test still works for them.
      const exampleData = exampleOf(row.message_type, await findEventType(db, row.message_type));
      if (exampleData === undefined) throw new Conflict(`${row.message_type} is not in the event catalog, so there is no example to send.`);
      const record = exampleEventRecord({ account, messageType: row.message_type, exampleData, messageId: newMessageId(), now: now(), callbackId: row.id });
      try {
        await publishJson(deps.js, names.eventSubject(account, record.message_type), record, {
          msgID: eventMsgId(record),
          timeoutMs: deps.publishTimeoutMs,
        });
      } catch (error) {
        metrics.testEvents.inc({ outcome: 'unavailable' });
        logOf(res).warn({ err: error, account, callback_id: id }, 'EVENTS did not store the test event');
        throw new Unavailable(5, 'JetStream could not store the test event right now; nothing was sent. Retry shortly.');
      }
      metrics.testEvents.inc({ outcome: 'published' });
      logOf(res).info({ account, callback_id: id, message_id: record.message_id, message_type: record.message_type }, 'test event published');
      res.status(202).json({ message_id: record.message_id });
    },
  };
}

/** The request with `{}` as its body when none was sent, for routes whose body fields are all optional. */
function withDefaultBody(req: Request): Request {
  if (req.body === undefined) req.body = {};
  return req;
}
