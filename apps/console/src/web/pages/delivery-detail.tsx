// One delivery: its state, every attempt (time, status code, latency, error, the endpoint's response excerpt as
// plain text), the event it carried, and Redeliver.
import { Link, useParams } from 'react-router';
import { useCallbacks, useDelivery, useMessage, useRedeliver } from '../api/hooks';
import { describeError } from '../api/problem';
import { usePageTitle } from '../components/layout';
import { ErrorNotice, StatusNotice } from '../components/notice';
import { LoadError, Loading } from '../components/query-state';
import { StatusBadge } from '../components/status-badge';
import { formatMs, formatTime, shortId } from '../lib/format';

export function DeliveryDetailPage() {
  const { id = '' } = useParams();
  usePageTitle(`Delivery ${shortId(id)}`);
  const delivery = useDelivery(id);
  const message = useMessage(delivery.data?.message_id);
  const callbacks = useCallbacks();
  const redeliver = useRedeliver(id);

  if (delivery.isPending) return <Loading what="the delivery" />;
  if (delivery.isError) return <LoadError error={delivery.error} what="the delivery" />;
  const data = delivery.data;
  const callback = callbacks.data?.find((candidate) => candidate.id === data.callback_id);
  const attempts = data.attempts ?? [];

  return (
    <>
      <p className="breadcrumb">
        <Link to="/deliveries">Deliveries</Link>
      </p>
      <div className="page-head">
        <h1>
          Delivery <span className="mono">{shortId(data.id)}</span>
        </h1>
        <button type="button" className="primary" onClick={() => redeliver.mutate()} disabled={redeliver.isPending}>
          Redeliver
        </button>
      </div>
      {redeliver.isError ? <ErrorNotice messages={[describeError(redeliver.error)]} /> : null}
      {redeliver.data ? <StatusNotice>Redelivery requested: attempt series {redeliver.data.series} starts now.</StatusNotice> : null}
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={data.status} />
        </dd>
        <dt>Message type</dt>
        <dd>{data.message_type}</dd>
        <dt>Callback</dt>
        <dd className="url">
          <Link to={`/callbacks/${encodeURIComponent(data.callback_id)}`}>{callback?.url ?? data.callback_id}</Link>
        </dd>
        <dt>Delivery ID</dt>
        <dd className="mono">{data.id}</dd>
        <dt>Message ID</dt>
        <dd className="mono">{data.message_id}</dd>
        <dt>Created</dt>
        <dd>{formatTime(data.created_at)}</dd>
        <dt>Updated</dt>
        <dd>{formatTime(data.updated_at)}</dd>
        <dt>Next attempt</dt>
        <dd>{formatTime(data.next_attempt_at)}</dd>
      </dl>
      <section aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts</h2>
        {attempts.length === 0 ? <p className="muted">No attempt yet.</p> : null}
        {attempts.length > 0 ? (
          <table className="attempts">
            <thead>
              <tr>
                <th scope="col">Attempt</th>
                <th scope="col">Time</th>
                <th scope="col">Status code</th>
                <th scope="col">Latency</th>
                <th scope="col">Outcome</th>
                <th scope="col">Error</th>
                <th scope="col">Response excerpt</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((attempt) => (
                <tr key={`${attempt.series}-${attempt.attempt}`}>
                  <td>
                    {attempt.series > 0 ? `${attempt.series}.` : ''}
                    {attempt.attempt}
                  </td>
                  <td>{formatTime(attempt.started_at)}</td>
                  <td>{attempt.status_code ?? '—'}</td>
                  <td>{formatMs(attempt.latency_ms)}</td>
                  <td>
                    <StatusBadge status={attempt.outcome} />
                  </td>
                  <td>{attempt.error_class ? `${attempt.error_class}${attempt.error_message ? `: ${attempt.error_message}` : ''}` : '—'}</td>
                  <td>
                    {/* The endpoint wrote this: React renders it as text, never as markup. */}
                    {attempt.response_excerpt ? <pre className="excerpt">{attempt.response_excerpt}</pre> : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section aria-labelledby="event-title">
        <h2 id="event-title">Event</h2>
        {message.isError ? <LoadError error={message.error} what="the event" /> : null}
        {message.data ? (
          <>
            <p className="muted">
              Ingested {formatTime(message.data.message.ingested_at)}, API version {message.data.message.api_version}.
            </p>
            <pre className="json">{JSON.stringify(message.data.message.data, null, 2)}</pre>
          </>
        ) : null}
      </section>
    </>
  );
}
