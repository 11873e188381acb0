import type { MessageTypeName } from './names';

/** An envelope as a seed documents it: MasonHub's payload docs omits `api_version` in its per-type examples, so it is optional here. */
export interface EventExample<T extends MessageTypeName, D> {
  callback_url: string;
  message_type: T;
  message_id: string;
  api_version?: '1.0';
  token?: string;
  data: D;
}
