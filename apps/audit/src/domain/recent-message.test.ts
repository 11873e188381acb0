import { newMessageId } from '@hookmesh/contracts';
import { isTooRecentToBeAudited, uuidV7Time } from './recent-message';

describe('recent message ids', () => {
  it('reads the creation time of a UUIDv7', () => {
    const before = Date.now();
    const time = uuidV7Time(newMessageId())!;
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
    expect(uuidV7Time('0896116f-e54b-4756-9d3e-1b0c4a25d821')).toBeUndefined();
  });

  it('tells a just-minted id from an old one', () => {
    const now = new Date();
    expect(isTooRecentToBeAudited(newMessageId(), now, 30_000)).toBe(true);
    expect(isTooRecentToBeAudited('018c0000-0000-7000-8000-000000000000', now, 30_000)).toBe(false);
    expect(isTooRecentToBeAudited('not-a-uuid', now, 30_000)).toBe(false);
  });
});
