// The operator's wire profiles: /admin/api/v1/profiles. Built-in profiles are read-only; a profile a callback uses
// cannot be deleted. A change is answered once the dispatcher can see it (the subscription state on NATS).
import { ProfileParams, WireProfile, isBuiltinProfile, type InstallationNaming } from '@hookmesh/contracts';
import { Conflict, NotFound, Unavailable, operatorOf, parseBody, parseParams } from '@hookmesh/http';
import type { RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { isDeepStrictEqual } from 'node:util';
import { profileListing, profileResponse } from '../domain/profiles';
import type { ServiceMetrics } from '../metrics';
import { ANSWER_AFTER_PUBLISH_MS, type StatePublisher } from '../messaging/state-publisher';
import type { SubscriptionDatabase } from '../storage/database';
import { enqueueOutbox } from '../storage/kv-outbox-repository';
import { countCallbacksUsing, deleteProfile, findProfile, listProfiles, upsertProfile } from '../storage/profiles-repository';

export interface ProfileRouteDeps {
  db: Kysely<SubscriptionDatabase>;
  log: Logger;
  metrics: ServiceMetrics;
  publisher: Pick<StatePublisher, 'publishNow'>;
  /** How this installation names its own headers: the `standard` profile as listed. */
  naming: InstallationNaming;
  now: () => Date;
}

type ProfileOperation = 'adminListProfiles' | 'adminPutProfile' | 'adminDeleteProfile';

const RETRY_AFTER_SECONDS = 5;

function refuseBuiltin(name: string): void {
  if (isBuiltinProfile(name)) throw new Conflict(`${name} is a built-in profile and cannot be changed or deleted; define your own under another name.`);
}

/** Handlers of the profile routes, keyed by the contract's operationId. */
export function profileHandlers(deps: ProfileRouteDeps): Record<ProfileOperation, RequestHandler> {
  const { db, metrics, publisher, now } = deps;
  const logOf = (res: Response): Logger => res.locals.log ?? deps.log;

  async function answerOncePublished(what: string): Promise<void> {
    if (await publisher.publishNow(ANSWER_AFTER_PUBLISH_MS)) return;
    throw new Unavailable(RETRY_AFTER_SECONDS, `${what} is stored but has not reached the subscription state on NATS yet; it applies as soon as NATS takes it. Repeat the same request to confirm.`);
  }

  return {
    async adminListProfiles(_req, res) {
      res.json({ profiles: profileListing(await listProfiles(db), deps.naming) });
    },

    async adminPutProfile(req, res) {
      const { name } = parseParams(ProfileParams, req);
      refuseBuiltin(name);
      const definition = parseBody(WireProfile, req);
      const { row, created, changed } = await db.transaction().execute(async (tx) => {
        const existing = await findProfile(tx, name, { forUpdate: true });
        if (existing !== undefined && isDeepStrictEqual(existing.definition, definition)) {
          await enqueueOutbox(tx, [{ kind: 'profile', account: '', ref: name }]);
          return { row: existing, created: false, changed: false };
        }
        const stored = await upsertProfile(tx, name, JSON.stringify(definition), now());
        await enqueueOutbox(tx, [{ kind: 'profile', account: '', ref: name }]);
        return { ...stored, changed: true };
      });
      await answerOncePublished(`Version ${row.version} of profile ${name}`);
      if (changed) metrics.changes.inc({ change: created ? 'profile_created' : 'profile_replaced' });
      logOf(res).info({ profile: name, version: row.version, created, changed, operator: operatorOf(res).subject }, 'profile stored');
      res.status(created ? 201 : 200).json(profileResponse(row));
    },

    async adminDeleteProfile(req, res) {
      const { name } = parseParams(ProfileParams, req);
      refuseBuiltin(name);
      const outcome = await db.transaction().execute(async (tx) => {
        // Locked: a callback moving to this profile meanwhile locks it too (for share), so one of the two waits.
        const row = await findProfile(tx, name, { forUpdate: true });
        if (row === undefined) return { kind: 'missing' as const };
        const users = await countCallbacksUsing(tx, name);
        if (users > 0) return { kind: 'in_use' as const, users };
        await deleteProfile(tx, name);
        await enqueueOutbox(tx, [{ kind: 'profile', account: '', ref: name }]);
        return { kind: 'deleted' as const, row };
      });
      if (outcome.kind === 'missing') throw new NotFound(`No profile ${JSON.stringify(name)}.`);
      if (outcome.kind === 'in_use') {
        throw new Conflict(`Profile ${name} is used by ${outcome.users} callback${outcome.users === 1 ? '' : 's'}; move them to another profile (PATCH /callbacks/{id} {"profile"}) first.`);
      }
      await answerOncePublished(`The deletion of profile ${name}`);
      metrics.changes.inc({ change: 'profile_deleted' });
      logOf(res).info({ profile: name, operator: operatorOf(res).subject }, 'profile deleted');
      res.json(profileResponse(outcome.row));
    },
  };
}
