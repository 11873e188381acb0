// Table `profiles`: the operator's own wire profiles (the four built-in ones live in libs/contracts).
import type { WireProfile } from '@hookmesh/contracts';
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

export interface ProfilesTable {
  name: string;
  definition: ColumnType<WireProfile, string, string>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export type ProfileRow = Selectable<ProfilesTable>;
export type NewProfileRow = Insertable<ProfilesTable>;
export type ProfileUpdate = Updateable<ProfilesTable>;
