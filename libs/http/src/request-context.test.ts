import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, INVALID_SPAN_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { Router, type Request, type Response } from 'express';
import { createRequestContext, routeTemplateOf } from './request-context';
import { captureLog, startTestApp, type TestApp } from './test-support';

describe('routeTemplateOf', () => {
  let app: TestApp;
  const answerTemplate = (req: Request, res: Response): void => {
    res.json({ route: routeTemplateOf(req), baseUrl: req.baseUrl });
  };

  beforeAll(async () => {
    app = await startTestApp({
      routes: (express) => {
        const attempts = Router({ mergeParams: true });
        attempts.get('/attempts/:n', answerTemplate);
        const api = Router({ mergeParams: true });
        api.get('/callbacks/:id', answerTemplate);
        api.use('/callbacks/:id', attempts);
        // A router that matches the mount but none of its routes: the request falls through to the next mount.
        express.use('/:account/api/v2', Router().get('/never', answerTemplate));
        express.use('/:account/api/v1', api);
        express.get('/:account/api/v2/other', answerTemplate);
      },
    });
  });
  afterAll(() => app.close());

  const templateOf = async (path: string): Promise<unknown> => (await fetch(`${app.url}${path}`)).json();

  it('names a route in a mounted router by its full template', async () => {
    expect(await templateOf('/acme/api/v1/callbacks/42')).toEqual({ route: '/:account/api/v1/callbacks/:id', baseUrl: '/acme/api/v1' });
  });

  it('keeps literal segments that happen to equal a param value', async () => {
    expect(await templateOf('/api/api/v1/callbacks/v1')).toMatchObject({ route: '/:account/api/v1/callbacks/:id' });
  });

  it('composes nested mounts', async () => {
    expect(await templateOf('/acme/api/v1/callbacks/7/attempts/2')).toMatchObject({
      route: '/:account/api/v1/callbacks/:id/attempts/:n',
      baseUrl: '/acme/api/v1/callbacks/7',
    });
  });

  it('forgets a mount the request fell through', async () => {
    expect(await templateOf('/acme/api/v2/other')).toEqual({ route: '/:account/api/v2/other', baseUrl: '' });
  });
});

describe('createRequestContext and the server span', () => {
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
  });
  afterAll(() => {
    context.disable();
    contextManager.disable();
  });

  // What the http instrumentation leaves in the request's context: the RPC metadata it reads the route from when
  // the response ends, to name the span "POST /:account/api/v1/events" and set http.route.
  const runRequest = (rpc: RPCMetadata, setRoute: (req: Request) => void): void => {
    const req = { method: 'POST', baseUrl: '', params: {}, get: () => undefined } as unknown as Request;
    const res = { locals: {}, setHeader: () => undefined, once: () => undefined } as unknown as Response;
    context.with(setRPCMetadata(context.active(), rpc), () => createRequestContext(captureLog().log)(req, res, () => setRoute(req)));
  };

  it('gives the http instrumentation the matched route template', () => {
    const rpc: RPCMetadata = { type: RPCType.HTTP, span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT) };
    runRequest(rpc, (req) => {
      // As express does on entering a mount: the mount's params first, then its path.
      req.params = { account: 'acme' };
      req.baseUrl = '/acme/api/v1';
      req.route = { path: '/events' };
    });
    expect(rpc.route).toBe('/:account/api/v1/events');
  });

  it('leaves an unmatched request without a route', () => {
    const rpc: RPCMetadata = { type: RPCType.HTTP, span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT) };
    runRequest(rpc, () => undefined);
    expect(rpc.route).toBeUndefined();
  });
});
