// Wire profiles as the operator API shows them and the subscription state carries them, and the rules a callback's
// choice of profile, signing and timeout must follow.
import {
  BUILTIN_CATALOG_SINCE,
  BUILTIN_PROFILE_NAMES,
  builtinProfiles,
  isBuiltinProfile,
  generatePlainSecret,
  generateSecret,
  rateLimitBreach,
  type InstallationNaming,
  type RateLimit,
  type Profile,
  type ProfileState,
  type WireProfile,
} from '@hookmesh/contracts';
import type { ProfileRow } from '../storage/profiles.table';

/** The profile called `name`: built in, or the operator's row; undefined when there is neither. */
export function resolveProfile(name: string, row: ProfileRow | undefined, naming: InstallationNaming): WireProfile | undefined {
  if (isBuiltinProfile(name)) return builtinProfiles(naming)[name];
  return row?.definition;
}

/** The KV value the dispatcher delivers with. */
export function profileState(row: ProfileRow): ProfileState {
  return { name: row.name, version: row.version, profile: row.definition, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}

/** The public representation of an operator's profile. */
export function profileResponse(row: ProfileRow): Profile {
  return { ...row.definition, name: row.name, builtin: false, version: row.version, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}

/** Every profile, the four built-in ones first (as this installation names its own headers), then the operator's by name. */
export function profileListing(rows: readonly ProfileRow[], naming: InstallationNaming): Profile[] {
  const builtins = builtinProfiles(naming);
  return [
    ...BUILTIN_PROFILE_NAMES.map((name): Profile => ({ ...builtins[name], name, builtin: true, version: 1, created_at: BUILTIN_CATALOG_SINCE, updated_at: BUILTIN_CATALOG_SINCE })),
    ...rows.map(profileResponse),
  ];
}

/** A new signing secret in the profile's format. */
export function newSecretFor(profile: Pick<WireProfile, 'secret_format'>): string {
  return profile.secret_format === 'plain' ? generatePlainSecret() : generateSecret();
}

/** What a callback asks of its profile, checked together so one answer names every problem. */
export interface CallbackDeliveryChoice {
  /** Path prefix of the issues ("0." for the first item of a create, "" for a patch). */
  at: string;
  profileName: string;
  profile: WireProfile | undefined;
  signed: boolean;
  timeoutMs: number | null;
  rateLimit?: RateLimit | null;
}

/** What the installation bounds a callback's choices by. */
export interface DeliveryBounds {
  /** HOOKMESH_DELIVERY_TIMEOUT. */
  timeoutMs: number;
  /** HOOKMESH_MAX_RATE_PER_SECOND. */
  maxRatePerSecond: number;
}

/**
 * The issues of a callback's delivery choices: an unknown profile, unsigned under required signing, a timeout or a
 * rate limit past the installation's.
 */
export function deliveryChoiceIssues(choice: CallbackDeliveryChoice, bounds: DeliveryBounds): Array<{ path: string; code: string; message: string }> {
  const installationTimeoutMs = bounds.timeoutMs;
  const issues: Array<{ path: string; code: string; message: string }> = [];
  if (choice.profile === undefined) {
    issues.push({ path: `${choice.at}profile`, code: 'unknown_profile', message: `unknown profile ${JSON.stringify(choice.profileName)} (GET /admin/api/v1/profiles lists them)` });
  } else if (!choice.signed && choice.profile.signing === 'required') {
    issues.push({ path: `${choice.at}signed`, code: 'signing_required', message: `the ${choice.profileName} profile requires signed deliveries; "signed": false needs a profile whose signing is optional (malomo)` });
  }
  if (choice.timeoutMs !== null && choice.timeoutMs > installationTimeoutMs) {
    issues.push({ path: `${choice.at}timeout_ms`, code: 'too_big', message: `timeout_ms must be at most ${installationTimeoutMs}, this installation's delivery timeout (HOOKMESH_DELIVERY_TIMEOUT)` });
  }
  if (choice.rateLimit !== undefined && choice.rateLimit !== null) {
    const breach = rateLimitBreach(choice.rateLimit, bounds.maxRatePerSecond);
    if (breach !== null) issues.push({ path: `${choice.at}rate_limit.${'per_second' in choice.rateLimit ? 'per_second' : 'per_minute'}`, code: 'too_big', message: breach });
  }
  return issues;
}
