// How one callback is delivered to: its wire profile, retry schedule and timeout, each from the callback itself,
// else its profile, else the installation, and the thin mapping of the event's type.
import {
  builtinProfiles,
  isBuiltinProfile,
  parseRetrySchedule,
  type CallbackState,
  type InstallationNaming,
  type ProfileState,
  type ThinMapping,
  type WireProfile,
} from '@hookmesh/contracts';
import { lookupEventType, mappingOf, type RegisteredTypes } from '@hookmesh/event-catalog';

export interface InstallationDelivery {
  naming: InstallationNaming;
  /** HOOKMESH_RETRY_SCHEDULE, in ms. */
  schedule: readonly number[];
  /** HOOKMESH_RETRY_TIME_SCALE: every delay of every schedule is multiplied by it (tests run the seeds' schedules fast). */
  timeScale: number;
  /** HOOKMESH_DELIVERY_TIMEOUT: no attempt waits longer, whoever asks. */
  timeoutMs: number;
}

export interface DeliveryPlan {
  profile: WireProfile;
  schedule: readonly number[];
  timeoutMs: number;
}

export interface DeliveryPlanner {
  /** The plan of a callback; undefined when its profile is not known here (yet): the attempt then waits and retries. */
  planOf(callback: Pick<CallbackState, 'profile' | 'retry_schedule' | 'timeout_ms'>): DeliveryPlan | undefined;
  /** The thin mapping of a message type (built-in or registered). */
  thinOf(messageType: string): ThinMapping | undefined;
}

/**
 * Builds the planner over the dispatcher's view of profiles and types. Parsed schedules are cached by their text
 * (a handful of distinct strings), so planning costs map lookups on the hot path.
 */
export function createDeliveryPlanner(installation: InstallationDelivery, view: { profile(name: string): ProfileState | undefined; eventType: RegisteredTypes }): DeliveryPlanner {
  const builtins = builtinProfiles(installation.naming);
  const scaled = (delays: readonly number[]) => delays.map((delay) => Math.round(delay * installation.timeScale));
  const installationSchedule = scaled(installation.schedule);
  const schedules = new Map<string, readonly number[]>();
  const scheduleOf = (text: string | undefined): readonly number[] => {
    if (text === undefined) return installationSchedule;
    let schedule = schedules.get(text);
    if (schedule === undefined) {
      const parsed = parseRetrySchedule(text);
      // The API checked every schedule it stored; one that does not parse falls back to the installation's.
      schedule = parsed.ok ? scaled(parsed.delaysMs) : installationSchedule;
      schedules.set(text, schedule);
    }
    return schedule;
  };
  return {
    planOf(callback) {
      const profile = isBuiltinProfile(callback.profile) ? builtins[callback.profile] : view.profile(callback.profile)?.profile;
      if (profile === undefined) return undefined;
      return {
        profile,
        schedule: scheduleOf(callback.retry_schedule ?? profile.retry_schedule),
        timeoutMs: Math.min(installation.timeoutMs, callback.timeout_ms ?? profile.timeout_ms ?? installation.timeoutMs),
      };
    },
    thinOf(messageType) {
      const entry = lookupEventType(messageType, view.eventType);
      return entry === undefined ? undefined : mappingOf(entry).thin;
    },
  };
}
