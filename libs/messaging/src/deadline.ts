// A deadline shared by every step of one operation (a request's publishes and reads), so the caller answers in
// time whatever the link does: each step waits only for what is left, never for a fresh timeout of its own.

/** The moment an operation must be done by. */
export interface Deadline {
  /** The whole budget the deadline was made with (ms), for messages. */
  readonly budgetMs: number;
  /** What is left of the budget (ms); 0 or less once it has passed. */
  remainingMs(): number;
}

/** The budget ran out before the step finished; the step itself may still complete later. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

/** A deadline `budgetMs` from now. */
export function deadlineIn(budgetMs: number, now: () => number = Date.now): Deadline {
  const end = now() + budgetMs;
  return { budgetMs, remainingMs: () => end - now() };
}

/**
 * Resolves as the promise does, or rejects with DeadlineExceeded once the deadline passes, whichever comes first
 * (for steps that take no timeout of their own, such as a JetStream API read).
 */
export async function beforeDeadline<T>(promise: Promise<T>, deadline: Deadline, what: string): Promise<T> {
  const remaining = deadline.remainingMs();
  const exceeded = (): DeadlineExceeded => new DeadlineExceeded(`${what} did not finish within ${deadline.budgetMs} ms`);
  if (remaining <= 0) {
    promise.catch(() => undefined);
    throw exceeded();
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(exceeded()), remaining);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    // The step lost the race; its own failure later must not become an unhandled rejection.
    promise.catch(() => undefined);
  }
}
