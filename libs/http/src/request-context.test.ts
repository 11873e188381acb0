import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Router, type Request, type Response } from 'express';
import { routeTemplateOf } from './request-context';
import { startTestApp, type TestApp } from './test-support';

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
