// Every migration of schema `subscription`, by timestamped name; a record (not files on disk) so the bundle carries them.
import type { Migration } from '@hookmesh/db';
import * as initial from './20251124090000_initial';
import * as eventTypes from './20261201090000_event_types';
import * as wireProfiles from './20261201120000_wire_profiles';
import * as disabledReason from './20261202090000_disabled_reason';
import * as deliveryControls from './20261202100000_delivery_controls';

export const subscriptionMigrations: Record<string, Migration> = {
  '20251124090000_initial': initial,
  '20261201090000_event_types': eventTypes,
  '20261201120000_wire_profiles': wireProfiles,
  '20261202090000_disabled_reason': disabledReason,
  '20261202100000_delivery_controls': deliveryControls,
};
