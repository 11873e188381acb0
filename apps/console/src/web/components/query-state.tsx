// What a page shows while its data loads or when loading failed.
import { describeError } from '../api/problem';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function LoadError({ error, what }: { error: unknown; what: string }) {
  return (
    <div className="notice notice-error" role="alert">
      <p>
        Could not load {what}: {describeError(error)}
      </p>
    </div>
  );
}
