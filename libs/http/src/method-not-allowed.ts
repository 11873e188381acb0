// 405 for a path the service serves asked with a method it does not take (RFC 9110 §15.5.6): the answer names the
// methods it takes in Allow, where a 404 would wrongly say the resource does not exist.
import { Router } from 'express';
import { MethodNotAllowed } from './errors';

/** Converts an OpenAPI path template to an Express path ("/{account}/x/{id}" → "/:account/x/:id"). */
const expressPathOf = (path: string): string => path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');

/**
 * A router that answers 405 for every path of `routes` (the service's route table, OpenAPI templates) asked with a
 * method none of its routes takes. Mount it after the routes, so it only sees what they did not answer.
 */
export function methodNotAllowed(routes: ReadonlyArray<{ method: string; path: string }>): Router {
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of routes) {
    const path = expressPathOf(route.path);
    const methods = methodsByPath.get(path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    // Express answers HEAD with the GET route.
    if (route.method.toLowerCase() === 'get') methods.add('HEAD');
    methodsByPath.set(path, methods);
  }
  const router = Router();
  for (const [path, methods] of methodsByPath) {
    const allowed = [...methods].sort();
    router.all(path, (req, _res, next) => {
      // OPTIONS is left to Express, which answers it with the same Allow list.
      if (req.method === 'OPTIONS' || methods.has(req.method)) {
        next();
        return;
      }
      next(new MethodNotAllowed(allowed));
    });
  }
  return router;
}
