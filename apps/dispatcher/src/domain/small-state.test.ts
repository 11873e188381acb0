import { createCallbackSlots } from './callback-slots';
import { createLocalDisables } from './local-disables';

describe('createCallbackSlots', () => {
  it('bounds attempts per callback and frees a slot on release (once)', () => {
    const slots = createCallbackSlots(2);
    const first = slots.tryAcquire('a')!;
    const second = slots.tryAcquire('a')!;
    expect(slots.tryAcquire('a')).toBeNull();
    expect(slots.tryAcquire('b')).not.toBeNull();
    first();
    first();
    expect(slots.inUse('a')).toBe(1);
    expect(slots.tryAcquire('a')).not.toBeNull();
    second();
    expect(slots.inUse('a')).toBe(1);
  });

  it("lets a fresh callback's tasks wait for its first round of attempts, and turns away those behind a second", async () => {
    const slots = createCallbackSlots(2);
    const running = [slots.tryAcquire('a')!, slots.tryAcquire('a')!];
    // Nothing says yet how long 'a' takes: two may wait for the two attempts running, a third would be a round later.
    const queued = [slots.acquire('a', 500), slots.acquire('a', 500)];
    await expect(slots.acquire('a', 500)).resolves.toBeNull();
    expect(slots.inLine('a')).toBe(2);
    for (const release of running) release();
    const handed = await Promise.all(queued);
    expect(handed.every((release) => release !== null)).toBe(true);
    expect(slots.inUse('a')).toBe(2);
  });

  it("lets a fresh callback's waiting task go when the first round outlasts the longest wait", async () => {
    const slots = createCallbackSlots(1);
    slots.tryAcquire('a');
    await expect(slots.acquire('a', 20)).resolves.toBeNull();
    expect(slots.inLine('a')).toBe(0);
  });

  it('lets a task wait in line for a quick callback and hands it the next freed slot before a newcomer', async () => {
    let clock = 0;
    const slots = createCallbackSlots(1, () => clock);
    slots.tryAcquire('a')!();
    const running = (await slots.acquire('a', 500))!;
    clock += 5; // attempts to 'a' take 5 ms
    const queued = slots.acquire('a', 500);
    expect(slots.tryAcquire('a')).toBeNull();
    running();
    const release = await queued;
    expect(release).not.toBeNull();
    expect(slots.inUse('a')).toBe(1);
    release!();
    expect(slots.inUse('a')).toBe(0);
  });

  it('does not queue behind a slow callback: the expected wait exceeds the recheck delay', async () => {
    let clock = 0;
    const slots = createCallbackSlots(2, () => clock);
    const first = slots.tryAcquire('slow')!;
    clock += 2_000;
    first();
    slots.tryAcquire('slow');
    slots.tryAcquire('slow');
    // One in line ahead of nobody: half of 2 s expected, more than the 500 ms recheck.
    await expect(slots.acquire('slow', 500)).resolves.toBeNull();
    expect(slots.inUse('slow')).toBe(2);
  });

  it('gives up waiting when no slot frees within the longest wait', async () => {
    let clock = 0;
    const slots = createCallbackSlots(1, () => clock);
    const first = slots.tryAcquire('a')!;
    clock += 1;
    first();
    const holder = slots.tryAcquire('a')!;
    await expect(slots.acquire('a', 20)).resolves.toBeNull();
    holder();
    // The line is empty again: the next task gets the freed slot at once.
    expect(slots.tryAcquire('a')).not.toBeNull();
  });
});

describe('createLocalDisables', () => {
  const at = new Date('2024-05-01T12:00:00.000Z');

  it('disables at once and hands back to the subscription state once it shows the disable', () => {
    const disables = createLocalDisables();
    disables.disable('acme', 'cb', at);
    expect(disables.isDisabled('acme', 'cb')).toBe(true);
    expect(disables.isDisabled('other', 'cb')).toBe(false);
    disables.observe('acme', 'cb', { status: 'disabled', updated_at: '2024-05-01T12:00:01.000Z' });
    expect(disables.isDisabled('acme', 'cb')).toBe(false);
  });

  it('ignores a stale active state written before the disable, but yields to a later re-enable', () => {
    const disables = createLocalDisables();
    disables.disable('acme', 'cb', at);
    disables.observe('acme', 'cb', { status: 'active', updated_at: '2024-05-01T11:59:00.000Z' });
    expect(disables.isDisabled('acme', 'cb')).toBe(true);
    disables.observe('acme', 'cb', { status: 'active', updated_at: '2024-05-01T12:05:00.000Z' });
    expect(disables.isDisabled('acme', 'cb')).toBe(false);
  });

  it('forgets a deleted callback', () => {
    const disables = createLocalDisables();
    disables.disable('acme', 'cb', at);
    disables.observe('acme', 'cb', null);
    expect(disables.isDisabled('acme', 'cb')).toBe(false);
  });
});
