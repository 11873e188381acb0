import { describe, expect, it } from '@jest/globals';
import { auditRoutes, expressPath, ingestRoutes, subscriptionRoutes } from './api/routes';
import { buildOpenApiDocument } from './openapi';

// The public route table, written out so a route dropped from the registry fails here.
const designPaths = {
  'subscription-service': [
    'get /{account}/api/v1/callbacks',
    'post /{account}/api/v1/callbacks',
    'delete /{account}/api/v1/callbacks',
    'get /{account}/api/v1/callbacks/{id}',
    'patch /{account}/api/v1/callbacks/{id}',
    'post /{account}/api/v1/callbacks/{id}/rotate_secret',
    'post /{account}/api/v1/callbacks/{id}/test',
    'get /{account}/api/v1/callback_holds',
    'post /{account}/api/v1/callback_holds',
    'delete /{account}/api/v1/callback_holds/{message_type}',
    'get /{account}/api/v1/event_types',
    'get /admin/api/v1/event_types',
    'put /admin/api/v1/event_types/{message_type}',
    'delete /admin/api/v1/event_types/{message_type}',
    'get /admin/api/v1/profiles',
    'put /admin/api/v1/profiles/{name}',
    'delete /admin/api/v1/profiles/{name}',
    'post /admin/api/v1/portal_links',
    'post /admin/api/v1/operational_callbacks',
    'get /admin/api/v1/operational_callbacks',
    'delete /admin/api/v1/operational_callbacks/{id}',
  ],
  'event-ingest': ['post /{account}/api/v1/events'],
  audit: [
    'get /{account}/api/v1/deliveries',
    'get /{account}/api/v1/deliveries/{delivery_id}',
    'get /{account}/api/v1/messages/{message_id}',
    'post /{account}/api/v1/deliveries/{delivery_id}/redeliver',
    'post /{account}/api/v1/callbacks/{id}/recover',
    'get /{account}/api/v1/stats',
    'get /admin/api/v1/dead_letters',
    'get /{account}/api/v1/stats/timeseries',
  ],
} as const;
const operational = ['get /healthz', 'get /readyz', 'get /metrics', 'get /openapi.json'];

function operationsOf(doc: ReturnType<typeof buildOpenApiDocument>): string[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`));
}

describe('buildOpenApiDocument', () => {
  it.each(Object.keys(designPaths) as (keyof typeof designPaths)[])('documents every design route of %s plus the operational routes', (service) => {
    const doc = buildOpenApiDocument(service);
    expect(doc.openapi).toBe('3.1.0');
    expect(operationsOf(doc).sort()).toEqual([...designPaths[service], ...operational].sort());
  });

  it('declares bearer auth and the scope each operation needs', () => {
    const doc = buildOpenApiDocument('subscription-service');
    expect(doc.components.securitySchemes['bearerAuth']).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(doc.paths['/{account}/api/v1/callbacks']?.['post']?.['security']).toEqual([{ bearerAuth: ['callbacks:write'] }]);
    expect(doc.paths['/healthz']?.['get']?.['security']).toEqual([]);
  });

  it('documents the operator routes with the admin scope, a PUT answering 201 or 200, and message types as names', () => {
    const doc = buildOpenApiDocument('subscription-service');
    const put = doc.paths['/admin/api/v1/event_types/{message_type}']?.['put'] as { security: unknown; responses: Record<string, unknown>; parameters: Array<{ schema: { pattern?: string } }> };
    expect(put.security).toEqual([{ bearerAuth: ['admin'] }]);
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403', '409', '503']));
    expect(put.parameters[0]?.schema.pattern).toBe('^[A-Za-z][A-Za-z0-9._:-]{0,63}$');
    const hold = doc.components.schemas['CreateHoldRequest'] as { properties: { message_type: { pattern: string; examples: string[] } } };
    expect(hold.properties.message_type.pattern).toBe('^[A-Za-z][A-Za-z0-9._:-]{0,63}$');
    expect(hold.properties.message_type.examples).toContain('orderEvent');
  });

  it('answers errors as problem+json', () => {
    const doc = buildOpenApiDocument('event-ingest');
    const responses = doc.paths['/{account}/api/v1/events']?.['post']?.['responses'] as Record<string, unknown>;
    expect(Object.keys(responses).sort()).toEqual(['202', '400', '401', '403', '409', '413', '415', '429', '503']);
    expect(doc.components.responses['BadRequest']).toMatchObject({
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
    expect(doc.components.schemas['Problem']?.['required']).toEqual(expect.arrayContaining(['title', 'status']));
  });

  it('lists the refusals every body route and every rate-limited service can give', () => {
    const create = buildOpenApiDocument('subscription-service').paths['/{account}/api/v1/callbacks']?.['post']?.['responses'] as Record<string, unknown>;
    // Every service parses JSON bodies and rate-limits each account; creating callbacks can also pass an account limit.
    expect(Object.keys(create).sort()).toEqual(['201', '400', '401', '403', '409', '413', '415', '429']);
    const redeliver = buildOpenApiDocument('audit').paths['/{account}/api/v1/deliveries/{delivery_id}/redeliver']?.['post']?.['responses'] as Record<string, unknown>;
    expect(Object.keys(redeliver).sort()).toEqual(['202', '400', '401', '403', '404', '409', '429', '503']);
    const doc = buildOpenApiDocument('audit');
    expect(doc.components.responses['TooManyRequests']).toBeDefined();
  });

  it('derives component schemas from zod', () => {
    const doc = buildOpenApiDocument('subscription-service');
    const callback = doc.components.schemas['Callback'] as { properties: Record<string, { enum?: string[] }> };
    expect(callback.properties['status']?.enum).toEqual(['active', 'disabled']);
    const item = doc.components.schemas['CreateCallbackItem'] as { properties: Record<string, { const?: string }>; additionalProperties: boolean };
    expect(item.properties['api_version']?.const).toBe('1.0');
    expect(item.additionalProperties).toBe(false);
    expect(JSON.stringify(doc.components.schemas['ListCallbacksResponse'])).toContain('"$ref":"#/components/schemas/Callback"');
  });

  it('documents the delivery controls: ordered and rate-limited callbacks, ordering keys, operational callbacks', () => {
    const subscription = buildOpenApiDocument('subscription-service');
    const item = subscription.components.schemas['CreateCallbackItem'] as { properties: Record<string, unknown> };
    expect(Object.keys(item.properties)).toEqual(expect.arrayContaining(['ordered', 'rate_limit']));
    const callback = subscription.components.schemas['Callback'] as { properties: Record<string, unknown> };
    expect(Object.keys(callback.properties)).toEqual(expect.arrayContaining(['ordered', 'rate_limit', 'rate_limited', 'health', 'disabled_reason']));
    expect(JSON.stringify(subscription.paths['/admin/api/v1/operational_callbacks']?.['post'])).toContain('"admin"');
    expect(JSON.stringify(buildOpenApiDocument('event-ingest').components.schemas)).toContain('"ordering_key"');
  });

  it('only carries the components its own operations reach', () => {
    expect(buildOpenApiDocument('event-ingest').components.schemas['Delivery']).toBeUndefined();
    expect(buildOpenApiDocument('audit').components.schemas['Delivery']).toBeDefined();
  });

  it('documents path and query parameters, with the limit default', () => {
    const parameters = buildOpenApiDocument('audit').paths['/{account}/api/v1/deliveries']?.['get']?.['parameters'] as {
      name: string;
      in: string;
      required: boolean;
      schema: Record<string, unknown>;
    }[];
    expect(parameters.find((p) => p.name === 'account')).toMatchObject({ in: 'path', required: true });
    expect(parameters.find((p) => p.name === 'limit')).toMatchObject({ in: 'query', required: false, schema: { default: 50, maximum: 200 } });
  });

  it('produces JSON without undefined values or functions', () => {
    const doc = buildOpenApiDocument('audit');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});

describe('route registry', () => {
  it('gives every API route a unique operationId', () => {
    const ids = [...subscriptionRoutes, ...ingestRoutes, ...auditRoutes].map((route) => route.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('converts path templates to Express paths', () => {
    expect(expressPath('/{account}/api/v1/callbacks/{id}/test')).toBe('/:account/api/v1/callbacks/:id/test');
  });
});
