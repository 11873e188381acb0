// /{account}/api/v1/callbacks: list, create, delete, get, patch, rotate_secret and test (the Callback Configuration API).
import {
  AccountParams,
  CallbackParams,
  CreateCallbackItem,
  CreateCallbacksRequest,
  DeleteCallbacksRequest,
  ListCallbacksQuery,
  MAX_CALLBACKS_PER_REQUEST,
  MAX_URL_LENGTH,
  PatchCallbackRequest,
  RotateSecretRequest,
  disabledReasonOf,
  eventMsgId,
  newMessageId,
  sealSecret,
  type CallbackWithSecret,
  type InstallationNaming,
  type ListCallbacksResponse,
  type NatsNames,
  type PatchCallbackResponse,
  type SealedSecretEntry,
  type SealingKey,
  type WireProfile,
} from '@hookmesh/contracts';
import { decodeCursor, encodeCursor } from '@hookmesh/db';
import { Conflict, Invalid, LimitExceeded, NotFound, Unavailable, issuesFromZod, parseBody, parseParams, parseQuery, type ProblemIssue } from '@hookmesh/http';
import { publishJson, type JetStreamClient } from '@hookmesh/messaging';
import type { Request, RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { callbackLimitBreach, type CallbackLimits } from '../domain/callback-limits';
import { checkUrls, type UrlPolicy } from '../domain/callback-url-policy';
import { callbackResponse, rotateSecrets, type CircuitView } from '../domain/callbacks';
import { exampleOf } from '../domain/event-types';
import { deliveryChoiceIssues, newSecretFor } from '../domain/profiles';
import { exampleEventRecord } from '../domain/test-event';
import type { ServiceMetrics } from '../metrics';
import { ANSWER_AFTER_PUBLISH_MS, type StatePublisher } from '../messaging/state-publisher';
import {
  countCallbacks,
  deleteCallbacks,
  findCallback,
  insertCallbacks,
  listCallbacks,
  lockAccountCallbacks,
  updateCallback,
} from '../storage/callbacks-repository';
import type { NewCallbackRow } from '../storage/callbacks.table';
import type { Db, SubscriptionDatabase } from '../storage/database';
import { findEventType } from '../storage/event-types-repository';
import { archivedConflict, catalogVerdict } from './message-type-checks';
import { resolveProfiles } from './profile-checks';
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
  callbackLimits: CallbackLimits;
  publisher: Pick<StatePublisher, 'kick'>;
  /** The budget /test has for EVENTS to store the event, retries included, before it answers 503 (ms). */
  publishTimeoutMs: number;
  delivery: CallbackDeliveryDefaults;
  /** The dispatchers' circuit records, for each callback's health. */
  circuits: CircuitView;
  /** The EVENTS sequence the next stored event gets: where a new ordered callback's order begins. */
  nextEventSeq: () => Promise<number>;
  now: () => Date;
}

/** What a callback gets when it asks for nothing, and what bounds what it asks for. */
export interface CallbackDeliveryDefaults {
  /** HOOKMESH_DEFAULT_PROFILE. */
  defaultProfile: string;
  /** HOOKMESH_DELIVERY_TIMEOUT: the longest timeout_ms a callback may have. */
  timeoutMs: number;
  /** HOOKMESH_MAX_RATE_PER_SECOND: the highest rate_limit a callback may have. */
  maxRatePerSecond: number;
  /** HOOKMESH_HEADER_PREFIX and HOOKMESH_USER_AGENT: how the `standard` profile names its headers. */
  naming: InstallationNaming;
}

/** A sealed secret entry of the profile's format; `expiresAt` for one leaving a rotation. */
function sealedEntry(secret: string, profile: Pick<WireProfile, 'secret_format'>, key: SealingKey): SealedSecretEntry {
  return { secret: sealSecret(secret, key), format: profile.secret_format };
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
async function parseCreateRequest(
  body: unknown,
  policy: UrlPolicy,
  db: Db,
  delivery: CallbackDeliveryDefaults,
): Promise<Array<{ item: CreateCallbackItem; profileName: string; profile: WireProfile }>> {
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
  // Every item whose own shape is right is checked against its profile too, so one answer names every problem.
  const wellFormed = items.length <= MAX_CALLBACKS_PER_REQUEST ? items.map((item) => CreateCallbackItem.safeParse(item)) : [];
  const resolved = await resolveProfiles(db, wellFormed.flatMap((result) => (result.success ? [result.data.profile ?? delivery.defaultProfile] : [])), delivery.naming);
  const choices = wellFormed.map((result, index) => {
    if (!result.success) return undefined;
    const profileName = result.data.profile ?? delivery.defaultProfile;
    const profile = resolved.get(profileName);
    issues.push(
      ...deliveryChoiceIssues({ at: `${index}.`, profileName, profile, signed: result.data.signed ?? true, timeoutMs: result.data.timeout_ms ?? null, rateLimit: result.data.rate_limit }, delivery),
    );
    return { item: result.data, profileName, profile };
  });
  if (issues.length > 0 || !parsed.success) {
    const ordered = issues.map((issue, order) => ({ issue, order })).sort((a, b) => firstIndex(a.issue) - firstIndex(b.issue) || a.order - b.order);
    const badItems = new Set(issues.map(firstIndex).filter((index) => index >= 0)).size;
    throw new Invalid(
      ordered.map(({ issue }) => issue),
      badItems > 0 ? `${badItems} of ${items.length} callbacks are invalid; nothing was created.` : 'The request body is invalid; nothing was created.',
    );
  }
  if (archived.length > 0) throw archivedConflict(archived, 'callbacks');
  // Here every item parsed and every profile resolved: anything else was an issue above.
  return choices.map((choice) => ({ item: choice!.item, profileName: choice!.profileName, profile: choice!.profile as WireProfile }));
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
  const { db, names, metrics, sealingKey, urlPolicy, callbackLimits, publisher, now } = deps;
  const logOf = (res: Response): Logger => res.locals.log ?? deps.log;

  /** An ordered callback needs to know where its order begins; without EVENTS it cannot be created (503). */
  async function nextEventSeqOrUnavailable(): Promise<number> {
    try {
      return await deps.nextEventSeq();
    } catch (error) {
      deps.log.warn({ err: error }, 'cannot read the EVENTS stream for an ordered callback');
      throw new Unavailable(2, 'An ordered callback cannot be created while NATS JetStream is unreachable; nothing was created. Retry shortly.');
    }
  }

  return {
    async listCallbacks(req, res) {
      const { account } = parseParams(AccountParams, req);
      const query = parseQuery(ListCallbacksQuery, req);
      if (query.message_type !== 'all') {
        // Archived types still have callbacks to list; only a name the catalog never had is refused.
        const verdict = await catalogVerdict(db, [{ path: 'message_type', messageType: query.message_type }]);
        if (verdict.unknown.length > 0) throw new Invalid(verdict.unknown);
      }
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (cursor === null) {
        throw new Invalid([{ path: 'cursor', message: 'cursor is not a next_cursor this API returned', code: 'custom' }], 'The query string is invalid; see errors for each problem.');
      }
      const page = await listCallbacks(db, account, { messageType: query.message_type, cursor, limit: query.limit });
      const body: ListCallbacksResponse = { callbacks: page.rows.map((row) => callbackResponse(row, deps.circuits)), next_cursor: page.next === null ? null : encodeCursor(page.next) };
      res.json(body);
    },

    async createCallbacks(req, res) {
      const { account } = parseParams(AccountParams, req);
      const items = await parseCreateRequest(req.body, urlPolicy, db, deps.delivery);
      const orderedFromSeq = items.some(({ item }) => item.ordered === true) ? await nextEventSeqOrUnavailable() : null;
      const at = now();
      const prepared = items.map(({ item, profileName, profile }) => {
        const id = randomUUID();
        const secret = newSecretFor(profile);
        const row: NewCallbackRow = {
          id,
          account,
          url: item.url,
          message_type: item.message_type,
          api_version: item.api_version,
          status: 'active',
          token: item.token === undefined ? null : JSON.stringify(sealSecret(item.token, sealingKey)),
          secrets: JSON.stringify([sealedEntry(secret, profile, sealingKey)]),
          timeout_ms: item.timeout_ms ?? null,
          profile: profileName,
          signed: item.signed ?? true,
          retry_schedule: item.retry_schedule ?? null,
          ordered: item.ordered ?? false,
          ordered_from_seq: item.ordered === true ? orderedFromSeq : null,
          rate_limit: item.rate_limit === undefined ? null : JSON.stringify(item.rate_limit),
          created_at: at,
          updated_at: at,
        };
        return { id, secret, row };
      });
      const inserted = await db.transaction().execute(async (tx) => {
        await lockAccountCallbacks(tx, account);
        const breach = callbackLimitBreach(await countCallbacks(tx, account), items.map(({ item }) => item), callbackLimits);
        if (breach !== undefined) {
          metrics.limitRefusals.inc({ limit: breach.limit.name });
          throw new LimitExceeded(breach.limit, breach.detail);
        }
        // The operator's profiles named here must still exist when the rows commit (a DELETE waits for this lock).
        const locked = await resolveProfiles(tx, prepared.map(({ row }) => row.profile), deps.delivery.naming, { lock: true });
        const gone = [...locked].filter(([, profile]) => profile === undefined).map(([name]) => name);
        if (gone.length > 0) throw new Conflict(`Profile ${gone.join(', ')} was deleted meanwhile; nothing was created.`);
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
        return { ...callbackResponse(stored, deps.circuits), secret };
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
      res.json(callbackResponse(row, deps.circuits));
    },

    async patchCallback(req, res) {
      const { account, id } = parseParams(CallbackParams, req);
      const patch = await parsePatchRequest(req.body, urlPolicy);
      const at = now();
      const result = await db.transaction().execute(async (tx) => {
        const current = await findCallback(tx, account, id, { forUpdate: true });
        if (current === undefined) return undefined;
        const profileName = patch.profile ?? current.profile;
        const profile = (await resolveProfiles(tx, [profileName], deps.delivery.naming, { lock: true })).get(profileName);
        const timeoutMs = patch.timeout_ms === undefined ? current.timeout_ms : patch.timeout_ms;
        const issues = deliveryChoiceIssues({ at: '', profileName, profile, signed: patch.signed ?? current.signed, timeoutMs, rateLimit: patch.rate_limit }, deps.delivery);
        if (patch.ordered !== undefined && patch.ordered !== current.ordered) {
          issues.push({
            path: 'ordered',
            code: 'immutable',
            message: `ordered is chosen when a callback is created and cannot be changed: create a callback with "ordered": ${patch.ordered} and delete this one`,
          });
        }
        if (issues.length > 0 || profile === undefined) throw new Invalid(issues, 'The patch is invalid; nothing was changed.');
        // A profile whose secrets have another format cannot sign with the old ones: a new secret, shown once.
        const secretFormat = current.secrets[0]?.format ?? 'whsec';
        const freshSecret = profile.secret_format === secretFormat ? undefined : newSecretFor(profile);
        const updated = await updateCallback(tx, account, id, {
          url: patch.url,
          token: patch.token === undefined ? undefined : patch.token === null ? null : sealSecret(patch.token, sealingKey),
          status: patch.status,
          // Disabled by this request: the operator's (or customer's) doing; enabled again: no reason left.
          disabledReason: patch.status === undefined || patch.status === current.status ? undefined : patch.status === 'disabled' ? disabledReasonOf('operator') : null,
          profile: patch.profile,
          signed: patch.signed,
          retrySchedule: patch.retry_schedule,
          timeoutMs: patch.timeout_ms,
          rateLimit: patch.rate_limit,
          ...(freshSecret === undefined ? {} : { secrets: [sealedEntry(freshSecret, profile, sealingKey)] }),
          updatedAt: at,
        });
        await enqueueOutbox(tx, [callbackRef(account, id)]);
        return updated === undefined ? undefined : { row: updated, freshSecret };
      });
      if (result === undefined) throw new NotFound(`No callback ${JSON.stringify(id)} in account ${account}.`);
      await publisher.kick(ANSWER_AFTER_PUBLISH_MS);
      metrics.changes.inc({ change: 'callback_updated' });
      // Field names only: the token's value must never reach a log line.
      logOf(res).info({ account, callback_id: id, fields: Object.keys(patch), new_secret: result.freshSecret !== undefined }, 'callback updated');
      const body: PatchCallbackResponse = { ...callbackResponse(result.row, deps.circuits), ...(result.freshSecret === undefined ? {} : { secret: result.freshSecret }) };
      res.json(body);
    },

    async rotateCallbackSecret(req, res) {
      const { account, id } = parseParams(CallbackParams, req);
      // An empty POST is the common case: every field has a default.
      const { overlap_seconds: overlapSeconds } = parseBody(RotateSecretRequest, withDefaultBody(req));
      const at = now();
      const rotated = await db.transaction().execute(async (tx) => {
        // Locked, so two concurrent rotations cannot both keep the same "previous" secret.
        const row = await findCallback(tx, account, id, { forUpdate: true });
        if (row === undefined) return undefined;
        // The new secret has the format of the callback's profile (the receiver verifies it that way).
        const profile = (await resolveProfiles(tx, [row.profile], deps.delivery.naming)).get(row.profile);
        const format = profile?.secret_format ?? row.secrets[0]?.format ?? 'whsec';
        const secret = newSecretFor({ secret_format: format });
        const next = rotateSecrets(row.secrets, sealedEntry(secret, { secret_format: format }, sealingKey), at, overlapSeconds);
        await updateCallback(tx, account, id, { secrets: next.secrets, updatedAt: at });
        await enqueueOutbox(tx, [callbackRef(account, id)]);
        return { ...next, secret };
      });
      if (rotated === undefined) throw new NotFound(`No callback ${JSON.stringify(id)} in account ${account}.`);
      const { secret } = rotated;
      await publisher.kick(ANSWER_AFTER_PUBLISH_MS);
      metrics.changes.inc({ change: 'secret_rotated' });
      logOf(res).info({ account, callback_id: id, previous_secret_expires_at: rotated.previousExpiresAt }, 'callback secret rotated');
      res.json({ secret, previous_secret_expires_at: rotated.previousExpiresAt });
    },

    async testCallback(req, res) {
      const { account, id } = parseParams(CallbackParams, req);
      const row = await findCallback(db, account, id);
      if (row === undefined) throw new NotFound(`No callback ${JSON.stringify(id)} in account ${account}.`);
      if (row.status === 'disabled') {
        // The dispatcher does not send to a disabled callback: a 202 here would promise an event that never comes.
        throw new Conflict(`The callback ${id} is disabled, so a test event would not be sent. Enable it first (PATCH /callbacks/${id} {"status":"active"}).`);
      }
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
