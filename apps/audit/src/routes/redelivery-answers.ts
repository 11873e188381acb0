// Where the redelivery use cases' errors become answers: the one place they meet HTTP.
import { Conflict, NotFound, Unavailable } from '@hookmesh/http';
import { CallbackDisabled, DeliveryNotFound, EventNotStored, RedeliveryNotStored } from '../domain/redelivery';

/** The HTTP error for a redelivery error (404, 409 or 503 with Retry-After); anything else as it is. */
export function redeliveryAnswer(error: unknown): unknown {
  if (error instanceof DeliveryNotFound) return new NotFound(error.message);
  if (error instanceof CallbackDisabled || error instanceof EventNotStored) return new Conflict(error.message);
  if (error instanceof RedeliveryNotStored) return new Unavailable(5, error.message);
  return error;
}

/** Runs a redelivery use case, its errors turned into answers. */
export async function answeringRedelivery<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw redeliveryAnswer(error);
  }
}
