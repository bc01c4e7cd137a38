// The fast lane (docs/performance.md): the busiest request — a badge scanned at a door, many per
// second at a busy site — served straight from node:http. Express gives every request its own
// prototypes, walks its middleware and route layers, and builds the answer through several
// helpers; for a scan that cost more CPU than the scan's own work, and the door's throughput on a
// small machine is bounded by that CPU.
//
// The fast lane takes only plain requests for a route declared with defineFastRoute: exactly its
// method and path (no query string), Content-Type `application/json` (optionally with
// `; charset=utf-8`), a Content-Length of at most 16 KiB, no Transfer-Encoding or
// Content-Encoding, and no Origin header when CORS is configured. Every other request goes to
// Express, unchanged. For a plain request it does what the Express pipeline does, with the same
// functions where it matters:
//   - the same security headers (helmet's, recorded once at start), Cache-Control: no-store;
//   - the same access-log record (watchRequest; source address by the same TRUST_PROXY rule);
//   - the body read as body-parser reads JSON: UTF-8 checked, a byte-order mark dropped, strict
//     (an object or an array), the same errors;
//   - the same kernel (runRoute: input guard, 401/403 before 400/404, validation, the handler);
//   - the same answers: JSON as res.json writes it, errors through answerForError/errorBody.
// test/api/fast-lane.test.ts sends every kind of request to both lanes and compares the answers.
import type http from 'node:http';
import { isUtf8 } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import proxyaddr from 'proxy-addr';
import type { AppContext } from '../context.js';
import type { AccessIdentity } from '../auth/authenticate.js';
import { watchRequest } from '../access-log/recorder.js';
import { normaliseIp } from '../shared/client-ip.js';
import { answerForError, errorBody, fromBodyParserError } from './error-handler.js';
import { runRoute, type AnyRoute, type FastRouteDef, type LeanReply } from './route.js';
import { metricsOf, type RequestTimer } from '../monitoring/metrics.js';

/** Serves the request if the fast lane takes it and answers true; otherwise false (Express's turn). */
export type FastLane = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

export interface FastLaneOptions {
  routes: FastRouteDef[];
  /** The security headers of every answer, as [name, value] pairs. */
  securityHeaders: Array<[string, string]>;
  /** CORS is configured: a request with an Origin header goes through Express's CORS step. */
  cors: boolean;
  /** Express's compiled TRUST_PROXY rule ('trust proxy fn'), so the client's address is the same. */
  trustProxy: (address: string, hop: number) => boolean;
}

/** The largest body the fast lane reads; a scan's is under 1 KiB. */
export const FAST_LANE_MAX_BODY = 16 * 1024;
// Exactly the forms Express accepts without question; anything else goes to Express.
const PLAIN_JSON = /^application\/json(?:; ?charset=utf-8)?$/i;
const CONTENT_LENGTH = /^[0-9]{1,5}$/;
// As body-parser finds the first character of a JSON body (strict mode).
const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/;

export function fastLane(app: AppContext, options: FastLaneOptions): FastLane {
  const byRequestLine = new Map<string, FastRouteDef>();
  for (const route of options.routes) {
    if (!route.path.startsWith('/api/') || route.path.includes(':')) throw new Error(`fast lane: ${route.path} must be an /api path without parameters`);
    byRequestLine.set(`${route.method.toUpperCase()} ${route.path}`, route);
  }
  // Each route's latency recorder (/metrics), made on its first request: a request only observes.
  const timers = new Map<FastRouteDef, RequestTimer>();
  const timerOf = (route: FastRouteDef): RequestTimer => {
    let timer = timers.get(route);
    if (!timer) {
      timer = metricsOf(app).requestTimer(route.method, route.path);
      timers.set(route, timer);
    }
    return timer;
  };

  const plain = (req: http.IncomingMessage): boolean => {
    const h = req.headers;
    if (h['transfer-encoding'] !== undefined || h['content-encoding'] !== undefined) return false;
    if (options.cors && h.origin !== undefined) return false;
    const type = h['content-type'];
    const length = h['content-length'];
    if (type === undefined || length === undefined || !PLAIN_JSON.test(type) || !CONTENT_LENGTH.test(length)) return false;
    const n = Number(length);
    return n >= 1 && n <= FAST_LANE_MAX_BODY;
  };

  // The headers of every answer, flattened once: [name, value, name, value, …].
  const fixedHeaders = [...options.securityHeaders, ['Cache-Control', 'no-store'] as [string, string]];
  const fixedFlat = fixedHeaders.flat();

  /** Writes a JSON answer (or an empty 204) with the headers the Express pipeline gives it. */
  const answer = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> | undefined): void => {
    let fields = fixedFlat;
    if (headers) {
      // A header of the answer's own replaces a fixed one of the same name, as res.set does.
      const own = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [name, value]] as const));
      fields = fixedHeaders.filter(([name]) => !own.has(name.toLowerCase())).flat();
      for (const [name, value] of own.values()) fields.push(name, value);
    }
    if (status === 204) {
      res.writeHead(status, fields);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, [...fields, 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text))]);
    res.end(text);
  };

  const serve = (route: FastRouteDef, req: http.IncomingMessage, res: http.ServerResponse): void => {
    const started = performance.now();
    const identity: AccessIdentity = {};
    const request = { method: route.method.toUpperCase(), path: route.path };
    watchRequest(app, res, { ...request, sourceIp: normaliseIp(proxyaddr(req, options.trustProxy)), identity });
    const fail = (err: unknown): void => {
      if (res.headersSent) {
        app.logger.error({ err, path: request.path }, 'error after the response started');
        res.end();
        return;
      }
      const error = answerForError(err, app.logger, request);
      answer(res, error.status, errorBody(error), error.headers);
      timerOf(route)(error.status, started);
    };
    readJsonBody(req, (err, body) => {
      if (err) {
        fail(err);
        return;
      }
      const view = { authorization: req.headers.authorization, params: {}, query: {}, body, identity };
      // An answer that cannot be written (say, a value JSON cannot hold) is an error like any other.
      runRoute(app, route as unknown as AnyRoute, view, null)
        .then((reply) => {
          const r = reply as LeanReply;
          const status = 'json' in r ? (r.status ?? 200) : 204;
          if ('json' in r) answer(res, status, r.json, r.headers);
          else answer(res, 204, undefined, undefined);
          timerOf(route)(status, started);
        })
        .catch(fail);
    });
  };

  return (req, res) => {
    const route = byRequestLine.get(`${req.method} ${req.url}`);
    if (!route || !plain(req)) return false;
    serve(route, req, res);
    return true;
  };
}

/** The request's JSON body, read and parsed as body-parser's strict JSON parser does (same errors). */
function readJsonBody(req: http.IncomingMessage, done: (err: unknown, body?: unknown) => void): void {
  const chunks: Buffer[] = [];
  let settled = false;
  const finish = (err: unknown, body?: unknown) => {
    if (settled) return;
    settled = true;
    done(err, body);
  };
  const bodyError = (type: string) => fromBodyParserError({ type }) ?? new Error(type);
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('error', () => finish(bodyError('request.aborted')));
  req.on('end', () => {
    const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (!isUtf8(raw)) {
      finish(bodyError('entity.verify.failed'));
      return;
    }
    let text = raw.toString('utf8');
    // body-parser decodes with iconv-lite, which drops a byte-order mark.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    // body-parser takes an empty body as {}.
    if (text.length === 0) {
      finish(null, {});
      return;
    }
    const first = FIRST_NON_WHITESPACE.exec(text)?.[1];
    if (first !== '{' && first !== '[') {
      finish(bodyError('entity.parse.failed'));
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      finish(bodyError('entity.parse.failed'));
      return;
    }
    finish(null, body);
  });
}
