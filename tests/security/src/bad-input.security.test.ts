// Bad input against the three public APIs, table-driven and fuzzed: every request gets a 4xx problem+json, every
// process stays up, and the database (read back through the public APIs) and the streams are exactly as before.
import {
  CreateCallbacksRequest,
  CreateHoldRequest,
  DeleteCallbacksRequest,
  DeliveriesQuery,
  ListCallbacksQuery,
  PatchCallbackRequest,
  RecoverRequest,
  RotateSecretRequest,
  StatsQuery,
  eventTypes,
  parseIngestRequest,
} from '@hookmesh/contracts';
import { adminCall, call, postEvent, registerCallbacks, startPlatform, startReceiver, waitFor, type Platform, type ServiceName, type TestReceiver } from '@hookmesh/testing';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { HOSTILE_STRINGS, encodeSegment, invalidBodies, queryStrings, wrongIds } from './support/fuzz';
import { SecretRegistry, auditAnswers, findLeaks } from './support/leaks';
import { ALL_HEALTHY, healthOfAll, problemViolations, runProbes, send, sendRaw, type Probe } from './support/probe';
import { openStateReader, type Snapshot, type StateReader } from './support/state';

const ACCOUNT = 'acme';
const FUZZ_RUNS = 200;
// Fixed by default so a CI run is reproducible; FUZZ_SEED=<n> (or "random") explores other inputs.
const FUZZ_SEED = process.env['FUZZ_SEED'] === 'random' ? Date.now() : Number(process.env['FUZZ_SEED'] ?? 20261124);
const orderData = (eventTypes.orderEvent.example as { data: unknown }).data;
const future = () => new Date(Date.now() + 3_600_000).toISOString();

/** Figures for docs/security.md, printed once at the end. */
const figures: Record<string, number> = {};
const count = (key: string, by = 1) => (figures[key] = (figures[key] ?? 0) + by);

const json = (value: unknown) => JSON.stringify(value);
const asJson = { 'content-type': 'application/json' };

/** Probes every JSON-body route shares: broken JSON, wrong media types, encodings, sizes and shapes. */
function malformedBodies(method: string, path: string, limitBytes: number): Probe[] {
  const at = (name: string, rest: Omit<Probe, 'name' | 'method' | 'path'>): Probe => ({ name: `${method} ${path} ${name}`, method, path, ...rest });
  const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  return [
    at('malformed JSON', { body: '{"url":', headers: asJson, expect: [400] }),
    at('truncated JSON', { body: '[{"url":"https://a.example/x","message_type":"orderEv', headers: asJson, expect: [400] }),
    at('trailing garbage', { body: '{} x', headers: asJson, expect: [400] }),
    at('single quotes', { body: "{'a': 1}", headers: asJson, expect: [400] }),
    at('NaN literal', { body: '{"a": NaN}', headers: asJson, expect: [400] }),
    at('trailing comma', { body: '{"a": 1,}', headers: asJson, expect: [400] }),
    at('top-level null', { body: 'null', headers: asJson, expect: [400] }),
    at('top-level string', { body: '"text"', headers: asJson, expect: [400] }),
    at('top-level number', { body: '123', headers: asJson, expect: [400] }),
    at('byte order mark and garbage', { body: '\ufeff\u0000{', headers: asJson, expect: [400] }),
    at('text/plain', { body: '{}', headers: { 'content-type': 'text/plain' }, expect: [415] }),
    at('form encoded', { body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, expect: [415] }),
    at('multipart', { body: '--x\r\n\r\n{}\r\n--x--', headers: { 'content-type': 'multipart/form-data; boundary=x' }, expect: [415] }),
    at('xml', { body: '<a/>', headers: { 'content-type': 'application/xml' }, expect: [415] }),
    // body-parser reads utf-16 (then the bytes are not JSON: 400) and refuses non-UTF charsets (415).
    at('utf-16 charset', { body: '{}', headers: { 'content-type': 'application/json; charset=utf-16' }, expect: [400, 415] }),
    at('latin1 charset', { body: '{}', headers: { 'content-type': 'application/json; charset=latin1' }, expect: [415] }),
    at('unknown content-encoding', { body: '{}', headers: { ...asJson, 'content-encoding': 'compress' }, expect: [415] }),
    at('gzip that is not gzip', { body: 'not gzip at all', headers: { ...asJson, 'content-encoding': 'gzip' }, expect: [400] }),
    at('gzip bomb past the limit', { body: gzipSync(Buffer.alloc(limitBytes * 4, 0x20)), headers: { ...asJson, 'content-encoding': 'gzip' }, expect: [413] }),
    at('body past the limit', { body: json({ pad: 'x'.repeat(limitBytes + 1024) }), headers: asJson, expect: [413] }),
    at('deep nesting (100,000 levels)', { body: deep(100_000), headers: asJson, expect: [400, 413] }),
    at('deep nesting (500 levels)', { body: deep(500), headers: asJson, expect: [400] }),
    at('huge array of numbers', { body: json(Array.from({ length: 20_000 }, (_, i) => i)), headers: asJson, expect: [400, 413] }),
  ];
}

function subscriptionProbes(ids: { callback: string; heldType: string }): Probe[] {
  const item = { url: 'http://127.0.0.1:9/never', message_type: 'orderEvent', api_version: '1.0' };
  const create = (name: string, body: unknown, expect: number[] = [400]): Probe => ({ name: `POST /callbacks ${name}`, method: 'POST', path: '/callbacks', body: json(body), headers: asJson, expect });
  const patch = (name: string, body: unknown, id = ids.callback, expect: number[] = [400]): Probe => ({ name: `PATCH /callbacks/{id} ${name}`, method: 'PATCH', path: `/callbacks/${encodeURIComponent(id)}`, body: json(body), headers: asJson, expect });
  const hold = (name: string, body: unknown, expect: number[] = [400]): Probe => ({ name: `POST /callback_holds ${name}`, method: 'POST', path: '/callback_holds', body: json(body), headers: asJson, expect });
  const rotate = (name: string, body: unknown): Probe => ({ name: `rotate_secret ${name}`, method: 'POST', path: `/callbacks/${ids.callback}/rotate_secret`, body: json(body), headers: asJson, expect: [400] });
  const get = (name: string, path: string, expect: number[]): Probe => ({ name, method: 'GET', path, expect });
  return [
    ...malformedBodies('POST', '/callbacks', 512 * 1024),
    ...malformedBodies('PATCH', `/callbacks/${ids.callback}`, 512 * 1024),
    create('empty array', []),
    create('101 callbacks', Array.from({ length: 101 }, () => item)),
    create('one bad item among good ones (all or nothing)', [item, { ...item, message_type: 'nope' }, item]),
    create('unknown field', [{ ...item, admin: true }]),
    create('__proto__ field', JSON.parse(`[{"url":"${item.url}","message_type":"orderEvent","api_version":"1.0","__proto__":{"admin":true}}]`) as unknown),
    create('SQL in message_type', [{ ...item, message_type: "'; drop table x;--" }]),
    create('header injection in message_type', [{ ...item, message_type: 'orderEvent\r\nX-Injected: 1' }]),
    create('NUL in message_type', [{ ...item, message_type: 'orderEvent\u0000' }]),
    create('fullwidth message_type', [{ ...item, message_type: 'ｏｒｄｅｒEvent' }]),
    create('NUL in url', [{ ...item, url: 'http://127.0.0.1:9/\u0000' }]),
    create('javascript: url', [{ ...item, url: 'javascript:alert(1)' }]),
    create('file: url', [{ ...item, url: 'file:///etc/passwd' }]),
    create('credentials in url', [{ ...item, url: 'http://user:pw@127.0.0.1:9/x' }]),
    create('url past 2048 characters', [{ ...item, url: `http://127.0.0.1:9/${'a'.repeat(2100)}` }]),
    create('api_version 2.0', [{ ...item, api_version: '2.0' }]),
    create('empty token', [{ ...item, token: '' }]),
    create('token past 512 characters', [{ ...item, token: 't'.repeat(513) }]),
    create('timeout_ms negative', [{ ...item, timeout_ms: -1 }]),
    create('timeout_ms fractional', [{ ...item, timeout_ms: 1500.5 }]),
    create('timeout_ms 1e308', [{ ...item, timeout_ms: 1e308 }]),
    { name: 'POST /callbacks timeout_ms 1e400 (Infinity)', method: 'POST', path: '/callbacks', body: `[{"url":"${item.url}","message_type":"orderEvent","api_version":"1.0","timeout_ms":1e400}]`, headers: asJson, expect: [400] },
    create('timeout_ms as string', [{ ...item, timeout_ms: '5000' }]),
    create('items nested in an object', { callbacks: [item] }),
    { name: 'DELETE /callbacks not an array', method: 'DELETE', path: '/callbacks', body: json({ id: ids.callback }), headers: asJson, expect: [400] },
    { name: 'DELETE /callbacks empty', method: 'DELETE', path: '/callbacks', body: '[]', headers: asJson, expect: [400] },
    { name: 'DELETE /callbacks duplicate ids', method: 'DELETE', path: '/callbacks', body: json([randomUUID(), randomUUID(), 'x', 'x']), headers: asJson, expect: [400] },
    { name: 'DELETE /callbacks numbers', method: 'DELETE', path: '/callbacks', body: json([1, 2]), headers: asJson, expect: [400] },
    { name: 'DELETE /callbacks 101 ids', method: 'DELETE', path: '/callbacks', body: json(Array.from({ length: 101 }, () => randomUUID())), headers: asJson, expect: [400] },
    patch('empty patch', {}),
    patch('unknown status', { status: 'deleted' }),
    patch('unknown field', { status: 'active', owner: 'other' }),
    patch('url is a number', { url: 42 }),
    patch('header injection in token', { token: 'a\r\nX-Injected: 1'.padEnd(600, 'x') }),
    patch('javascript: url', { url: 'javascript:alert(1)' }),
    patch('on an unknown id', { status: 'disabled' }, randomUUID(), [404]),
    patch('on a SQL id', { status: 'disabled' }, "'; drop table x;--", [404]),
    rotate('negative overlap', { overlap_seconds: -1 }),
    rotate('overlap past 7 days', { overlap_seconds: 1e9 }),
    rotate('overlap as string', { overlap_seconds: '60' }),
    rotate('overlap fractional', { overlap_seconds: 1.5 }),
    rotate('unknown field', { overlap_seconds: 1, secret: 'whsec_mine' }),
    { name: 'rotate_secret unknown id', method: 'POST', path: `/callbacks/${randomUUID()}/rotate_secret`, body: '{}', headers: asJson, expect: [404] },
    { name: 'test of an unknown id', method: 'POST', path: `/callbacks/${randomUUID()}/test`, expect: [404] },
    { name: 'test of a SQL id', method: 'POST', path: `/callbacks/${encodeURIComponent("1' OR '1'='1")}/test`, expect: [404] },
    hold('unknown message_type', { message_type: 'nope' }),
    hold('SQL message_type', { message_type: "'; drop table x;--" }),
    hold('empty reason', { message_type: 'qualityEvent', reason: '' }),
    hold('reason past 500 characters', { message_type: 'qualityEvent', reason: 'r'.repeat(501) }),
    hold('expires_at not a date', { message_type: 'qualityEvent', expires_at: 'tomorrow' }),
    hold('expires_at in the past', { message_type: 'qualityEvent', expires_at: '2001-01-01T00:00:00Z' }),
    hold('expires_at on February 31st', { message_type: 'qualityEvent', expires_at: '2999-02-31T00:00:00Z' }),
    hold('expires_at in year 0', { message_type: 'qualityEvent', expires_at: '0000-01-01T00:00:00Z' }),
    hold('unknown field', { message_type: 'qualityEvent', account: 'other' }),
    hold('hold that exists already', { message_type: ids.heldType }, [409]),
    get('GET /callbacks/{id} not a uuid', '/callbacks/not-a-uuid', [404]),
    get('GET /callbacks/{id} unknown uuid', `/callbacks/${randomUUID()}`, [404]),
    get('GET /callbacks/{id} SQL', `/callbacks/${encodeURIComponent("'; drop table x;--")}`, [404]),
    get('GET /callbacks/{id} CRLF', '/callbacks/a%0D%0AX-Injected:%201', [404]),
    get('GET /callbacks/{id} NUL', '/callbacks/%00', [404]),
    get('GET /callbacks/{id} 201 characters', `/callbacks/${'a'.repeat(201)}`, [400]),
    get('GET /callbacks/{id} invalid percent-encoding', '/callbacks/%E0%A4%A', [400, 404]),
    get('GET /callbacks?message_type=SQL', `/callbacks?message_type=${encodeURIComponent("'; drop table x;--")}`, [400]),
    get('GET /callbacks?message_type=CRLF', '/callbacks?message_type=a%0D%0AX-Injected:%201', [400]),
    get('GET /callbacks?message_type twice', '/callbacks?message_type=all&message_type=orderEvent', [400]),
    get('GET /callbacks unknown query parameter', '/callbacks?message_type=all&admin=1', [400]),
    { name: 'DELETE /callback_holds/{type that is not held}', method: 'DELETE', path: '/callback_holds/nope', expect: [404] },
    { name: 'DELETE /callback_holds/{malformed type}', method: 'DELETE', path: '/callback_holds/no%20pe', expect: [400] },
    { name: 'DELETE /callback_holds/{SQL}', method: 'DELETE', path: `/callback_holds/${encodeURIComponent("'; drop table x;--")}`, expect: [400] },
    { name: 'DELETE /callback_holds/{type not held}', method: 'DELETE', path: '/callback_holds/qualityEvent', expect: [404] },
    { name: 'unknown route', method: 'GET', path: '/callbacks/x/y/z', expect: [404] },
    { name: 'unsupported method', method: 'PUT', path: '/callbacks', body: '[]', headers: asJson, expect: [404, 405] },
  ];
}

function ingestProbes(limitBytes: number): Probe[] {
  const event = { message_type: 'orderEvent', data: orderData };
  const post = (name: string, body: unknown, expect: number[] = [400]): Probe => ({ name: `POST /events ${name}`, method: 'POST', path: '/events', body: json(body), headers: asJson, expect });
  return [
    ...malformedBodies('POST', '/events', limitBytes),
    post('empty object', {}),
    post('empty batch', []),
    post('batch past 500 events', Array.from({ length: 501 }, () => event), [400, 413]),
    post('one bad event in a batch (all or nothing)', [event, { ...event, message_type: 'nope' }, event]),
    post('unknown message_type', { ...event, message_type: 'nope' }),
    post('SQL in message_type', { ...event, message_type: "'; drop table x;--" }),
    post('header injection in message_type', { ...event, message_type: 'orderEvent\r\nX-Injected: 1' }),
    post('NUL in message_type', { ...event, message_type: 'orderEvent\u0000' }),
    post('unicode look-alike message_type', { ...event, message_type: 'оrderEvent' }),
    post('data of another type', { message_type: 'orderEvent', data: (eventTypes.snapshotReady.example as { data: unknown }).data }),
    post('data missing', { message_type: 'orderEvent' }),
    post('data null', { message_type: 'orderEvent', data: null }),
    post('data a string', { message_type: 'orderEvent', data: 'x' }),
    post('data deeply nested', { message_type: 'orderEvent', data: JSON.parse(`${'['.repeat(2_000)}${']'.repeat(2_000)}`) as unknown }),
    post('unknown top-level field', { ...event, account: 'other' }),
    post('header injection in idempotency_key', { ...event, idempotency_key: 'a\r\nX-Injected: 1' }),
    post('NUL in idempotency_key', { ...event, idempotency_key: 'key\u0000' }),
    post('empty idempotency_key', { ...event, idempotency_key: '' }),
    post('idempotency_key past 200 characters', { ...event, idempotency_key: 'k'.repeat(201) }),
    post('idempotency_key a number', { ...event, idempotency_key: 7 }),
    post('idempotency_key an object', { ...event, idempotency_key: { $ne: null } }),
    post('quantity negative', { ...event, data: replaceQuantities(orderData, -1) }),
    post('quantity 1e308', { ...event, data: replaceQuantities(orderData, 1e308) }),
    post('quantity fractional', { ...event, data: replaceQuantities(orderData, 0.5) }),
    { name: 'POST /events quantity 1e400 (Infinity)', method: 'POST', path: '/events', body: json({ ...event, data: replaceQuantities(orderData, 123456789) }).replace(/123456789/g, '1e400'), headers: asJson, expect: [400] },
    { name: 'GET /events (no such route)', method: 'GET', path: '/events', expect: [404, 405] },
  ];
}

/** The example data with every `quantity` set to `value`: numbers out of range deep inside a valid event. */
function replaceQuantities(data: unknown, value: number): unknown {
  return JSON.parse(JSON.stringify(data), (key, current: unknown) => (key === 'quantity' ? value : current)) as unknown;
}

function auditProbes(ids: { callback: string }): Probe[] {
  const get = (name: string, path: string, expect: number[] = [400]): Probe => ({ name: `GET ${name}`, method: 'GET', path, expect });
  const recover = (name: string, body: string, expect: number[] = [400], headers: Record<string, string> = asJson): Probe => ({ name: `recover ${name}`, method: 'POST', path: `/callbacks/${ids.callback}/recover`, body, headers, expect });
  const forgedCursor = (value: unknown) => Buffer.from(json(value)).toString('base64url');
  return [
    ...malformedBodies('POST', `/callbacks/${ids.callback}/recover`, 256 * 1024),
    get('limit=0', '/deliveries?limit=0'),
    get('limit=-1', '/deliveries?limit=-1'),
    get('limit=201', '/deliveries?limit=201'),
    get('limit=1e999', '/deliveries?limit=1e999'),
    get('limit=abc', '/deliveries?limit=abc'),
    get('limit=1.5', '/deliveries?limit=1.5'),
    get('limit twice', '/deliveries?limit=1&limit=2'),
    get('status unknown', '/deliveries?status=gone'),
    get('status SQL', `/deliveries?status=${encodeURIComponent("delivered' OR '1'='1")}`),
    get('message_type SQL', `/deliveries?message_type=${encodeURIComponent("'; drop table x;--")}`),
    get('message_type CRLF', '/deliveries?message_type=a%0D%0AX-Injected:%201'),
    get('callback_id 201 characters', `/deliveries?callback_id=${'c'.repeat(201)}`),
    get('since not a date', '/deliveries?since=yesterday'),
    get('since February 31st', '/deliveries?since=2024-02-31T00:00:00Z'),
    get('until month 13', '/deliveries?until=2024-13-01T00:00:00Z'),
    get('cursor garbage', '/deliveries?cursor=!!!'),
    get('cursor not ours', `/deliveries?cursor=${forgedCursor(['2024-01-01T00:00:00.000000Z', "'; drop table x;--"])}`),
    get('cursor with SQL', `/deliveries?cursor=${encodeURIComponent("' OR 1=1 --")}`),
    get('cursor past 500 characters', `/deliveries?cursor=${'a'.repeat(501)}`),
    get('unknown query parameter', '/deliveries?admin=1'),
    get('deliveries/{id} not a uuid', '/deliveries/not-a-uuid', [404]),
    get('deliveries/{id} unknown uuid', `/deliveries/${randomUUID()}`, [404]),
    get('deliveries/{id} SQL', `/deliveries/${encodeURIComponent("'; drop table x;--")}`, [404]),
    get('deliveries/{id} NUL', '/deliveries/%00', [404]),
    get('deliveries/{id} 201 characters', `/deliveries/${'d'.repeat(201)}`, [400]),
    get('messages/{id} unknown', `/messages/${randomUUID()}`, [404]),
    get('messages/{id} SQL', `/messages/${encodeURIComponent("1' UNION SELECT secret FROM callbacks --")}`, [404]),
    get('messages/{id} NUL', '/messages/a%00b', [400, 404]),
    get('messages/{id} CRLF', '/messages/a%0D%0AX-Injected:%201', [404]),
    { name: 'redeliver not a uuid', method: 'POST', path: '/deliveries/not-a-uuid/redeliver', expect: [404] },
    { name: 'redeliver unknown uuid', method: 'POST', path: `/deliveries/${randomUUID()}/redeliver`, expect: [404] },
    { name: 'redeliver SQL', method: 'POST', path: `/deliveries/${encodeURIComponent("'; drop table x;--")}/redeliver`, expect: [404] },
    recover('empty object', '{}'),
    recover('since not a date', json({ since: 'last week' })),
    recover('since a number', json({ since: 1700000000 })),
    recover('since February 31st', json({ since: '2024-02-31T00:00:00Z' })),
    recover('unknown field', json({ since: '2024-01-01T00:00:00Z', all_accounts: true })),
    recover('an array', json([{ since: '2024-01-01T00:00:00Z' }])),
    recover('text/plain', json({ since: '2024-01-01T00:00:00Z' }), [415], { 'content-type': 'text/plain' }),
    get('stats since not a date', '/stats?since=now'),
    get('stats since February 31st', '/stats?since=2024-02-31T00:00:00Z'),
    get('stats unknown parameter', '/stats?account=other'),
  ];
}

/** Bad definitions for the operator's event catalog (PUT /admin/api/v1/event_types/{name}). */
function catalogProbes(): Probe[] {
  const definition = { schema: { type: 'object', required: ['id'] }, example: { id: '1' } };
  const put = (name: string, typeName: string, body: unknown, expect: number[] = [400]): Probe => ({
    name: `PUT /event_types/${typeName} ${name}`,
    method: 'PUT',
    path: `/event_types/${encodeURIComponent(typeName)}`,
    body: json(body),
    headers: asJson,
    expect,
  });
  const deep = (depth: number): Record<string, unknown> => (depth === 0 ? { type: 'string' } : { type: 'object', properties: { a: deep(depth - 1) } });
  return [
    ...malformedBodies('PUT', '/event_types/Fuzz.Malformed', 512 * 1024),
    put('a name with a space', 'orders created', definition),
    put('a name with a slash (encoded)', 'orders/created', definition),
    put('a name starting with a digit', '1orders', definition),
    put('a name past 64 characters', `A${'b'.repeat(64)}`, definition),
    put('a SQL name', "'; drop table event_types;--", definition),
    put('a NUL in the name', 'orders\u0000', definition),
    put('a CRLF in the name', 'orders\r\nX-Injected: 1', definition),
    put('a fullwidth name', 'ｏｒｄｅｒＥｖｅｎｔ', definition),
    put('a built-in name', 'orderEvent', definition, [409]),
    put('no schema', 'Bad.NoSchema', { example: {} }),
    put('no example', 'Bad.NoExample', { schema: { type: 'object' } }),
    put('a schema that is an array', 'Bad.ArraySchema', { schema: ['type'], example: {} }),
    put('a schema with a typo keyword', 'Bad.Typo', { schema: { type: 'object', requried: ['id'] }, example: {} }),
    put('a recursive schema', 'Bad.Recursive', { schema: { $ref: '#/$defs/n', $defs: { n: { properties: { next: { $ref: '#/$defs/n' } } } } }, example: {} }),
    put('a remote $ref', 'Bad.Remote', { schema: { $ref: 'http://127.0.0.1:9/schema.json' }, example: {} }),
    put('a file $ref', 'Bad.File', { schema: { $ref: 'file:///etc/passwd' }, example: {} }),
    put('$dynamicRef', 'Bad.Dynamic', { schema: { $dynamicRef: '#x' }, example: {} }),
    put('another dialect', 'Bad.Draft7', { schema: { $schema: 'http://json-schema.org/draft-07/schema#' }, example: {} }),
    put('a schema past 64 kB', 'Bad.Huge', { schema: { type: 'object', description: 'd'.repeat(70_000) }, example: {} }),
    put('an example that does not fit', 'Bad.Example', { schema: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } }, example: { id: 1 } }),
    put('a thin pointer that does not resolve', 'Bad.Thin', { ...definition, thin: { object_name: 'x', object_id: '/missing' } }),
    put('a thin pointer that is not a pointer', 'Bad.ThinSyntax', { ...definition, thin: { object_name: 'x', object_id: 'id' } }),
    put('an ordering key that is not a string in the example', 'Bad.Ordering', { schema: { type: 'object' }, example: { n: 1 }, ordering_key: '/n' }),
    put('an unknown field', 'Bad.Field', { ...definition, builtin: true }),
    put('a description past 1000 characters', 'Bad.Description', { ...definition, description: 'd'.repeat(1001) }),
    put('a schema nested 40 levels', 'Bad.Deep', { schema: deep(40), example: {} }),
    { name: 'DELETE /event_types/{name} unknown', method: 'DELETE', path: '/event_types/Never.Registered', expect: [404] },
    { name: 'DELETE /event_types/{name} built-in', method: 'DELETE', path: '/event_types/orderEvent', expect: [409] },
    { name: 'DELETE /event_types/{name} bad name', method: 'DELETE', path: '/event_types/a%20b', expect: [400] },
  ];
}

/** JSON Schema-ish documents: real keywords in random shapes, so many compile and many do not. */
function schemaDocuments(): fc.Arbitrary<Record<string, unknown>> {
  const keywordValue = fc.oneof(
    fc.constantFrom('object', 'array', 'string', 'integer', 'number', 'boolean', 'null', 'email', 'date-time', 'uri', '#', '#/$defs/a', '#a'),
    fc.integer({ min: -5, max: 5 }),
    fc.boolean(),
    fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  );
  const keyword = fc.constantFrom('type', 'required', 'minimum', 'maxLength', 'pattern', 'format', 'enum', 'const', '$ref', '$anchor', 'additionalProperties', 'minItems', 'unknownKeyword');
  const leaf = fc.dictionary(keyword, keywordValue, { maxKeys: 4 });
  const { node } = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ type: fc.constant('object'), properties: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tie('node'), { maxKeys: 3 }) }, { requiredKeys: [] }),
      fc.record({ items: tie('node'), $defs: fc.dictionary(fc.constantFrom('a', 'b'), tie('node'), { maxKeys: 2 }) }, { requiredKeys: [] }),
      fc.record({ anyOf: fc.array(tie('node'), { minLength: 1, maxLength: 2 }) }),
    ),
  }));
  return node as fc.Arbitrary<Record<string, unknown>>;
}

describe('bad input to the public APIs', () => {
  let platform: Platform;
  let receiver: TestReceiver;
  let state: StateReader;
  let before: Snapshot;
  const secrets = new SecretRegistry();
  const ids = { callback: '', heldType: 'rmaEvent' };

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startPlatform({ label: 'badinput' });
    state = await openStateReader(platform);
    // Real state to protect: callbacks (one with a token), a hold, and an event delivered and audited.
    const callbacks = await registerCallbacks(platform, ACCOUNT, [
      { url: receiver.url('/orders'), message_type: 'orderEvent', token: 'cb-token-0123456789abcdef' },
      { url: receiver.url('/rma'), message_type: 'rmaEvent' },
    ]);
    secrets.add('callback token', 'cb-token-0123456789abcdef');
    secrets.add('whsec secret', ...callbacks.map((callback) => callback.secret));
    ids.callback = callbacks[0]!.id;
    const hold = await call(platform, 'subscription-service', ACCOUNT, 'POST', '/callback_holds', { message_type: ids.heldType, reason: 'maintenance' });
    expect(hold.status).toBe(201);
    await waitFor(async () => (await call(platform, 'subscription-service', ACCOUNT, 'GET', `/callbacks/${ids.callback}`)).status === 200, { label: 'callback visible' });
    const messageId = await postEvent(platform, ACCOUNT, 'orderEvent', orderData);
    await waitFor(async () => (await call<{ deliveries: Array<{ status: string }> }>(platform, 'audit', ACCOUNT, 'GET', `/messages/${messageId}`)).body?.deliveries?.[0]?.status === 'delivered', {
      timeoutMs: 30_000,
      label: 'seed event delivered',
    });
    secrets.add('bearer token', await platform.token(ACCOUNT));
    before = await state.settled([ACCOUNT]);
  }, 180_000);

  afterAll(async () => {
    process.stdout.write(`\nsecurity figures (bad input): ${JSON.stringify(figures)}\n`);
    await state?.close();
    await platform?.stop();
    await receiver?.close();
  });

  /** The registered (non-built-in) types of the catalog, as the operator lists them. */
  async function registeredTypes(): Promise<string[]> {
    const answer = await adminCall<{ event_types: Array<{ message_type: string; builtin: boolean }> }>(platform, 'subscription-service', 'GET', '/event_types');
    return answer.body.event_types.filter((entry) => !entry.builtin).map((entry) => entry.message_type);
  }

  async function expectUnchangedAndHealthy(): Promise<void> {
    expect(await healthOfAll(platform)).toEqual(ALL_HEALTHY);
    expect(await state.snapshot([ACCOUNT])).toEqual(before);
  }

  async function table(service: ServiceName, probes: Probe[]): Promise<void> {
    const failures = await runProbes(platform.api(service, ACCOUNT), await platform.token(ACCOUNT), probes);
    count(`table:${service}`, probes.length);
    expect(failures).toEqual([]);
    await expectUnchangedAndHealthy();
  }

  it('subscription-service answers every table input with a 4xx problem and changes nothing', async () => {
    await table('subscription-service', subscriptionProbes(ids));
    // The seeded state is real, not empty: the comparison above would catch a deleted or patched callback.
    expect(before.accounts[ACCOUNT]!.callbacks).toHaveLength(2);
    expect(before.accounts[ACCOUNT]!.holds).toHaveLength(1);
  });

  it('event-ingest answers every table input with a 4xx problem and stores no event', async () => {
    await table('event-ingest', ingestProbes(1024 * 1024));
    expect(before.accounts[ACCOUNT]!.deliveries).toHaveLength(1);
  });

  it('audit answers every table input with a 4xx problem and redelivers nothing', async () => {
    await table('audit', auditProbes(ids));
  });

  it('the operator catalog API answers every table input with a 4xx problem and registers nothing', async () => {
    const failures = await runProbes(`${platform.urls['subscription-service']}/admin/api/v1`, await platform.adminToken(), catalogProbes());
    count('table:operator', catalogProbes().length);
    expect(failures).toEqual([]);
    expect(await registeredTypes()).toEqual([]);
    await expectUnchangedAndHealthy();
  });

  it('refuses requests broken below JSON: no Content-Type, a body on GET, raw control bytes in the path', async () => {
    const token = await platform.token(ACCOUNT);
    const base = platform.api('subscription-service', ACCOUNT);
    const auth = { authorization: `Bearer ${token}` };
    const answers = [
      await sendRaw(`${base}/callbacks`, { method: 'POST', headers: { ...auth, 'content-length': '2' }, body: '[]' }),
      await sendRaw(`${base}/callbacks`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: '[{"url": 1' }),
      await sendRaw(`${platform.api('event-ingest', ACCOUNT)}/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json; charset=latin1', 'content-length': '2' }, body: '{}' }),
      await sendRaw(`${platform.api('audit', ACCOUNT)}/deliveries/x`, { method: 'GET', headers: { ...auth, 'content-type': 'text/plain', 'content-length': '3' }, body: 'abc' }),
      await sendRaw(base, { method: 'GET', headers: auth, rawPath: `/${ACCOUNT}/api/v1/callbacks/%ZZ` }),
    ];
    count('table:raw', answers.length);
    expect(answers.map((answer) => problemViolations(answer))).toEqual(answers.map(() => []));
    await expectUnchangedAndHealthy();
  });

  it('stores a SQL-looking idempotency key verbatim as data, once, and every table is still there', async () => {
    // Injection strings that are valid input must be inert: accepted as data, never as SQL.
    const key = "'; drop table events;--";
    const first = await postEvent(platform, ACCOUNT, 'skuInventoryChange', (eventTypes.skuInventoryChange.example as { data: unknown }).data, key);
    const second = await postEvent(platform, ACCOUNT, 'skuInventoryChange', (eventTypes.skuInventoryChange.example as { data: unknown }).data, key);
    expect(second).toBe(first);
    const message = await waitFor(
      async () => {
        const answer = await call<{ message: { idempotency_key: string } }>(platform, 'audit', ACCOUNT, 'GET', `/messages/${first}`);
        return answer.status === 200 ? answer.body.message : undefined;
      },
      { timeoutMs: 15_000, label: 'event with SQL key audited' },
    );
    expect(message.idempotency_key).toBe(key);
    // Every table still answers: callbacks, holds and deliveries read back as before (one stored event more).
    const after = await state.settled([ACCOUNT]);
    expect(after.accounts[ACCOUNT]!.callbacks).toEqual(before.accounts[ACCOUNT]!.callbacks);
    expect(after.accounts[ACCOUNT]!.holds).toEqual(before.accounts[ACCOUNT]!.holds);
    expect(after.streams[`${platform.prefix}EVENTS`]).toBe(before.streams[`${platform.prefix}EVENTS`]! + 1);
    before = after;
  });

  describe('fuzzed with fast-check', () => {
    type BodyRoute = { service: ServiceName; method: string; path: () => string; valid: () => unknown; isValid: (value: unknown) => boolean };
    const bodyRoutes: BodyRoute[] = [
      {
        service: 'subscription-service', method: 'POST', path: () => '/callbacks',
        valid: () => [{ url: receiver.url('/fuzz'), message_type: 'orderEvent', api_version: '1.0', token: 'fuzz-token', timeout_ms: 5000 }],
        isValid: (value) => CreateCallbacksRequest.safeParse(value).success,
      },
      { service: 'subscription-service', method: 'DELETE', path: () => '/callbacks', valid: () => [ids.callback], isValid: (value) => DeleteCallbacksRequest.safeParse(value).success },
      {
        service: 'subscription-service', method: 'PATCH', path: () => `/callbacks/${ids.callback}`,
        valid: () => ({ url: receiver.url('/fuzz'), token: 'fuzz-token', status: 'active' }),
        isValid: (value) => PatchCallbackRequest.safeParse(value).success,
      },
      { service: 'subscription-service', method: 'POST', path: () => `/callbacks/${ids.callback}/rotate_secret`, valid: () => ({ overlap_seconds: 60 }), isValid: (value) => RotateSecretRequest.safeParse(value).success },
      {
        service: 'subscription-service', method: 'POST', path: () => '/callback_holds',
        valid: () => ({ message_type: 'qualityEvent', reason: 'fuzz', expires_at: future() }),
        isValid: (value) => CreateHoldRequest.safeParse(value).success,
      },
      {
        service: 'event-ingest', method: 'POST', path: () => '/events',
        valid: () => [{ message_type: 'orderEvent', data: orderData, idempotency_key: 'fuzz-1' }],
        isValid: (value) => parseIngestRequest(value).success,
      },
      {
        service: 'event-ingest', method: 'POST', path: () => '/events',
        valid: () => ({ message_type: 'skuInventoryChange', data: (eventTypes.skuInventoryChange.example as { data: unknown }).data }),
        isValid: (value) => parseIngestRequest(value).success,
      },
      { service: 'audit', method: 'POST', path: () => `/callbacks/${ids.callback}/recover`, valid: () => ({ since: '2024-01-01T00:00:00Z' }), isValid: (value) => RecoverRequest.safeParse(value).success },
    ];

    it.each(bodyRoutes.map((route, index) => [`${route.method} ${route.service} #${index}`, route] as const))(
      '%s: arbitrary JSON and near-misses of a valid body all get a 4xx problem',
      async (_label, route) => {
        const token = await platform.token(ACCOUNT);
        const failures: string[] = [];
        await fc.assert(
          fc.asyncProperty(invalidBodies(route.valid(), route.isValid), async (body) => {
            const answer = await send(`${platform.api(route.service, ACCOUNT)}${route.path()}`, { method: route.method, headers: { authorization: `Bearer ${token}`, ...asJson }, body: json(body) });
            count(`fuzz:${route.service}`);
            const problems = problemViolations(answer);
            if (problems.length > 0) failures.push(`${json(body).slice(0, 200)} → ${problems.join(', ')}: ${answer.text.slice(0, 200)}`);
            return problems.length === 0;
          }),
          { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
        );
        expect(failures).toEqual([]);
        await expectUnchangedAndHealthy();
      },
    );

    type IdRoute = { service: ServiceName; method: string; path: (id: string) => string };
    const idRoutes: IdRoute[] = [
      { service: 'subscription-service', method: 'GET', path: (id) => `/callbacks/${id}` },
      { service: 'subscription-service', method: 'POST', path: (id) => `/callbacks/${id}/test` },
      { service: 'subscription-service', method: 'DELETE', path: (id) => `/callback_holds/${id}` },
      { service: 'audit', method: 'GET', path: (id) => `/deliveries/${id}` },
      { service: 'audit', method: 'GET', path: (id) => `/messages/${id}` },
      { service: 'audit', method: 'POST', path: (id) => `/deliveries/${id}/redeliver` },
    ];

    it.each(idRoutes.map((route) => [`${route.method} ${route.path('{id}')}`, route] as const))('%s: wrong ids (hostile, unicode, binary) all get a 4xx problem', async (_label, route) => {
      const token = await platform.token(ACCOUNT);
      const failures: string[] = [];
      await fc.assert(
        fc.asyncProperty(wrongIds(), async (id) => {
          const answer = await send(`${platform.api(route.service, ACCOUNT)}${route.path(encodeSegment(id))}`, { method: route.method, headers: { authorization: `Bearer ${token}` } });
          count(`fuzz:${route.service}`);
          const problems = problemViolations(answer);
          if (problems.length > 0) failures.push(`${json(id)} → ${problems.join(', ')}: ${answer.text.slice(0, 200)}`);
          return problems.length === 0;
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
      );
      expect(failures).toEqual([]);
      await expectUnchangedAndHealthy();
    });

    it('PUT /admin/api/v1/event_types: fuzzed names and schemas get a 2xx or a 4xx problem, never more, and a refusal registers nothing', async () => {
      const token = await platform.adminToken();
      const registered = new Set(await registeredTypes());
      // Every 2xx puts the type into the bucket once (a repeated identical PUT republishes the same version).
      let published = 0;
      const failures: string[] = [];
      const names = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 80 }), fc.stringMatching(/^[A-Za-z][A-Za-z0-9._:-]{0,70}$/));
      await fc.assert(
        fc.asyncProperty(names, schemaDocuments(), fc.jsonValue({ maxDepth: 3 }), async (name, schema, example) => {
          const answer = await send(`${platform.urls['subscription-service']}/admin/api/v1/event_types/${encodeSegment(name)}`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${token}`, ...asJson },
            body: json({ schema, example }),
          });
          count('fuzz:operator');
          const accepted = answer.status === 200 || answer.status === 201;
          if (accepted) {
            registered.add(name);
            published += 1;
          }
          const problems = accepted ? [] : problemViolations(answer);
          if (problems.length > 0) failures.push(`${json(name)} ${json(schema).slice(0, 200)} → ${problems.join(', ')}: ${answer.text.slice(0, 200)}`);
          return problems.length === 0;
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
      );
      expect(failures).toEqual([]);
      // Exactly the names that were answered 2xx exist: no refusal left a row behind.
      expect((await registeredTypes()).sort()).toEqual([...registered].sort());
      figures['fuzz:operator registered'] = registered.size;
      expect(await healthOfAll(platform)).toEqual(ALL_HEALTHY);
      // The registered types went into the subscription state's bucket; nothing else moved.
      const kvStream = `KV_${platform.prefix}hookmesh_subscriptions`;
      const after = await state.settled([ACCOUNT]);
      expect({ ...after, streams: { ...after.streams, [kvStream]: 0 } }).toEqual({ ...before, streams: { ...before.streams, [kvStream]: 0 } });
      expect(after.streams[kvStream]).toBe(before.streams[kvStream]! + published);
      before = after;
    });

    const queryRoutes = [
      { service: 'subscription-service' as const, path: '/callbacks', schema: ListCallbacksQuery },
      { service: 'audit' as const, path: '/deliveries', schema: DeliveriesQuery },
      { service: 'audit' as const, path: '/stats', schema: StatsQuery },
    ];

    it.each(queryRoutes.map((route) => [`GET ${route.path}`, route] as const))('%s: fuzzed query strings get 200 or a 4xx problem, and a 4xx problem whenever the contract refuses them', async (_label, route) => {
      const token = await platform.token(ACCOUNT);
      const failures: string[] = [];
      await fc.assert(
        fc.asyncProperty(queryStrings(Object.keys(route.schema.shape)), async ({ text, parsed }) => {
          const answer = await send(`${platform.api(route.service, ACCOUNT)}${route.path}?${text}`, { method: 'GET', headers: { authorization: `Bearer ${token}` } });
          count(`fuzz:${route.service}`);
          // A query the contract accepts may still be refused by a rule beyond it (a cursor this API never issued, a
          // window that ends before it starts): then as a 4xx problem too. Never a 5xx.
          const valid = route.schema.safeParse(parsed).success;
          // A request line past Node's header limit (16 KB) is refused by its HTTP parser with a bare 431
          // before any application code runs: a refusal, just not one the service can dress as a problem.
          const refusedByParser = answer.status === 431 && text.length > 8_000;
          const problems = (valid && answer.status === 200) || refusedByParser ? [] : problemViolations(answer);
          if (problems.length > 0) failures.push(`?${text.slice(0, 200)} → ${problems.join(', ')}: ${answer.text.slice(0, 200)}`);
          return problems.length === 0;
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
      );
      expect(failures).toEqual([]);
      await expectUnchangedAndHealthy();
    });
  });

  it('leaks no secret, callback token or bearer token into logs, metrics or any answer', async () => {
    const { leaks, places } = await findLeaks(platform, secrets, await auditAnswers(platform, ACCOUNT));
    expect(secrets.size).toBeGreaterThanOrEqual(4);
    expect(places).toBeGreaterThan(1000);
    expect(leaks).toEqual([]);
  });
});
