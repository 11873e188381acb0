// How a stored hold looks to the API and to the dispatcher, and when it stops holding.
import type { Hold, HoldState } from '@hookmesh/contracts';
import type { ProblemIssue } from '@hookmesh/http';
import type { HoldRow } from '../storage/holds.table';

/** Whether the hold still holds at `now`: without an end, or ending later. */
export function holdIsActive(hold: Pick<HoldRow, 'expires_at'>, now: Date): boolean {
  return hold.expires_at === null || hold.expires_at.getTime() > now.getTime();
}

/** The public representation of a hold. */
export function holdResponse(row: HoldRow): Hold {
  return {
    message_type: row.message_type,
    reason: row.reason,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at?.toISOString() ?? null,
  };
}

/** The KV value the dispatcher reads. */
export function holdState(row: HoldRow): HoldState {
  return { account: row.account, ...holdResponse(row) };
}

/** A problem issue when a requested expiry is not in the future (a hold that never holds is a mistake). */
export function expiryIssue(expiresAt: Date | null, now: Date): ProblemIssue | undefined {
  if (expiresAt === null || expiresAt.getTime() > now.getTime()) return undefined;
  return { path: 'expires_at', code: 'custom', message: `expires_at must be in the future (now is ${now.toISOString()})` };
}
