// The single-page app: hashed assets cached for a year, every other GET answered with index.html (never cached)
// so deep links such as /deliveries/<id> load the app, which then routes in the browser.
import { NotFound } from '@hookmesh/http';
import express, { Router } from 'express';
import path from 'node:path';

/** Serves the built app from `assetsDir`; mount after the API routes. */
export function webAppRoutes(assetsDir: string): Router {
  const router = Router();
  const index = path.join(assetsDir, 'index.html');

  // Vite names every file under assets/ by its content hash, so a cached copy can never be stale.
  router.use(
    '/assets',
    express.static(path.join(assetsDir, 'assets'), { immutable: true, maxAge: '365d', index: false, dotfiles: 'ignore' }),
    (req, _res, next) => next(new NotFound(`No asset ${req.path}.`)),
  );
  router.use(express.static(assetsDir, { index: false, dotfiles: 'ignore', maxAge: 0 }));
  router.get('/{*path}', (req, res, next) => {
    if (req.path.startsWith('/api/') || req.path === '/api') {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, (error) => {
      if (error) next(error);
    });
  });
  return router;
}
