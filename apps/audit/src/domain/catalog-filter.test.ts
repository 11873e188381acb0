import type { EventTypeState } from '@hookmesh/contracts';
import { unknownMessageTypeIssues } from './catalog-filter';

const archived = { message_type: 'Orders.Created', archived: true } as EventTypeState;

describe('unknownMessageTypeIssues', () => {
  it('accepts no filter, a built-in type and a registered one, archived or not', () => {
    const registered = (name: string) => (name === 'Orders.Created' ? archived : undefined);
    expect(unknownMessageTypeIssues(undefined, registered)).toEqual([]);
    expect(unknownMessageTypeIssues('orderEvent', registered)).toEqual([]);
    expect(unknownMessageTypeIssues('Orders.Created', registered)).toEqual([]);
  });

  it('names a type the catalog never had', () => {
    expect(unknownMessageTypeIssues('orderEvents', () => undefined)).toEqual([expect.objectContaining({ path: 'message_type', code: 'unknown_message_type' })]);
  });
});
