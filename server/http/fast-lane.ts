// The fast lane (docs/performance.md): the busiest request — a badge scanned at a door, many per
// second at a busy site — skips Express's router. Express walks its middleware and route layers for
// every request (path matching, closures, a final handler), which cost as much CPU per scan as the
// scan's own work. The fast lane runs the very same steps, in the same order, on the same objects:
//   security headers → CORS (when configured) → access log → API guard → JSON body → the route's
//   handler (authentication, validation, the kernel) → the one error handler.
// Only the lookup is different: an exact method and path (no query string) of a route declared
// with `fastLane: true`. Any other request — another path, a query string, a trailing slash,
// other letter case — goes through Express, whose router finds the same route.
import type http from 'node:http';
import type express from 'express';
import type { AnyRoute } from './route.js';
import type { ApiPipeline } from '../app.js';

export interface FastRoute {
  route: AnyRoute;
  handle: (req: express.Request, res: express.Response) => Promise<void>;
}

/** Serves the request if it is for a fast-lane route and answers true; otherwise false (Express's turn). */
export type FastLane = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

export function fastLane(app: express.Express, pipeline: ApiPipeline, onError: express.ErrorRequestHandler, routes: FastRoute[]): FastLane {
  const byRequestLine = new Map<string, FastRoute['handle']>();
  for (const { route, handle } of routes) {
    if (!route.path.startsWith('/api/') || route.path.includes(':')) throw new Error(`fast lane: ${route.path} must be an /api path without parameters`);
    byRequestLine.set(`${route.method.toUpperCase()} ${route.path}`, handle);
  }
  const steps: express.RequestHandler[] = [pipeline.securityHeaders, ...(pipeline.cors ? [pipeline.cors] : []), pipeline.accessLog, pipeline.apiGuard, pipeline.jsonBody];

  return (incoming, outgoing) => {
    const handle = byRequestLine.get(`${incoming.method} ${incoming.url}`);
    if (!handle) return false;
    // What Express's app.handle and router do to every request before its first middleware
    // (express/lib/application.js, router/index.js): the same prototypes, links and locals.
    const req = incoming as express.Request;
    const res = outgoing as express.Response;
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    res.locals = Object.create(null) as express.Response['locals'];
    req.originalUrl = req.url;
    req.baseUrl = '';
    req.params = {};

    const fail = (err: unknown) => onError(err, req, res, () => undefined);
    let step = 0;
    const next = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        fail(err);
        return;
      }
      const middleware = steps[step++];
      if (!middleware) {
        handle(req, res).catch(fail);
        return;
      }
      try {
        void middleware(req, res, next);
      } catch (thrown) {
        fail(thrown);
      }
    };
    next();
    return true;
  };
}
