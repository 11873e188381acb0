import { z } from 'zod';
import { ExternalId, IsoDateTime, NonEmptyString } from '../primitives';
import type { EventExample } from './example';

/** Unlike every other type, snapshotReady carries one object, not an array (MasonHub's payload docs). */
export const SnapshotReadyData = z.looseObject({
  snapshot_id: ExternalId,
  snapshot_type: NonEmptyString,
  as_of: IsoDateTime,
  download_url: z.url({ protocol: /^https?$/, error: 'download_url must be an absolute http(s) URL' }),
  expires_at: IsoDateTime,
});
export type SnapshotReadyData = z.infer<typeof SnapshotReadyData>;

/** Seed 002, verbatim. */
export const snapshotReadyExample: EventExample<'snapshotReady', SnapshotReadyData> = {
  callback_url: 'https://client.com/api/snapshotReady',
  message_type: 'snapshotReady',
  message_id: '0896116f-e54b-4756-9d3e-1b0c4a25d821',
  data: {
    snapshot_id: 'snapshot-uuid-123',
    snapshot_type: 'full',
    as_of: '2019-08-05T08:15:30Z',
    download_url: 'https://app.masonhub.co/downloads/snapshot-123.csv',
    expires_at: '2019-08-12T08:15:30Z',
  },
};
