// Whether the message types a request names are in the catalog: shared by the callback and hold routes.
import { isBuiltinMessageType } from '@hookmesh/contracts';
import { Conflict, type ProblemIssue } from '@hookmesh/http';
import { unavailableTypes } from '../domain/event-types';
import type { Db } from '../storage/database';
import { findEventTypes } from '../storage/event-types-repository';

/** Which of the message types used at `paths` are not in the catalog (400 issues) or archived (a 409). */
export async function catalogVerdict(db: Db, uses: ReadonlyArray<{ path: string; messageType: string }>): Promise<{ unknown: ProblemIssue[]; archived: string[] }> {
  // Built-in names need no lookup, so a request naming only those never waits on the database here.
  const registered = [...new Set(uses.map((use) => use.messageType).filter((name) => !isBuiltinMessageType(name)))];
  const rows = await findEventTypes(db, registered);
  return unavailableTypes(uses, rows);
}

/** A 409 naming archived types: they take no new callbacks or holds, though existing ones go on. */
export function archivedConflict(archived: readonly string[], what: 'callbacks' | 'holds'): Conflict {
  const names = archived.map((name) => JSON.stringify(name)).join(', ');
  const verb = archived.length === 1 ? 'is archived and takes' : 'are archived and take';
  return new Conflict(`${names} ${verb} no new ${what}; nothing was created.`);
}
