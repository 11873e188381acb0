// Deliveries: the delivery log with filters (kept in the page URL), keyset pages and a live refresh that keeps
// the filters, the loaded pages and the scroll position; and, for one callback, "recover failed since".
import { useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useCallbacks, useDeliveries, useEventTypes, useRecoverFailed } from '../api/hooks';
import { describeError } from '../api/problem';
import { Field } from '../components/field';
import { usePageTitle } from '../components/layout';
import { ErrorNotice, StatusNotice } from '../components/notice';
import { LoadError, Loading } from '../components/query-state';
import { StatusBadge } from '../components/status-badge';
import {
  DELIVERY_STATUS_LABELS,
  DELIVERY_STATUSES,
  filtersFromSearch,
  isoFromLocalInput,
  localInputValue,
  searchFromFilters,
  type DeliveryFilters,
} from '../lib/deliveries-query';
import { formatTime, shortId } from '../lib/format';
import { flattenPages } from '../lib/pagination';

const REFRESH_MS = 5_000;

function RecoverFailed({ callbackId }: { callbackId: string }) {
  const recover = useRecoverFailed(callbackId);
  const [since, setSince] = useState(() => localInputValue(new Date(Date.now() - 86_400_000).toISOString()));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const iso = isoFromLocalInput(since);
    if (iso !== undefined) recover.mutate(iso);
  };
  return (
    <form className="panel inline-form" onSubmit={submit} aria-labelledby="recover-title">
      <h2 id="recover-title">Recover failed since</h2>
      <p className="field-hint">Redelivers every failed delivery of this callback since the time you choose.</p>
      {recover.isError ? <ErrorNotice messages={[describeError(recover.error)]} /> : null}
      {recover.data ? <StatusNotice>{recover.data.count === 1 ? '1 failed delivery is being redelivered.' : `${recover.data.count} failed deliveries are being redelivered.`}</StatusNotice> : null}
      <Field label="Failed since">
        <input type="datetime-local" value={since} onChange={(event) => setSince(event.target.value)} />
      </Field>
      <div className="actions">
        <button type="submit" disabled={recover.isPending || since === ''}>
          Recover failed
        </button>
      </div>
    </form>
  );
}

export function DeliveriesPage() {
  usePageTitle('Deliveries');
  const [search, setSearch] = useSearchParams();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const deliveries = useDeliveries(filters, REFRESH_MS);
  const callbacks = useCallbacks();
  const eventTypes = useEventTypes();
  const rows = useMemo(() => flattenPages((deliveries.data?.pages ?? []).map((page) => ({ next_cursor: page.next_cursor, items: page.deliveries }))), [deliveries.data]);
  const urlOf = (id: string) => callbacks.data?.find((callback) => callback.id === id)?.url ?? id;

  const setFilter = (name: keyof DeliveryFilters, value: string | undefined) => {
    const next: DeliveryFilters = { ...filters };
    if (value === undefined || value === '') delete next[name];
    else (next as Record<string, string>)[name] = value;
    setSearch(searchFromFilters(next), { replace: true });
  };

  return (
    <>
      <div className="page-head">
        <h1>Deliveries</h1>
        <p className="muted" aria-live="off">
          Refreshes every {REFRESH_MS / 1000} s{deliveries.isFetching ? '…' : ''}
        </p>
      </div>
      <form className="filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <Field label="Status">
          <select value={filters.status ?? ''} onChange={(event) => setFilter('status', event.target.value)}>
            <option value="">All statuses</option>
            {DELIVERY_STATUSES.map((status) => (
              <option key={status} value={status}>
                {DELIVERY_STATUS_LABELS[status]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Message type">
          <select value={filters.message_type ?? ''} onChange={(event) => setFilter('message_type', event.target.value)}>
            <option value="">All types</option>
            {(eventTypes.data ?? []).map((type) => (
              <option key={type.message_type} value={type.message_type}>
                {type.message_type}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Callback">
          <select value={filters.callback_id ?? ''} onChange={(event) => setFilter('callback_id', event.target.value)}>
            <option value="">All callbacks</option>
            {(callbacks.data ?? []).map((callback) => (
              <option key={callback.id} value={callback.id}>
                {callback.url} ({callback.message_type})
              </option>
            ))}
            {filters.callback_id !== undefined && !(callbacks.data ?? []).some((callback) => callback.id === filters.callback_id) ? (
              <option value={filters.callback_id}>{filters.callback_id}</option>
            ) : null}
          </select>
        </Field>
        <Field label="Since">
          <input type="datetime-local" value={localInputValue(filters.since)} onChange={(event) => setFilter('since', isoFromLocalInput(event.target.value))} />
        </Field>
        <Field label="Until">
          <input type="datetime-local" value={localInputValue(filters.until)} onChange={(event) => setFilter('until', isoFromLocalInput(event.target.value))} />
        </Field>
        <div className="actions">
          <button type="button" onClick={() => setSearch(new URLSearchParams(), { replace: true })} disabled={Object.keys(filters).length === 0}>
            Clear filters
          </button>
        </div>
      </form>
      {filters.callback_id !== undefined ? <RecoverFailed key={filters.callback_id} callbackId={filters.callback_id} /> : null}
      {deliveries.isPending ? <Loading what="deliveries" /> : null}
      {deliveries.isError ? <LoadError error={deliveries.error} what="deliveries" /> : null}
      {deliveries.data && rows.length === 0 ? <p className="muted">No deliveries match these filters.</p> : null}
      {rows.length > 0 ? (
        <table>
          <caption className="visually-hidden">Deliveries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Delivery</th>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
              <th scope="col">Message type</th>
              <th scope="col">Callback</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last response</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((delivery) => (
              <tr key={delivery.id}>
                <td className="mono">
                  <Link to={`/deliveries/${encodeURIComponent(delivery.id)}`} aria-label={`Delivery ${delivery.id}`}>
                    {shortId(delivery.id)}
                  </Link>
                </td>
                <td>{formatTime(delivery.created_at)}</td>
                <td>
                  <StatusBadge status={delivery.status} />
                </td>
                <td>{delivery.message_type}</td>
                <td className="url">{urlOf(delivery.callback_id)}</td>
                <td>{delivery.attempts_count}</td>
                <td>{delivery.last_status_code ?? delivery.last_error ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {deliveries.hasNextPage ? (
        <div className="actions">
          <button type="button" onClick={() => void deliveries.fetchNextPage()} disabled={deliveries.isFetchingNextPage}>
            Load more
          </button>
        </div>
      ) : null}
    </>
  );
}
