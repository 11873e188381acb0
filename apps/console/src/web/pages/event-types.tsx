// Event types: the catalog of message types with the JSON Schema of their data and an example.
import { useEventTypes } from '../api/hooks';
import { usePageTitle } from '../components/layout';
import { LoadError, Loading } from '../components/query-state';

export function EventTypesPage() {
  usePageTitle('Event types');
  const eventTypes = useEventTypes();
  return (
    <>
      <div className="page-head">
        <h1>Event types</h1>
      </div>
      <p className="muted">Every message type a callback can subscribe to, with the JSON Schema of its data and an example of that data.</p>
      {eventTypes.isPending ? <Loading what="event types" /> : null}
      {eventTypes.isError ? <LoadError error={eventTypes.error} what="event types" /> : null}
      {(eventTypes.data ?? []).map((type) => (
        <section key={type.message_type} className="panel" aria-labelledby={`type-${type.message_type}`}>
          <h2 id={`type-${type.message_type}`} className="mono">
            {type.message_type}
          </h2>
          <p className="muted">
            {type.builtin ? 'Built in' : `Registered by the operator, version ${type.version}`}
            {type.ordering_key ? ` · ordered by ${type.ordering_key}` : ''}
          </p>
          {type.description ? <p>{type.description}</p> : null}
          <details>
            <summary>Schema</summary>
            <pre className="json">{JSON.stringify(type.schema, null, 2)}</pre>
          </details>
          <details>
            <summary>Example data</summary>
            <pre className="json">{JSON.stringify(type.example, null, 2)}</pre>
          </details>
        </section>
      ))}
    </>
  );
}
