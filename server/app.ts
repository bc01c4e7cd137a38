// Assembles the HTTP application: security headers, body limits, the access log, every
// module's routes, the OpenAPI document, the web UI and the one error handler.
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUtf8 } from 'node:buffer';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import compression from 'compression';
import type { AppContext } from './context.js';
import { AppError } from './errors.js';
import { errorHandler, sendError } from './http/error-handler.js';
import { asFastRoute, defineRoute, mountRoutes, type AnyRoute } from './http/route.js';
import { fastLane } from './http/fast-lane.js';
import { buildOpenApi } from './http/openapi.js';
import { accessLogRecorder } from './access-log/recorder.js';
import { accessLogRoutes } from './access-log/routes.js';
import { authRoutes } from './auth/routes.js';
import { journalRoutes } from './journal/routes.js';
import { integrityRoutes } from './integrity/routes.js';
import { peopleRoutes } from './people/routes.js';
import { leaveRoutes } from './leave/routes.js';
import { systemRoutes } from './system/routes.js';
import { badgeRoutes } from './badges/routes.js';
import { roomRoutes } from './rooms/routes.js';
import { doorRoutes } from './door/routes.js';
import { doorsRoutes } from './doors/routes.js';
import { mediaRoutes } from './media/routes.js';
import { custodyRoutes } from './custody/routes.js';
import { recordRoutes } from './signatures/routes.js';
import { handoverRoutes } from './handovers/routes.js';
import { transferRoutes } from './transfers/routes.js';
import { approvalRoutes } from './approvals/routes.js';
import { inspectionRoutes } from './inspections/routes.js';
import { destructionRoutes } from './destructions/routes.js';
import { noticeRoutes } from './notices/routes.js';
import { reviewRoutes } from './reviews/routes.js';
import { backupRoutes } from './backup/routes.js';
import { complianceRoutes } from './compliance/routes.js';
import { reportRoutes } from './reports/routes.js';
import { VERSION } from './version.js';
import { metricsHandler } from './monitoring/endpoint.js';

const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web');

export const allRoutes: AnyRoute[] = [
  ...systemRoutes,
  ...authRoutes,
  ...peopleRoutes,
  ...noticeRoutes,
  ...reviewRoutes,
  ...backupRoutes,
  ...complianceRoutes,
  ...reportRoutes,
  ...leaveRoutes,
  ...badgeRoutes,
  ...roomRoutes,
  ...doorRoutes,
  ...doorsRoutes,
  ...mediaRoutes,
  ...custodyRoutes,
  ...recordRoutes,
  ...handoverRoutes,
  ...transferRoutes,
  ...approvalRoutes,
  ...inspectionRoutes,
  ...destructionRoutes,
  ...integrityRoutes,
  ...journalRoutes,
  ...accessLogRoutes,
];

/** The API's request pipeline before the routes: built once, used by Express and by the fast lane. */
export interface ApiPipeline {
  /** Security headers on every answer (helmet). */
  securityHeaders: express.RequestHandler;
  /** Only the configured origin, or no CORS at all. */
  cors: express.RequestHandler | null;
  /** E2.15: every request to /api and /verify is recorded. */
  accessLog: express.RequestHandler;
  /** no-store, and JSON bodies in UTF-8 only (415 otherwise). */
  apiGuard: express.RequestHandler;
  /** The JSON body parser (1 MB, strict, UTF-8 verified). */
  jsonBody: express.RequestHandler;
}

function apiPipeline(ctx: AppContext): ApiPipeline {
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    strictTransportSecurity: false, // set by the TLS-terminating proxy, which knows whether HTTPS is in use
  });

  // No CORS unless an origin is configured; then only that exact origin.
  const origin = ctx.config.corsOrigin;
  const cors: express.RequestHandler | null = origin
    ? (req, res, next) => {
        if (req.get('origin') === origin) {
          res.set({ 'Access-Control-Allow-Origin': origin, Vary: 'Origin', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE' });
          if (req.method === 'OPTIONS') {
            res.status(204).end();
            return;
          }
        }
        next();
      }
    : null;

  const apiGuard: express.RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (hasBody && !req.is('application/json')) {
      sendError(res, new AppError(415, 'unsupported_media_type', 'The request body must be JSON (Content-Type: application/json).'));
      return;
    }
    // Fix: the JSON parser accepts any `charset=utf-*`, so a UTF-16 body used to be decoded and
    // obeyed although the contract (and the UTF-8 check below) say JSON in UTF-8 only.
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    if (hasBody && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      sendError(res, new AppError(415, 'unsupported_media_type', 'The request body must be JSON in UTF-8.'));
      return;
    }
    next();
  };

  const jsonBody = express.json({
    limit: '1mb',
    strict: true,
    verify: (_req, _res, buf) => {
      if (!isUtf8(buf)) throw Object.assign(new Error('invalid UTF-8'), { type: 'entity.verify.failed', status: 400 });
    },
  });

  return { securityHeaders, cors, accessLog: accessLogRecorder(ctx), apiGuard, jsonBody };
}

export function buildApp(ctx: AppContext, routes: AnyRoute[] = allRoutes): express.Express {
  return buildHttp(ctx, routes).app;
}

/**
 * The request listener of a server: the Express application, with the fast lane in front of it
 * for the busiest route (server/http/fast-lane.ts).
 */
export function buildRequestListener(ctx: AppContext, routes: AnyRoute[] = allRoutes): http.RequestListener {
  const { app, fast } = buildHttp(ctx, routes);
  return (req, res) => {
    if (!fast(req, res)) app(req, res);
  };
}

function buildHttp(ctx: AppContext, routes: AnyRoute[]) {
  const app = express();
  app.disable('x-powered-by');
  // No ETag on API answers: they are Cache-Control: no-store, and hashing every body cost a
  // measurable share of a busy door's CPU. Static files keep serve-static's own ETags.
  app.set('etag', false);
  app.set('trust proxy', ctx.config.trustProxy ?? false);
  app.set('query parser', 'simple');

  const pipeline = apiPipeline(ctx);
  app.use(pipeline.securityHeaders);
  if (pipeline.cors) app.use(pipeline.cors);
  app.use(['/api', '/verify'], pipeline.accessLog);
  app.use('/api', pipeline.apiGuard);
  app.use('/api', pipeline.jsonBody);

  // Fix: GET /api/openapi.json was mounted outside the route declarations, so the document did
  // not list it. It is now a declared route like the others (and goes through the same kernel).
  const openApiRoute = defineRoute({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    tags: ['system'],
    access: 'public',
    responses: { 200: { description: 'The OpenAPI document', contentType: 'application/json' } },
    handler: async () => ({ json: openApi }),
  });
  const mounted = [...routes, openApiRoute];
  const router = express.Router();
  mountRoutes(router, ctx, mounted);
  const openApi = buildOpenApi(mounted, VERSION);
  app.use(router);

  app.use('/api', (_req, res) => {
    sendError(res, new AppError(404, 'not_found', 'No such endpoint.'));
  });

  // Prometheus metrics, outside /api (no access-log row per scrape): with METRICS_TOKEN only,
  // 404 otherwise (server/monitoring/endpoint.ts). METRICS_PORT serves them on an address of their own.
  const metrics = metricsHandler(ctx, 'main');
  app.use('/metrics', (req, res, next) => {
    if (req.path === '/') metrics(req, res);
    else next();
  });

  // The front-desk page and its assets are compressed (the page must stay light on a busy desk).
  app.use(compression());
  app.use(express.static(WEB_ROOT, { index: 'index.html', dotfiles: 'ignore', fallthrough: true, maxAge: 0 }));
  app.use((_req, res) => {
    sendError(res, new AppError(404, 'not_found', 'Not found.'));
  });
  app.use(errorHandler(ctx.logger));
  const fast = fastLane(ctx, {
    routes: mounted.map(asFastRoute).filter((route) => route !== null),
    securityHeaders: headersSetBy(pipeline.securityHeaders),
    cors: pipeline.cors !== null,
    trustProxy: app.get('trust proxy fn') as (address: string, hop: number) => boolean,
  });
  return { app, fast };
}

/** The headers a middleware that only sets headers (helmet) gives every answer, recorded once. */
function headersSetBy(middleware: express.RequestHandler): Array<[string, string]> {
  const headers = new Map<string, [string, string]>();
  const recorder = {
    setHeader: (name: string, value: unknown) => void headers.set(name.toLowerCase(), [name, String(value)]),
    removeHeader: (name: string) => void headers.delete(name.toLowerCase()),
    getHeader: (name: string) => headers.get(name.toLowerCase())?.[1],
  };
  let finished = false;
  void middleware({} as Request, recorder as unknown as Response, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  if (!finished || headers.size === 0) throw new Error('the security headers could not be recorded');
  return [...headers.values()];
}
