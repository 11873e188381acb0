// The Deliveries page's filters: kept in the page URL (so a reload, a shared link or the back button keeps them;
// they hold no secret) and turned into the audit API's query.
import type { DeliveryStatus } from '@hookmesh/contracts';
import type { QueryValues } from '../api/client';

export const DELIVERY_STATUS_LABELS = {
  pending: 'Pending',
  held: 'Held',
  circuit_open: 'Circuit open',
  retrying: 'Retrying',
  delivered: 'Delivered',
  failed: 'Failed',
} as const satisfies Record<DeliveryStatus, string>;

export const DELIVERY_STATUSES = Object.keys(DELIVERY_STATUS_LABELS) as DeliveryStatus[];

/** Rows per page of the Deliveries list. */
export const DELIVERIES_PAGE_SIZE = 50;

export interface DeliveryFilters {
  status?: DeliveryStatus;
  message_type?: string;
  callback_id?: string;
  /** ISO 8601 instants. */
  since?: string;
  until?: string;
}

const FILTER_NAMES = ['status', 'message_type', 'callback_id', 'since', 'until'] as const;

function isStatus(value: string): value is DeliveryStatus {
  return (DELIVERY_STATUSES as readonly string[]).includes(value);
}

function isoOrUndefined(value: string | null): string | undefined {
  if (value === null || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Filters from the page URL's query; values that cannot be right (an unknown status, a bad date) are dropped. */
export function filtersFromSearch(search: URLSearchParams): DeliveryFilters {
  const filters: DeliveryFilters = {};
  const status = search.get('status');
  if (status !== null && isStatus(status)) filters.status = status;
  const messageType = search.get('message_type');
  if (messageType) filters.message_type = messageType;
  const callbackId = search.get('callback_id');
  if (callbackId) filters.callback_id = callbackId;
  const since = isoOrUndefined(search.get('since'));
  if (since !== undefined) filters.since = since;
  const until = isoOrUndefined(search.get('until'));
  if (until !== undefined) filters.until = until;
  return filters;
}

/** The page URL's query for the filters (only those set, in a stable order). */
export function searchFromFilters(filters: DeliveryFilters): URLSearchParams {
  const search = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = filters[name];
    if (value !== undefined && value !== '') search.set(name, value);
  }
  return search;
}

/** GET /deliveries query values for one page: the filters, the page size and the keyset cursor of the page. */
export function deliveriesApiQuery(filters: DeliveryFilters, cursor: string | undefined, limit = DELIVERIES_PAGE_SIZE): QueryValues {
  return { ...filters, limit, cursor };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as the value of an <input type="datetime-local"> in the browser's time zone. */
export function localInputValue(iso: string | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The ISO instant of an <input type="datetime-local"> value (read in the browser's time zone), or undefined. */
export function isoFromLocalInput(value: string): string | undefined {
  if (value === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
