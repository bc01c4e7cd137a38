// GET /metrics: protected by METRICS_TOKEN (Authorization: Bearer …, compared in constant time),
// or served only on a separate listen address (METRICS_HOST / METRICS_PORT) that the load
// balancer does not expose. On the main address it exists only when METRICS_TOKEN is set (404
// otherwise); on the separate address the token is asked for too when it is set.
import crypto from 'node:crypto';
import type http from 'node:http';
import type { AppContext } from '../context.js';
import { metricsOf } from './metrics.js';

export type MetricsHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const digest = (value: string) => crypto.createHash('sha256').update(value, 'utf8').digest();

/** True when `header` is `Bearer <token>` with exactly this token (same time whatever the mismatch). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const sent = /^Bearer ([\x21-\x7e]+)$/i.exec(header ?? '')?.[1] ?? '';
  // Digests of both: equal lengths for timingSafeEqual, and no early exit on a shorter guess.
  return crypto.timingSafeEqual(digest(sent), digest(token)) && sent.length > 0;
}

function answer(res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: { code, message, details: [] } });
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/**
 * The handler of GET /metrics. `listener`: 'main' on the API's address (token required, else
 * 404), 'metrics' on METRICS_HOST:METRICS_PORT (the token too when one is configured).
 */
export function metricsHandler(app: AppContext, listener: 'main' | 'metrics'): MetricsHandler {
  const token = app.config.metricsToken;
  return (req, res) => {
    if (listener === 'main' && !token) {
      answer(res, 404, 'not_found', 'Not found.');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer(res, 405, 'method_not_allowed', 'GET /metrics only.', { Allow: 'GET, HEAD' });
      return;
    }
    if (token && !bearerMatches(req.headers.authorization, token)) {
      answer(res, 401, 'unauthorized', 'The metrics need the token set in METRICS_TOKEN (Authorization: Bearer …).', { 'WWW-Authenticate': 'Bearer realm="metrics"' });
      return;
    }
    const metrics = metricsOf(app);
    metrics.scrape().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(text)) });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        app.logger.warn({ err: (err as Error).message }, 'metrics scrape failed');
        answer(res, 503, 'metrics_unavailable', 'The metrics could not be gathered. Try again shortly.');
      },
    );
  };
}

/** The separate listener of METRICS_HOST:METRICS_PORT: /metrics and nothing else. */
export function metricsListener(app: AppContext): http.RequestListener {
  const handle = metricsHandler(app, 'metrics');
  return (req, res) => {
    if ((req.url ?? '').split('?')[0] !== '/metrics') {
      answer(res, 404, 'not_found', 'Not found.');
      return;
    }
    handle(req, res);
  };
}
