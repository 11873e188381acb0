import { describe, expect, it } from '@jest/globals';
import { DeliveriesQuery, RecoverRequest } from './audit';
import { problemErrorsFromIssues } from './problem';
import { CreateCallbacksRequest } from './subscription';

describe('DeliveriesQuery', () => {
  it('coerces limit from the query string and defaults it to 50', () => {
    expect(DeliveriesQuery.parse({ limit: '20' }).limit).toBe(20);
    expect(DeliveriesQuery.parse({}).limit).toBe(50);
  });

  it('rejects a limit above 200 or below 1', () => {
    expect(DeliveriesQuery.safeParse({ limit: '201' }).error?.issues[0]?.message).toBe('limit must be at most 200');
    expect(DeliveriesQuery.safeParse({ limit: '0' }).success).toBe(false);
  });

  it('accepts only known delivery statuses', () => {
    expect(DeliveriesQuery.parse({ status: 'retrying' }).status).toBe('retrying');
    expect(DeliveriesQuery.safeParse({ status: 'lost' }).success).toBe(false);
  });
});

describe('RecoverRequest', () => {
  it('requires an ISO since', () => {
    expect(RecoverRequest.safeParse({ since: 'yesterday' }).success).toBe(false);
    expect(RecoverRequest.parse({ since: '2024-05-01T00:00:00Z' })).toEqual({ since: '2024-05-01T00:00:00Z' });
  });
});

describe('problemErrorsFromIssues', () => {
  it('turns zod issues into JSON Pointer paths with the issue code', () => {
    const result = CreateCallbacksRequest.safeParse([{ url: 'x', message_type: 'orderEvent', api_version: '1.0' }]);
    expect(problemErrorsFromIssues(result.error!.issues, '/body')).toEqual([
      { path: '/body/0/url', message: 'url must be an absolute URL such as https://example.com/webhook', code: 'custom' },
    ]);
  });
});
