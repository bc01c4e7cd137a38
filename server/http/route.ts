// The route kernel. A route is declared once — method, path, permission, zod schemas for
// params/query/body and the responses — and that one declaration drives the validation, the
// permission check, the transaction and the OpenAPI document (server/http/openapi.ts).
import { performance } from 'node:perf_hooks';
import type { Request, Response, Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { NotFoundError, ValidationError, type ErrorDetail } from '../errors.js';
import { actorFromSession, authenticate, sessionClaims, type AccessIdentity, type Actor, type DeferredSession } from '../auth/authenticate.js';
import { requirePermission, type Permission } from '../auth/permissions.js';
import { ForbiddenError } from '../errors.js';
import { authenticateStation, looksLikeStationCredential } from '../door/stations.js';
import { actorForPrintLink, documentKey, PRINT_LINK_PARAM } from '../auth/print-links.js';
import { assertSafeInput, assertSafeValue } from './input-guard.js';
import { capDetails, MAX_ERROR_DETAILS } from './error-handler.js';
import { metricsOf } from '../monitoring/metrics.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Non-JSON responses (text/html, text/csv, …). */
  contentType?: string;
}

/** What a handler receives, whichever way the request came (Express or the fast lane). */
export interface LeanCall<B, Q, P> {
  app: AppContext;
  /** The request's transaction for writes (one transaction per request), the pool for reads. */
  db: Knex;
  body: B;
  query: Q;
  params: P;
  actor: Actor | null;
  /** Routes with `sessionInHandler` only: the session to check (actor is then null). */
  session: DeferredSession | null;
  /** The door station asking, on routes declared `stations: true` (else null). */
  station: Actor['station'] | null;
}

/** What a handler of a route served by Express receives: also the request and response (streams, CSV). */
export interface Call<B, Q, P> extends LeanCall<B, Q, P> {
  req: Request;
  res: Response;
}

/** The parts of a request the kernel reads, taken from Express's request or from node:http's. */
export interface RequestView {
  authorization: string | undefined;
  /** The request's path (without the query), for print links. */
  path?: string;
  params: unknown;
  query: unknown;
  /** undefined when the request had no body. */
  body: unknown;
  /** Who is asking, for the access log (filled in by authentication). */
  identity: AccessIdentity;
}

export type { DeferredSession } from '../auth/authenticate.js';

/** The answers a fast-lane handler can give (JSON or nothing). */
export type LeanReply = { status?: number; json: unknown; headers?: Record<string, string> } | { status: 204 };

export type Reply =
  | { status?: number; json: unknown; headers?: Record<string, string> }
  | { status?: number; html: string; headers?: Record<string, string> }
  | { status?: number; text: string; contentType: string; headers?: Record<string, string> }
  | { status: 204 }
  | undefined; // the handler wrote the response itself (streams)

/** `'public'`: no sign-in. `'signed-in'`: any live session. Otherwise a permission. */
export type Access = 'public' | 'signed-in' | Permission;

export interface RouteDef<
  B extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType,
> {
  method: Method;
  path: string;
  summary: string;
  /** Longer text for the OpenAPI document (rules, flows), when the summary is not enough. */
  description?: string;
  tags: string[];
  access: Access;
  body?: B;
  query?: Q;
  params?: P;
  responses: Record<number, ResponseSpec>;
  /**
   * Writes run in one transaction by default. A route that must commit something even when it
   * answers with an error (failed sign-in counters, wrong PINs) sets false and manages its own.
   */
  transaction?: boolean;
  /** Allowed while the session is restricted to changing an expired password. */
  allowWithExpiredPassword?: boolean;
  /**
   * The handler reads the session row itself, in the statement of its own first read (the door:
   * a scan would otherwise cost one statement more). The kernel checks the token only and hands
   * the handler `call.session`. A request that fails validation is authenticated in full first,
   * so 401 and 403 still come before 400 and 404, as for every other route.
   */
  sessionInHandler?: boolean;
  /**
   * Door stations may call this route with their credential (`Authorization: Bearer tds1_…`); the
   * handler sees `call.station` and must keep the station to its own room. Any other route answers
   * a station 403 (an unknown or revoked one 401, first).
   */
  stations?: boolean;
  /**
   * Served by the fast lane (server/http/fast-lane.ts) when the request is plain (exact path, a
   * small JSON body): the same kernel straight from node:http. For the busiest route only; its path
   * has no parameters, and its handler sees no Express request or response and answers JSON.
   */
  fastLane?: boolean;
  handler: (call: Call<z.output<B>, z.output<Q>, z.output<P>>) => Promise<Reply>;
}

/** A route for the fast lane: its handler needs neither Express's request nor its response. */
export interface FastRouteDef<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType>
  extends Omit<RouteDef<B, Q, P>, 'handler' | 'fastLane'> {
  fastLane: true;
  handler: (call: LeanCall<z.output<B>, z.output<Q>, z.output<P>>) => Promise<LeanReply>;
}

export type AnyRoute = RouteDef<z.ZodType, z.ZodType, z.ZodType>;

export function defineRoute<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodUndefined,
>(def: RouteDef<B, Q, P>): AnyRoute {
  return def as unknown as AnyRoute;
}

/** A route served by the fast lane when the request allows (server/http/fast-lane.ts), else by Express. */
export function defineFastRoute<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodUndefined,
>(def: Omit<FastRouteDef<B, Q, P>, 'fastLane'>): AnyRoute {
  return { ...def, fastLane: true } as unknown as AnyRoute;
}

/** A fast-lane route's declaration as the fast lane uses it. */
export function asFastRoute(route: AnyRoute): FastRouteDef | null {
  return route.fastLane ? (route as unknown as FastRouteDef) : null;
}

export function zodIssuesToDetails(error: z.ZodError, prefix: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      // One detail per unknown key, naming it as the field (a key list in one message grew without bound).
      for (const key of issue.keys.slice(0, MAX_ERROR_DETAILS + 1)) details.push({ field: `${field}.${key}`, code: issue.code, message: 'This field is not part of the request.' });
      if (issue.keys.length > MAX_ERROR_DETAILS + 1) details.push({ field, code: 'more_issues', message: `${issue.keys.length} unknown fields in all.` });
    } else {
      details.push({ field, code: issue.code, message: issue.message });
    }
    if (details.length > MAX_ERROR_DETAILS) break;
  }
  return capDetails(details);
}

function parsePart<T extends z.ZodType>(schema: T | undefined, value: unknown, part: string): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ValidationError(`The request ${part} is not valid.`, zodIssuesToDetails(result.error, part));
  }
  return result.data;
}

/** For routes that take no body: nothing, or an empty JSON object, and nothing else. */
function assertNoBody(body: unknown): void {
  if (body === undefined) return;
  const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
  if (isObject && Object.keys(body).length === 0) return;
  const details: ErrorDetail[] = isObject
    ? Object.keys(body).map((key) => ({ field: `body.${key}`, code: 'unrecognized_keys', message: 'This endpoint takes no request body.' }))
    : [{ field: 'body', code: 'unexpected_body', message: 'This endpoint takes no request body.' }];
  throw new ValidationError('This endpoint takes no request body.', details);
}

const WRITE_METHODS = new Set<Method>(['post', 'put', 'patch', 'delete']);

/** A page for printing (GET, answered as HTML): it may be opened through a print link. */
function isPrintable(route: AnyRoute): boolean {
  return route.method === 'get' && route.responses[200]?.contentType === 'text/html';
}

/** The door station credential of `Authorization: Bearer tds1_…`, or null (a person's token, or none). */
function stationCredentialIn(header: string | undefined): string | null {
  const match = header ? /^Bearer (tds1_[A-Za-z0-9_-]{43})$/.exec(header) : null;
  return match && looksLikeStationCredential(match[1]!) ? match[1]! : null;
}

/** Path parameters, query and body, validated; throws 404 (bad ids) or 400. */
function parseRequest(route: AnyRoute, req: RequestView): { params: unknown; query: unknown; body: unknown } {
  // An id that is not even well-formed is simply an id that does not exist.
  // (Fix: path parameters used to go through the input guard first, so `/api/orgs/%00`
  // answered 400 while `/api/orgs/abc` answered 404; both are now 404, after the sign-in
  // check like every other unknown id.)
  try {
    assertSafeValue(req.params, 'params');
  } catch {
    throw new NotFoundError();
  }
  let params: unknown;
  if (route.params) {
    const parsed = route.params.safeParse(req.params);
    if (!parsed.success) throw new NotFoundError();
    params = parsed.data;
  }
  const query = parsePart(route.query, req.query, 'query');
  const sent = route.body && req.body === undefined && WRITE_METHODS.has(route.method) ? {} : req.body;
  // Fix: a route without a body schema used to ignore whatever body it was sent, so
  // `POST /api/auth/logout {"anything":1}` succeeded. A body is now refused unless it is
  // absent or `{}` — unknown fields are an error everywhere, as with strict schemas.
  if (!route.body) assertNoBody(sent);
  const body = parsePart(route.body, sent, 'body');
  return { params, query, body };
}

/**
 * One request through the kernel: input guard, who is asking (401/403 before 400/404), the
 * validated parts, the transaction, the handler. `http` is Express's request and response, for
 * the handlers that use them; the fast lane has none (its routes' handlers take a LeanCall).
 */
export async function runRoute(app: AppContext, route: AnyRoute, req: RequestView, http: { req: Request; res: Response } | null): Promise<Reply> {
  assertSafeInput(req.query, req.body);
  const access = route.access;
  let actor: Actor | null = null;
  let session: DeferredSession | null = null;
  let station: Actor['station'] | null = null;
  const stationCredential = access !== 'public' ? stationCredentialIn(req.authorization) : null;
  if (stationCredential) {
    // A door station: unknown or revoked → 401, then any route but its own → 403.
    const found = await authenticateStation(app, stationCredential);
    req.identity.username = `station:${found.name}`;
    if (!route.stations) throw new ForbiddenError('station_not_allowed', 'A door station only records scans at its own room.');
    station = found;
    const stationActor: Actor = { accountId: '', personId: '', username: `station:${found.name}`, name: found.name, roles: [], sessionId: '', mustChangePassword: false, station: found };
    if (route.sessionInHandler) session = { sessionId: null, authorize: async () => stationActor };
    else actor = stationActor;
  } else if (access !== 'public' && isPrintable(route) && typeof (req.query as Record<string, unknown> | undefined)?.[PRINT_LINK_PARAM] === 'string') {
    // A printable page opened through a print link (a new window, chromium --print-to-pdf).
    const query = req.query as Record<string, unknown>;
    const signedIn = req.authorization ? await authenticate(app, req.authorization, req.identity, route) : null;
    actor = await actorForPrintLink(app, query[PRINT_LINK_PARAM] as string, documentKey(req.path ?? '', query), signedIn);
    req.identity.accountId = actor.accountId;
    req.identity.username = actor.username;
    if (access !== 'signed-in') requirePermission(actor, access);
    req = { ...req, query: Object.fromEntries(Object.entries(query).filter(([k]) => k !== PRINT_LINK_PARAM)) };
  } else if (access !== 'public' && route.sessionInHandler) {
    const claims = sessionClaims(app, req.authorization);
    session = {
      sessionId: claims.sessionId,
      authorize: async (row) => {
        const who = await actorFromSession(app, req.identity, route, claims, row);
        if (access !== 'signed-in') requirePermission(who, access);
        return who;
      },
    };
  } else if (access !== 'public') {
    actor = await authenticate(app, req.authorization, req.identity, route);
    if (access !== 'signed-in') requirePermission(actor, access);
  }
  let parsed: { params: unknown; query: unknown; body: unknown };
  try {
    parsed = parseRequest(route, req);
  } catch (err) {
    // Who is asking is settled before what they asked: 401/403 come before 400/404.
    if (session && !station) {
      const who = await authenticate(app, req.authorization, req.identity, route);
      if (access !== 'public' && access !== 'signed-in') requirePermission(who, access);
    }
    throw err;
  }
  const { params, query, body } = parsed;

  const run = (db: Knex) => {
    const call: LeanCall<unknown, unknown, unknown> = { app, db, body, query, params, actor, session, station };
    return route.handler((http ? { ...call, ...http } : call) as Call<unknown, unknown, unknown>);
  };
  const useTransaction = route.transaction ?? WRITE_METHODS.has(route.method);
  return useTransaction ? await app.db.knex.transaction((trx) => run(trx)) : await run(app.db.knex);
}

/** The Express handler of one route. */
export function routeHandler(app: AppContext, route: AnyRoute): (req: Request, res: Response) => Promise<void> {
  // Its latency, by route template and status class (/metrics); a live stream's would be its lifetime.
  const timer = route.responses[200]?.contentType === 'text/event-stream' ? null : metricsOf(app).requestTimer(route.method, route.path);
  return async (req: Request, res: Response) => {
    if (timer) {
      const started = performance.now();
      res.once('finish', () => timer(res.statusCode, started));
    }
    const view: RequestView = { authorization: req.get('authorization'), path: req.path, params: req.params, query: req.query, body: req.body, identity: res.locals as AccessIdentity };
    sendReply(res, await runRoute(app, route, view, { req, res }));
  };
}

export function mountRoutes(router: Router, app: AppContext, routes: AnyRoute[]): void {
  for (const route of routes) router[route.method](route.path, routeHandler(app, route));
}

function sendReply(res: Response, reply: Reply): void {
  if (reply === undefined) return;
  if ('headers' in reply && reply.headers) res.set(reply.headers);
  const status = reply.status ?? 200;
  if ('json' in reply) {
    res.status(status).json(reply.json);
  } else if ('html' in reply) {
    res.status(status).type('text/html; charset=utf-8').send(reply.html);
  } else if ('text' in reply) {
    res.status(status).type(reply.contentType).send(reply.text);
  } else {
    res.status(status).end();
  }
}
