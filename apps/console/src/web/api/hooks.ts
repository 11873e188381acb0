// Every API read and write of the console as a TanStack Query hook: cached per account, retried when the failure
// is one that passes (rate limits, outages), refreshed on an interval where the page is live.
import type {
  Callback,
  CreateCallbacksResponse,
  CreateHoldRequest,
  DeliveriesResponse,
  Delivery,
  EventTypesResponse,
  Hold,
  ListCallbacksResponse,
  ListHoldsResponse,
  MessageResponse,
  PatchCallbackResponse,
  RecoverResponse,
  RedeliverResponse,
  RotateSecretResponse,
  StatsResponse,
  TestCallbackResponse,
  TimeseriesBucketSize,
  TimeseriesResponse,
} from '@hookmesh/contracts';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { deliveriesApiQuery, type DeliveryFilters } from '../lib/deliveries-query';
import { nextPageParam } from '../lib/pagination';
import type { ApiClient } from './client';

/** A callback as the console shows it (the Callback API's own shape). */
export type ConsoleCallback = Callback;

export const ApiContext = createContext<ApiClient | null>(null);

/** The signed-in account's API client. */
export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (api === null) throw new Error('useApi needs an ApiContext provider');
  return api;
}

const enc = encodeURIComponent;

export const queryKeys = {
  callbacks: (account: string) => [account, 'callbacks'] as const,
  callback: (account: string, id: string) => [account, 'callbacks', id] as const,
  eventTypes: (account: string) => [account, 'event-types'] as const,
  holds: (account: string) => [account, 'holds'] as const,
  deliveries: (account: string, filters?: DeliveryFilters) => (filters === undefined ? ([account, 'deliveries'] as const) : ([account, 'deliveries', filters] as const)),
  delivery: (account: string, id: string) => [account, 'delivery', id] as const,
  message: (account: string, id: string) => [account, 'message', id] as const,
  stats: (account: string, window: string) => [account, 'stats', window] as const,
  timeseries: (account: string, window: string) => [account, 'timeseries', window] as const,
};

export function useCallbacks() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.callbacks(api.account),
    queryFn: async () => (await api.get<ListCallbacksResponse>('subscription', '/callbacks')).callbacks as ConsoleCallback[],
  });
}

export function useCallbackDetail(id: string) {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.callback(api.account, id), queryFn: () => api.get<ConsoleCallback>('subscription', `/callbacks/${enc(id)}`) });
}

export function useEventTypes() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.eventTypes(api.account),
    queryFn: async () => (await api.get<EventTypesResponse>('subscription', '/event_types')).event_types,
    staleTime: 5 * 60_000,
  });
}

export function useHolds() {
  const api = useApi();
  return useQuery({ queryKey: queryKeys.holds(api.account), queryFn: async () => (await api.get<ListHoldsResponse>('subscription', '/callback_holds')).holds });
}

/** The Deliveries list: keyset pages, every loaded page refetched in order every few seconds. */
export function useDeliveries(filters: DeliveryFilters, refreshMs: number) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: queryKeys.deliveries(api.account, filters),
    queryFn: ({ pageParam }) => api.get<DeliveriesResponse>('audit', '/deliveries', deliveriesApiQuery(filters, pageParam)),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: nextPageParam,
    refetchInterval: refreshMs,
    placeholderData: keepPreviousData,
  });
}

/** One delivery with its attempts; refreshes while an attempt may still come. */
export function useDelivery(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.delivery(api.account, id),
    queryFn: () => api.get<Delivery>('audit', `/deliveries/${enc(id)}`),
    refetchInterval: (query) => (query.state.data === undefined || ['pending', 'retrying', 'held', 'circuit_open'].includes(query.state.data.status) ? 2_000 : 15_000),
  });
}

export function useMessage(id: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.message(api.account, id ?? ''),
    queryFn: () => api.get<MessageResponse>('audit', `/messages/${enc(id ?? '')}`),
    enabled: id !== undefined,
    staleTime: Infinity,
  });
}

export function useStats(window: string, since: () => string, refreshMs: number) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.stats(api.account, window),
    queryFn: () => api.get<StatsResponse>('audit', '/stats', { since: since() }),
    refetchInterval: refreshMs,
    placeholderData: keepPreviousData,
  });
}

export function useTimeseries(window: string, query: () => { since: string; bucket: TimeseriesBucketSize }, refreshMs: number) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.timeseries(api.account, window),
    queryFn: () => api.get<TimeseriesResponse>('audit', '/stats/timeseries', query()),
    refetchInterval: refreshMs,
    placeholderData: keepPreviousData,
  });
}

export interface NewCallback {
  url: string;
  message_type: string;
  token?: string;
  profile?: string;
}

export function useCreateCallback() {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (input: NewCallback) => {
      const answer = await api.send<CreateCallbacksResponse>('subscription', 'POST', '/callbacks', [{ ...input, api_version: '1.0' }]);
      const [created] = answer.callbacks;
      if (created === undefined) throw new Error('The service created no callback.');
      return created;
    },
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.callbacks(api.account) }),
  });
}

export interface CallbackPatch {
  url?: string;
  token?: string | null;
  status?: 'active' | 'disabled';
  profile?: string;
}

/** PATCH /callbacks/{id}; the answer carries `secret` only when a move to another profile minted one (shown once). */
export function usePatchCallback(id: string) {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: CallbackPatch) => api.send<PatchCallbackResponse & ConsoleCallback>('subscription', 'PATCH', `/callbacks/${enc(id)}`, patch),
    onSuccess: ({ secret: _secret, ...callback }) => {
      // The secret is for the user's eyes once, never for the cache.
      client.setQueryData(queryKeys.callback(api.account, id), callback);
      return client.invalidateQueries({ queryKey: queryKeys.callbacks(api.account), exact: true });
    },
  });
}

export function useRotateSecret(id: string) {
  const api = useApi();
  return useMutation({ mutationFn: () => api.send<RotateSecretResponse>('subscription', 'POST', `/callbacks/${enc(id)}/rotate_secret`, {}) });
}

export function useSendTestEvent(id: string) {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.send<TestCallbackResponse>('subscription', 'POST', `/callbacks/${enc(id)}/test`),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.deliveries(api.account) }),
  });
}

export function useDeleteCallback(id: string) {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.send<{ deleted: string[]; not_found: string[] }>('subscription', 'DELETE', '/callbacks', [id]),
    onSuccess: () => {
      client.removeQueries({ queryKey: queryKeys.callback(api.account, id) });
      // The list is not on screen (it refetches when shown): without this it would show the deleted row until then.
      client.setQueryData<ConsoleCallback[]>(queryKeys.callbacks(api.account), (rows) => rows?.filter((callback) => callback.id !== id));
      return client.invalidateQueries({ queryKey: queryKeys.callbacks(api.account), exact: true });
    },
  });
}

export function useRedeliver(id: string) {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.send<RedeliverResponse>('audit', 'POST', `/deliveries/${enc(id)}/redeliver`),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.delivery(api.account, id) }),
  });
}

export function useRecoverFailed(callbackId: string) {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (since: string) => api.send<RecoverResponse>('audit', 'POST', `/callbacks/${enc(callbackId)}/recover`, { since }),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.deliveries(api.account) }),
  });
}

export function useCreateHold() {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (hold: CreateHoldRequest) => api.send<Hold>('subscription', 'POST', '/callback_holds', hold),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.holds(api.account) }),
  });
}

export function useReleaseHold() {
  const api = useApi();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (messageType: string) => api.send<Hold>('subscription', 'DELETE', `/callback_holds/${enc(messageType)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.holds(api.account) }),
  });
}
