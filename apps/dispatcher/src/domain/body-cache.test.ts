import { builtinProfiles, type WebhookEvent } from '@hookmesh/contracts';
import { createBodyCache } from './body-cache';

const profiles = builtinProfiles();
const event: WebhookEvent = { message_id: 'm-1', message_type: 'orderEvent', account: 'acme', api_version: '1.0', data: [{ order_id: 'o-1' }], ingested_at: '2026-12-01T00:00:00.000Z' };

describe('createBodyCache', () => {
  it('reuses a data body across callbacks, and an envelope only for the same URL and token', () => {
    const cache = createBodyCache();
    const a = cache.bodyOf({ profile: profiles.malomo, event, callback: { url: 'https://a.example/x' } });
    expect(cache.bodyOf({ profile: profiles.malomo, event, callback: { url: 'https://b.example/y' } })).toBe(a);
    const envelope = cache.bodyOf({ profile: profiles.standard, event, callback: { url: 'https://a.example/x', token: 't' } });
    expect(cache.bodyOf({ profile: profiles.standard, event, callback: { url: 'https://a.example/x', token: 't' } })).toBe(envelope);
    const other = cache.bodyOf({ profile: profiles.standard, event, callback: { url: 'https://b.example/y', token: 't' } });
    expect(other).not.toBe(envelope);
    expect(JSON.parse(other.toString('utf8'))).toMatchObject({ callback_url: 'https://b.example/y', data: event.data });
  });

  it('keeps only the newest entries', () => {
    const cache = createBodyCache(2);
    const first = cache.bodyOf({ profile: profiles.malomo, event, callback: { url: 'u' } });
    for (const id of ['m-2', 'm-3', 'm-4']) cache.bodyOf({ profile: profiles.malomo, event: { ...event, message_id: id }, callback: { url: 'u' } });
    expect(cache.bodyOf({ profile: profiles.malomo, event, callback: { url: 'u' } })).not.toBe(first);
  });
});
