// A message_type filter must name a type of the catalog (built-in, registered or archived: old deliveries of an
// archived type are still listed), so a typo is a 400 rather than an empty page.
import { lookupEventType, type RegisteredTypes } from '@hookmesh/event-catalog';

/** The issue of a filter naming no type of the catalog; none when it names one or is absent. */
export function unknownMessageTypeIssues(messageType: string | undefined, registered: RegisteredTypes): Array<{ path: string; code: string; message: string }> {
  if (messageType === undefined || lookupEventType(messageType, registered) !== undefined) return [];
  return [{ path: 'message_type', code: 'unknown_message_type', message: `unknown message_type ${JSON.stringify(messageType)}: it is neither built in nor registered` }];
}
