// /admin/api/v1/operational_callbacks: the operator's endpoints for operational events. Each is a callback of the
// reserved account (which no account route reaches) subscribed to several operational event types, delivered in the
// standard profile: Standard Webhooks signatures, the installation's retry schedule, audited like any delivery.
import {
  CreateOperationalCallbackRequest,
  OPERATIONAL_ACCOUNT,
  OperationalCallbackParams,
  builtinProfiles,
  generateSecret,
  sealSecret,
  type CreatedOperationalCallback,
  type OperationalCallback,
  type OperationalEventType,
  type SealingKey,
} from '@hookmesh/contracts';
import { Conflict, Invalid, NotFound, issuesFromZod, operatorOf, parseParams } from '@hookmesh/http';
import type { RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import { checkUrls, type UrlPolicy } from '../domain/callback-url-policy';
import type { ServiceMetrics } from '../metrics';
import { ANSWER_AFTER_PUBLISH_MS, type StatePublisher } from '../messaging/state-publisher';
import { countCallbacks, deleteCallbacks, findCallback, insertCallbacks, listCallbacks, lockAccountCallbacks } from '../storage/callbacks-repository';
import type { CallbackRow } from '../storage/callbacks.table';
import type { SubscriptionDatabase } from '../storage/database';
import { enqueueOutbox } from '../storage/kv-outbox-repository';

/** Operational endpoints an installation may have: each one doubles every operational event. */
export const MAX_OPERATIONAL_CALLBACKS = 20;

export interface OperationalCallbackRouteDeps {
  db: Kysely<SubscriptionDatabase>;
  log: Logger;
  metrics: ServiceMetrics;
  sealingKey: SealingKey;
  urlPolicy: UrlPolicy;
  publisher: Pick<StatePublisher, 'kick'>;
  now: () => Date;
}

type Operation = 'adminCreateOperationalCallback' | 'adminListOperationalCallbacks' | 'adminDeleteOperationalCallback';

function operationalCallbackOf(row: CallbackRow): OperationalCallback {
  return {
    id: row.id,
    url: row.url,
    events: (row.message_types ?? [row.message_type]) as OperationalEventType[],
    status: row.status,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Handlers of the operational-callback routes, keyed by the contract's operationId. */
export function operationalCallbackHandlers(deps: OperationalCallbackRouteDeps): Record<Operation, RequestHandler> {
  const { db, metrics, sealingKey, publisher, now } = deps;
  const logOf = (res: Response): Logger => res.locals.log ?? deps.log;
  const ref = (id: string) => ({ kind: 'callback' as const, account: OPERATIONAL_ACCOUNT, ref: id });

  return {
    async adminCreateOperationalCallback(req, res) {
      const parsed = CreateOperationalCallbackRequest.safeParse(req.body ?? {});
      const urlIssues = typeof req.body?.url === 'string' ? await checkUrls([{ path: 'url', url: req.body.url }], deps.urlPolicy) : [];
      const issues = [...(parsed.success ? [] : issuesFromZod(parsed.error)).filter((issue) => !urlIssues.some((refused) => refused.path === issue.path)), ...urlIssues];
      if (issues.length > 0 || !parsed.success) throw new Invalid(issues, 'The operational callback is invalid; nothing was created.');
      const request = parsed.data;
      const at = now();
      const id = randomUUID();
      const secret = generateSecret();
      const [first] = request.events;
      const row = await db.transaction().execute(async (tx) => {
        await lockAccountCallbacks(tx, OPERATIONAL_ACCOUNT);
        if ((await countCallbacks(tx, OPERATIONAL_ACCOUNT)).total >= MAX_OPERATIONAL_CALLBACKS) {
          throw new Conflict(`This installation already has ${MAX_OPERATIONAL_CALLBACKS} operational callbacks, the most it may have; delete one first.`);
        }
        const [stored] = await insertCallbacks(tx, [
          {
            id,
            account: OPERATIONAL_ACCOUNT,
            url: request.url,
            message_type: first!,
            message_types: request.events,
            api_version: '1.0',
            status: 'active',
            token: request.token === undefined ? null : JSON.stringify(sealSecret(request.token, sealingKey)),
            secrets: JSON.stringify([{ secret: sealSecret(secret, sealingKey), format: builtinProfiles().standard.secret_format }]),
            timeout_ms: null,
            profile: 'standard',
            signed: true,
            retry_schedule: null,
            created_at: at,
            updated_at: at,
          },
        ]);
        await enqueueOutbox(tx, [ref(id)]);
        return stored!;
      });
      await publisher.kick(ANSWER_AFTER_PUBLISH_MS);
      metrics.changes.inc({ change: 'operational_callback_created' });
      logOf(res).info({ operational_callback_id: id, events: request.events, operator: operatorOf(res).subject }, 'operational callback created');
      const body: CreatedOperationalCallback = { ...operationalCallbackOf(row), secret };
      res.status(201).json(body);
    },

    async adminListOperationalCallbacks(_req, res) {
      const page = await listCallbacks(db, OPERATIONAL_ACCOUNT, { messageType: 'all', limit: MAX_OPERATIONAL_CALLBACKS });
      res.json({ operational_callbacks: page.rows.map(operationalCallbackOf) });
    },

    async adminDeleteOperationalCallback(req, res) {
      const { id } = parseParams(OperationalCallbackParams, req);
      const deleted = await db.transaction().execute(async (tx) => {
        const row = await findCallback(tx, OPERATIONAL_ACCOUNT, id, { forUpdate: true });
        if (row === undefined) return undefined;
        await deleteCallbacks(tx, OPERATIONAL_ACCOUNT, [id]);
        await enqueueOutbox(tx, [ref(id)]);
        return row;
      });
      if (deleted === undefined) throw new NotFound(`No operational callback ${JSON.stringify(id)}.`);
      await publisher.kick(ANSWER_AFTER_PUBLISH_MS);
      metrics.changes.inc({ change: 'operational_callback_deleted' });
      logOf(res).info({ operational_callback_id: id, operator: operatorOf(res).subject }, 'operational callback deleted');
      res.json(operationalCallbackOf(deleted));
    },
  };
}
