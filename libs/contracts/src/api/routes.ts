// Every HTTP route of every service, with the schemas its handler parses and answers with.
import type { z } from 'zod';
import { DeadLettersQuery, DeadLettersResponse } from '../dead-letters';
import type { Scope, ServiceName } from '../primitives';
import {
  DeliveriesQuery,
  DeliveriesResponse,
  Delivery,
  DeliveryParams,
  MessageParams,
  MessageResponse,
  RecoverRequest,
  RecoverResponse,
  RedeliverResponse,
  StatsQuery,
  StatsResponse,
  TimeseriesQuery,
  TimeseriesResponse,
} from './audit';
import { AccountParams, CallbackParams } from './common';
import { EventType, EventTypeParams, EventTypesResponse, PutEventTypeRequest } from './event-types';
import { IngestRequest, IngestResponse } from './ingest';
import { Profile, ProfileParams, ProfilesResponse, WireProfile } from '../profiles';
import { CreatePortalLinkRequest, PortalLink } from './portal-links';
import { CreatedOperationalCallback, CreateOperationalCallbackRequest, OperationalCallback, OperationalCallbackParams, OperationalCallbacksResponse } from './operational-callbacks';
import { HealthResponse, MetricsText, OpenApiDocumentResponse, ReadinessResponse } from './operational';
import {
  Callback,
  CreateCallbacksRequest,
  CreateCallbacksResponse,
  CreateHoldRequest,
  DeleteCallbacksRequest,
  DeleteCallbacksResponse,
  Hold,
  HoldParams,
  ListCallbacksQuery,
  ListCallbacksResponse,
  ListHoldsResponse,
  PatchCallbackRequest,
  PatchCallbackResponse,
  RotateSecretRequest,
  RotateSecretResponse,
  TestCallbackResponse,
} from './subscription';

export const API_BASE_PATH = '/{account}/api/v1';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteDefinition {
  service: ServiceName;
  method: HttpMethod;
  /** OpenAPI path template, e.g. "/{account}/api/v1/callbacks/{id}"; see expressPath. */
  path: string;
  operationId: string;
  summary: string;
  /** null for the unauthenticated operational routes. */
  scope: Scope | null;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** `also`: further success statuses answered with the same schema (PUT: 201 created, 200 replaced). */
  response: { status: number; schema: z.ZodType; contentType?: string; also?: readonly number[] };
  /** Extra error statuses beyond those implied by auth, params and body (e.g. 503 when JetStream cannot store). */
  errors?: readonly number[];
}

const api = (path: string) => `${API_BASE_PATH}${path}`;

/** The operator API: routes under it need a token with scope `admin` and ignore its account claim. */
export const ADMIN_BASE_PATH = '/admin/api/v1';
const admin = (path: string) => `${ADMIN_BASE_PATH}${path}`;

/** Whether a route belongs to the operator API (mounted before the account routes, whose `{account}` would match "admin"). */
export function isAdminRoute(route: Pick<RouteDefinition, 'path'>): boolean {
  return route.path.startsWith(`${ADMIN_BASE_PATH}/`);
}

/** Services whose authenticated routes are rate limited per account (HOOKMESH_RATE_LIMIT_*, and events at ingest), answering 429. */
export const RATE_LIMITED_SERVICES: readonly ServiceName[] = ['subscription-service', 'event-ingest', 'audit'];

export const subscriptionRoutes = [
  {
    service: 'subscription-service', method: 'get', path: api('/callbacks'), operationId: 'listCallbacks',
    summary: 'List callbacks, optionally of one message type', scope: 'callbacks:read',
    params: AccountParams, query: ListCallbacksQuery, response: { status: 200, schema: ListCallbacksResponse },
  },
  {
    service: 'subscription-service', method: 'post', path: api('/callbacks'), operationId: 'createCallbacks',
    summary: 'Create callbacks (all or nothing); answers each with its signing secret', scope: 'callbacks:write',
    params: AccountParams, body: CreateCallbacksRequest, response: { status: 201, schema: CreateCallbacksResponse },
    // 409: the account would pass HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT or _PER_MESSAGE_TYPE.
    errors: [409],
  },
  {
    service: 'subscription-service', method: 'delete', path: api('/callbacks'), operationId: 'deleteCallbacks',
    summary: 'Delete callbacks by id', scope: 'callbacks:write',
    params: AccountParams, body: DeleteCallbacksRequest, response: { status: 200, schema: DeleteCallbacksResponse },
  },
  {
    service: 'subscription-service', method: 'get', path: api('/callbacks/{id}'), operationId: 'getCallback',
    summary: 'Get one callback', scope: 'callbacks:read',
    params: CallbackParams, response: { status: 200, schema: Callback }, errors: [404],
  },
  {
    service: 'subscription-service', method: 'patch', path: api('/callbacks/{id}'), operationId: 'patchCallback',
    summary: 'Change a callback\'s url, token, status, profile, signing, schedule or timeout', scope: 'callbacks:write',
    params: CallbackParams, body: PatchCallbackRequest, response: { status: 200, schema: PatchCallbackResponse }, errors: [404],
  },
  {
    service: 'subscription-service', method: 'post', path: api('/callbacks/{id}/rotate_secret'), operationId: 'rotateCallbackSecret',
    summary: 'Issue a new signing secret; the old one keeps signing until the overlap ends', scope: 'callbacks:write',
    params: CallbackParams, body: RotateSecretRequest, response: { status: 200, schema: RotateSecretResponse }, errors: [404],
  },
  {
    service: 'subscription-service', method: 'post', path: api('/callbacks/{id}/test'), operationId: 'testCallback',
    summary: 'Send the example event of the callback\'s type through the normal pipeline', scope: 'callbacks:write',
    params: CallbackParams, response: { status: 202, schema: TestCallbackResponse }, errors: [404, 409, 503],
  },
  {
    service: 'subscription-service', method: 'get', path: api('/callback_holds'), operationId: 'listHolds',
    summary: 'List holds by message type', scope: 'callbacks:read',
    params: AccountParams, response: { status: 200, schema: ListHoldsResponse },
  },
  {
    service: 'subscription-service', method: 'post', path: api('/callback_holds'), operationId: 'createHold',
    summary: 'Hold deliveries of a message type (not attempted, not lost)', scope: 'callbacks:write',
    params: AccountParams, body: CreateHoldRequest, response: { status: 201, schema: Hold }, errors: [409],
  },
  {
    service: 'subscription-service', method: 'delete', path: api('/callback_holds/{message_type}'), operationId: 'deleteHold',
    summary: 'Release a hold; held deliveries flow again', scope: 'callbacks:write',
    params: HoldParams, response: { status: 200, schema: Hold }, errors: [404],
  },
  {
    service: 'subscription-service', method: 'get', path: api('/event_types'), operationId: 'listEventTypes',
    summary: 'Catalog of live message types (built-in and registered), each with its JSON Schema and an example of its data', scope: 'callbacks:read',
    params: AccountParams, response: { status: 200, schema: EventTypesResponse },
  },
  {
    service: 'subscription-service', method: 'get', path: admin('/event_types'), operationId: 'adminListEventTypes',
    summary: 'Operator: every message type, built-in and registered, archived ones flagged', scope: 'admin',
    response: { status: 200, schema: EventTypesResponse },
  },
  {
    service: 'subscription-service', method: 'put', path: admin('/event_types/{message_type}'), operationId: 'adminPutEventType',
    summary: 'Operator: register a message type or replace its schema (a new version); answers once event-ingest and the dispatcher can see it', scope: 'admin',
    params: EventTypeParams, body: PutEventTypeRequest, response: { status: 201, schema: EventType, also: [200] }, errors: [409, 503],
  },
  {
    service: 'subscription-service', method: 'get', path: admin('/profiles'), operationId: 'adminListProfiles',
    summary: 'Operator: every wire profile, the four built-in ones and the operator\'s own', scope: 'admin',
    response: { status: 200, schema: ProfilesResponse },
  },
  {
    service: 'subscription-service', method: 'put', path: admin('/profiles/{name}'), operationId: 'adminPutProfile',
    summary: 'Operator: define a wire profile or replace it; answers once the dispatcher can see it', scope: 'admin',
    params: ProfileParams, body: WireProfile, response: { status: 201, schema: Profile, also: [200] }, errors: [409, 503],
  },
  {
    service: 'subscription-service', method: 'delete', path: admin('/profiles/{name}'), operationId: 'adminDeleteProfile',
    summary: 'Operator: delete a wire profile no callback uses', scope: 'admin',
    params: ProfileParams, response: { status: 200, schema: Profile }, errors: [404, 409, 503],
  },
  {
    service: 'subscription-service', method: 'delete', path: admin('/event_types/{message_type}'), operationId: 'adminArchiveEventType',
    summary: 'Operator: archive a registered message type (no new callbacks or events; existing ones go on)', scope: 'admin',
    params: EventTypeParams, response: { status: 200, schema: EventType }, errors: [404, 409, 503],
  },
  {
    service: 'subscription-service', method: 'post', path: admin('/portal_links'), operationId: 'adminCreatePortalLink',
    summary: 'Operator: mint a short-lived sign-in link to the web console for an account (the token rides in the link\'s fragment)', scope: 'admin',
    body: CreatePortalLinkRequest, response: { status: 201, schema: PortalLink }, errors: [501],
  },
  {
    service: 'subscription-service', method: 'post', path: admin('/operational_callbacks'), operationId: 'adminCreateOperationalCallback',
    summary: 'Operator: register an endpoint for operational events (callback.disabled, circuits, failed deliveries, dead letters); the answer carries its secret, once', scope: 'admin',
    body: CreateOperationalCallbackRequest, response: { status: 201, schema: CreatedOperationalCallback }, errors: [409],
  },
  {
    service: 'subscription-service', method: 'get', path: admin('/operational_callbacks'), operationId: 'adminListOperationalCallbacks',
    summary: 'Operator: every endpoint registered for operational events', scope: 'admin',
    response: { status: 200, schema: OperationalCallbacksResponse },
  },
  {
    service: 'subscription-service', method: 'delete', path: admin('/operational_callbacks/{id}'), operationId: 'adminDeleteOperationalCallback',
    summary: 'Operator: stop sending operational events to an endpoint', scope: 'admin',
    params: OperationalCallbackParams, response: { status: 200, schema: OperationalCallback }, errors: [404],
  },
] as const satisfies readonly RouteDefinition[];

export const ingestRoutes = [
  {
    service: 'event-ingest', method: 'post', path: api('/events'), operationId: 'ingestEvents',
    summary: 'Store one event or a batch in EVENTS; answers once JetStream stored them', scope: 'events:write',
    params: AccountParams, body: IngestRequest, response: { status: 202, schema: IngestResponse }, errors: [409, 503],
  },
] as const satisfies readonly RouteDefinition[];

export const auditRoutes = [
  {
    service: 'audit', method: 'get', path: api('/deliveries'), operationId: 'listDeliveries',
    summary: 'List deliveries, newest first, with keyset pagination', scope: 'deliveries:read',
    params: AccountParams, query: DeliveriesQuery, response: { status: 200, schema: DeliveriesResponse },
  },
  {
    service: 'audit', method: 'get', path: api('/deliveries/{delivery_id}'), operationId: 'getDelivery',
    summary: 'Get one delivery with every attempt', scope: 'deliveries:read',
    params: DeliveryParams, response: { status: 200, schema: Delivery }, errors: [404],
  },
  {
    service: 'audit', method: 'get', path: api('/messages/{message_id}'), operationId: 'getMessage',
    summary: 'Get an event as ingested and all its deliveries', scope: 'deliveries:read',
    params: MessageParams, response: { status: 200, schema: MessageResponse }, errors: [404],
  },
  {
    service: 'audit', method: 'post', path: api('/deliveries/{delivery_id}/redeliver'), operationId: 'redeliverDelivery',
    summary: 'Start a new attempt series for a delivery', scope: 'deliveries:write',
    params: DeliveryParams, response: { status: 202, schema: RedeliverResponse }, errors: [404, 409, 503],
  },
  {
    service: 'audit', method: 'post', path: api('/callbacks/{id}/recover'), operationId: 'recoverCallback',
    summary: 'Redeliver every failed delivery of a callback since a time', scope: 'deliveries:write',
    params: CallbackParams, body: RecoverRequest, response: { status: 202, schema: RecoverResponse }, errors: [409, 503],
  },
  {
    service: 'audit', method: 'get', path: api('/stats'), operationId: 'getStats',
    summary: 'Delivery statistics per message type and per callback', scope: 'deliveries:read',
    params: AccountParams, query: StatsQuery, response: { status: 200, schema: StatsResponse },
  },
  {
    service: 'audit', method: 'get', path: admin('/dead_letters'), operationId: 'adminListDeadLetters',
    summary: 'Operator: messages the dispatcher or audit gave up on (kept on DEAD), newest first, with keyset pagination', scope: 'admin',
    query: DeadLettersQuery, response: { status: 200, schema: DeadLettersResponse }, errors: [503],
  },
  {
    service: 'audit', method: 'get', path: api('/stats/timeseries'), operationId: 'getStatsTimeseries',
    summary: 'Deliveries by status, attempts and latency per minute, hour or day over a window', scope: 'deliveries:read',
    params: AccountParams, query: TimeseriesQuery, response: { status: 200, schema: TimeseriesResponse },
  },
] as const satisfies readonly RouteDefinition[];

/** The unauthenticated routes every service serves (health, readiness, metrics, its OpenAPI document). */
export function operationalRoutes(service: ServiceName): RouteDefinition[] {
  return [
    { service, method: 'get', path: '/healthz', operationId: 'healthz', summary: 'Alive', scope: null, response: { status: 200, schema: HealthResponse } },
    { service, method: 'get', path: '/readyz', operationId: 'readyz', summary: 'Dependencies answer', scope: null, response: { status: 200, schema: ReadinessResponse }, errors: [503] },
    { service, method: 'get', path: '/metrics', operationId: 'metrics', summary: 'Prometheus metrics', scope: null, response: { status: 200, schema: MetricsText, contentType: 'text/plain; version=0.0.4' } },
    { service, method: 'get', path: '/openapi.json', operationId: 'openapi', summary: 'This OpenAPI document', scope: null, response: { status: 200, schema: OpenApiDocumentResponse } },
  ];
}

/** Every route a service serves: its API routes followed by the operational ones. */
export function routesFor(service: ServiceName): RouteDefinition[] {
  const apiRoutes: readonly RouteDefinition[] =
    service === 'subscription-service' ? subscriptionRoutes : service === 'event-ingest' ? ingestRoutes : service === 'audit' ? auditRoutes : [];
  return [...apiRoutes, ...operationalRoutes(service)];
}

/** Converts an OpenAPI path template to an Express path ("/{account}/x/{id}" → "/:account/x/:id"). */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}
