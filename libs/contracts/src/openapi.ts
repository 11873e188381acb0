// OpenAPI 3.1 documents derived from the route registry and the zod schemas; nothing here is hand-written JSON Schema.
import { z } from 'zod';
import {
  Attempt,
  CallbackStats,
  Delivery,
  DeliveriesResponse,
  IngestedEvent,
  MessageResponse,
  MessageTypeStats,
  RecoverRequest,
  RecoverResponse,
  RedeliverResponse,
  StatsResponse,
} from './api/audit';
import { EventType, EventTypesResponse, PutEventTypeRequest } from './api/event-types';
import { Profile, ProfilesResponse, WireProfile } from './profiles';
import { IngestAccepted, IngestBatch, IngestBatchAccepted, IngestEvent, IngestRequest, IngestResponse } from './api/ingest';
import { HealthResponse, ReadinessResponse } from './api/operational';
import { DeadLetter, DeadLettersResponse } from './dead-letters';
import { Problem, PROBLEM_CONTENT_TYPE, ProblemFieldError } from './api/problem';
import { RATE_LIMITED_SERVICES, routesFor, type RouteDefinition } from './api/routes';
import {
  Callback,
  CallbackWithSecret,
  CreateCallbackItem,
  CreateCallbacksRequest,
  CreateCallbacksResponse,
  CreateHoldRequest,
  DeleteCallbacksRequest,
  DeleteCallbacksResponse,
  Hold,
  ListCallbacksResponse,
  ListHoldsResponse,
  PatchCallbackRequest,
  PatchCallbackResponse,
  RotateSecretRequest,
  RotateSecretResponse,
  TestCallbackResponse,
} from './api/subscription';
import type { ServiceName } from './primitives';

type JsonObject = Record<string, unknown>;

/** Schemas that appear under components.schemas by these names (and are $ref-ed wherever they are used). */
export const apiComponentSchemas = {
  Callback,
  CallbackWithSecret,
  CreateCallbackItem,
  CreateCallbacksRequest,
  CreateCallbacksResponse,
  ListCallbacksResponse,
  DeleteCallbacksRequest,
  DeleteCallbacksResponse,
  PatchCallbackRequest,
  PatchCallbackResponse,
  RotateSecretRequest,
  RotateSecretResponse,
  TestCallbackResponse,
  WireProfile,
  Profile,
  ProfilesResponse,
  Hold,
  CreateHoldRequest,
  ListHoldsResponse,
  EventType,
  EventTypesResponse,
  PutEventTypeRequest,
  IngestEvent,
  IngestBatch,
  IngestRequest,
  IngestAccepted,
  IngestBatchAccepted,
  IngestResponse,
  Attempt,
  Delivery,
  DeliveriesResponse,
  IngestedEvent,
  MessageResponse,
  RedeliverResponse,
  RecoverRequest,
  RecoverResponse,
  MessageTypeStats,
  CallbackStats,
  StatsResponse,
  DeadLetter,
  DeadLettersResponse,
  HealthResponse,
  ReadinessResponse,
  Problem,
  ProblemFieldError,
} satisfies Record<string, z.ZodType>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  servers: { url: string; description?: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, JsonObject>>;
  components: {
    schemas: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
    securitySchemes: Record<string, JsonObject>;
  };
}

const COMPONENT_REF = '#/components/schemas/';

const ERROR_RESPONSES: Record<number, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'The request does not match its schema; `errors` lists every issue' },
  401: { name: 'Unauthorized', description: 'Missing or invalid bearer token' },
  403: { name: 'Forbidden', description: 'The token\'s account does not match the path, or a scope is missing' },
  404: { name: 'NotFound', description: 'No such resource in this account' },
  409: { name: 'Conflict', description: 'The request conflicts with the current state (a hold that already exists; an event no longer stored; an idempotency key whose first event is no longer stored; a callback limit of the account, named in the problem\'s `limit` member)' },
  413: { name: 'PayloadTooLarge', description: 'The body exceeds the size limit, or a batch holds more events than allowed' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not JSON (application/json, UTF-8, no content encoding)' },
  429: { name: 'TooManyRequests', description: 'The caller exceeded its rate limit; retry after Retry-After seconds' },
  503: { name: 'Unavailable', description: 'A dependency cannot take the request now; retry after Retry-After seconds' },
  501: { name: 'NotImplemented', description: 'This installation is not set up for it (portal links need HOOKMESH_JWT_SECRET: with a JWKS URL the identity provider issues tokens)' },
};

const SERVICE_DESCRIPTIONS: Record<ServiceName, string> = {
  'subscription-service': 'Callback Configuration API: callbacks, signing secrets, holds, the event catalog',
  'event-ingest': 'Event intake for the platform\'s producers',
  dispatcher: 'Fan-out and delivery (operational routes only)',
  audit: 'Delivery log, redelivery, stats, and the dead letters for operators',
};

function withoutSchemaKeywords(schema: JsonObject): JsonObject {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function convertRegistry(entries: Map<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of entries) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `${COMPONENT_REF}${id}`, unrepresentable: 'any' });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, withoutSchemaKeywords(schema as JsonObject)]));
}

function inlineSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  return withoutSchemaKeywords(z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject);
}

function collectRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string' && inner.startsWith(COMPONENT_REF)) into.add(inner.slice(COMPONENT_REF.length));
      else collectRefs(inner, into);
    }
  }
}

function parametersOf(schema: z.ZodObject | undefined, location: 'path' | 'query'): JsonObject[] {
  if (schema === undefined) return [];
  const json = inlineSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, propertySchema]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    ...(typeof propertySchema.description === 'string' ? { description: propertySchema.description } : {}),
    schema: propertySchema,
  }));
}

function errorStatusesOf(route: RouteDefinition): number[] {
  const statuses = new Set<number>();
  if (route.params !== undefined || route.query !== undefined || route.body !== undefined) statuses.add(400);
  if (route.body !== undefined) {
    // Every service's JSON body parser (libs/http) refuses oversized and non-JSON bodies before the route runs.
    statuses.add(413);
    statuses.add(415);
  }
  if (route.scope !== null) {
    statuses.add(401);
    statuses.add(403);
    if (RATE_LIMITED_SERVICES.includes(route.service)) statuses.add(429);
  }
  for (const status of route.errors ?? []) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

/** Builds the OpenAPI 3.1 document of one service: its routes, zod-derived component schemas, bearer auth and problem+json errors. */
export function buildOpenApiDocument(service: ServiceName, options: { serverUrl?: string; version?: string } = {}): OpenApiDocument {
  const routes = routesFor(service);
  const nameOf = new Map<z.ZodType, string>(Object.entries(apiComponentSchemas).map(([name, schema]) => [schema as z.ZodType, name]));
  const requestEntries = new Map<string, z.ZodType>();
  const responseEntries = new Map<string, z.ZodType>([['Problem', Problem]]);
  // Request bodies are documented as a client may send them (io "input": defaults optional), responses as the server sends them.
  for (const [name, schema] of Object.entries(apiComponentSchemas)) {
    requestEntries.set(name, schema);
    responseEntries.set(name, schema);
  }
  const requestSchemas = convertRegistry(requestEntries, 'input');
  const responseSchemas = convertRegistry(responseEntries, 'output');

  const bodyRef = (schema: z.ZodType, io: 'input' | 'output'): JsonObject => {
    const name = nameOf.get(schema);
    return name === undefined ? inlineSchema(schema, io) : { $ref: `${COMPONENT_REF}${name}` };
  };

  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const success = {
      description: route.summary,
      content: { [route.response.contentType ?? 'application/json']: { schema: bodyRef(route.response.schema, 'output') } },
    };
    const responses: JsonObject = Object.fromEntries([route.response.status, ...(route.response.also ?? [])].map((status) => [String(status), success]));
    for (const status of errorStatusesOf(route)) {
      const error = ERROR_RESPONSES[status];
      responses[String(status)] = error === undefined ? { description: `HTTP ${status}` } : { $ref: `#/components/responses/${error.name}` };
    }
    const operation: JsonObject = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.scope === null ? 'operations' : service],
      security: route.scope === null ? [] : [{ bearerAuth: [route.scope] }],
      ...(route.scope === null ? {} : { 'x-required-scope': route.scope }),
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      ...(route.body === undefined
        ? {}
        : { requestBody: { required: true, content: { 'application/json': { schema: bodyRef(route.body, 'input') } } } }),
      responses,
    };
    paths[route.path] = { ...(paths[route.path] ?? {}), [route.method]: operation };
  }

  // Keep only the components this service's operations reach; a request-side conversion wins for names only requests use.
  const requestNames = new Set(routes.flatMap((route) => (route.body === undefined ? [] : [nameOf.get(route.body)])).filter((n): n is string => n !== undefined));
  const schemas: Record<string, JsonObject> = {};
  const pending = new Set<string>();
  collectRefs(paths, pending);
  pending.add('Problem');
  const visit = (name: string, fromRequest: boolean): void => {
    if (schemas[name] !== undefined) return;
    const schema = (fromRequest ? requestSchemas[name] : responseSchemas[name]) ?? responseSchemas[name];
    if (schema === undefined) return;
    schemas[name] = schema;
    const nested = new Set<string>();
    collectRefs(schema, nested);
    for (const inner of nested) visit(inner, fromRequest);
  };
  for (const name of [...pending].sort()) visit(name, requestNames.has(name));

  // Only the error responses this service's operations use: the document lists no component nothing refers to.
  const usedResponses = new Set(routes.flatMap((route) => errorStatusesOf(route)));
  const errorResponses = Object.fromEntries(
    Object.entries(ERROR_RESPONSES)
      .filter(([status]) => usedResponses.has(Number(status)))
      .map(([, { name, description }]) => [
        name,
        { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: `${COMPONENT_REF}Problem` } } } },
      ]),
  );

  return {
    openapi: '3.1.0',
    info: {
      title: `Hookmesh ${service}`,
      version: options.version ?? '1.0.0',
      description: 'Generated from the zod contracts in libs/contracts. Errors are application/problem+json (RFC 9457).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    // A relative server: the paths are relative to wherever the service serves this document.
    servers: [options.serverUrl === undefined ? { url: '/', description: 'This service, where it serves /openapi.json' } : { url: options.serverUrl }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: service, description: SERVICE_DESCRIPTIONS[service] },
      { name: 'operations', description: 'Probes, metrics and this document; no token needed' },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      responses: errorResponses,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
