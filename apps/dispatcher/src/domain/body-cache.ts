// Body bytes of deliveries, built once per (event, profile), and once per callback where the body names it (the
// envelope carries callback_url and token), then reused by every callback of the event and by retries here.
import { webhookBody, type WebhookBodyInput } from '@hookmesh/contracts';

/** A Map kept to its newest `max` entries; a read makes an entry newest. */
function boundedMap<V>(max: number) {
  const map = new Map<string, V>();
  return {
    get(key: string): V | undefined {
      const value = map.get(key);
      if (value !== undefined) {
        map.delete(key);
        map.set(key, value);
      }
      return value;
    },
    set(key: string, value: V): void {
      map.set(key, value);
      if (map.size > max) map.delete(map.keys().next().value as string);
    },
  };
}

export interface BodyCache {
  bodyOf(input: Omit<WebhookBodyInput, 'dataJson'>): Buffer;
}

/** A cache of the last `maxEntries` bodies (and as many serialised data payloads). */
export function createBodyCache(maxEntries = 2_000): BodyCache {
  const dataJson = boundedMap<string>(maxEntries);
  const bodies = boundedMap<Buffer>(maxEntries);
  return {
    bodyOf(input) {
      const { event, profile, callback } = input;
      // The envelope differs per callback (its URL and token); data and thin bodies are the same for every callback.
      const key = profile.body === 'envelope' ? `${event.message_id}\u0000e\u0000${callback.url}\u0000${callback.token ?? ''}` : `${event.message_id}\u0000${profile.body}`;
      const known = bodies.get(key);
      if (known !== undefined) return known;
      let json = dataJson.get(event.message_id);
      if (json === undefined) dataJson.set(event.message_id, (json = JSON.stringify(event.data)));
      const body = webhookBody({ ...input, dataJson: json });
      bodies.set(key, body);
      return body;
    },
  };
}
