// Small helpers for the benchmarks: HTTP over a keep-alive agent, percentiles, RSS sampling of a
// child process, formatting. No dependencies beyond node:, pg and the project's own.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import pg from 'pg';
import { passwordPolicyViolations } from '../../server/auth/password-policy.js';

export interface HttpResult {
  status: number;
  body: string;
}

/** One HTTP request on loopback; rejects on network errors and after `timeoutMs`. */
export function httpRequest(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // A deadline from now, not from when a socket is free: requests queued in the agent count too.
    const timeoutMs = options.timeoutMs ?? 10_000;
    const timer = setTimeout(() => req.destroy(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A lean HTTP/1.1 client for the load phases: raw keep-alive sockets on loopback, one request at a
 * time per socket, each request written as one string, each answer read by its Content-Length.
 * It costs a fraction of node:http's CPU per request. That matters here: the load generator shares
 * the machine's CPUs with the server and PostgreSQL, and pgbench, which the scans are compared
 * with, drives PostgreSQL from a client written in C.
 */
export class LeanHttpPool {
  private readonly idle: LeanConnection[] = [];
  private readonly waiting: Array<{ send: (c: LeanConnection) => void; deadline: number; fail: (err: Error) => void }> = [];
  private readonly all = new Set<LeanConnection>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly port: number,
    private readonly maxSockets: number,
  ) {
    // One timer for every deadline (a timer per request would cost more than the request).
    this.sweeper = setInterval(() => this.sweep(), 50);
    this.sweeper.unref();
  }

  /** `head` holds the request's own header lines, each ending in CRLF (no Host or Content-Length). */
  request(method: string, path: string, head: string, body: string, timeoutMs = 10_000): Promise<HttpResult> {
    const deadline = performance.now() + timeoutMs;
    const text = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise<HttpResult>((resolve, reject) => {
      const send = (c: LeanConnection) =>
        c.send(text, deadline, (err, res) => {
          if (c.open) this.release(c);
          if (err) reject(err);
          else resolve(res!);
        });
      let c = this.idle.pop();
      // Closed by the server while idle — or about to be: a socket idle for nearly the server's
      // keep-alive timeout (5 s) may be closed as the request is written (ECONNRESET), which a
      // browser would retry on a new connection; this client does not reuse such a socket.
      while (c && (!c.open || performance.now() - c.idleSince > STALE_IDLE_MS)) {
        if (c.open) c.close(new Error('idle too long'));
        c = this.idle.pop();
      }
      c ??= this.all.size < this.maxSockets ? this.open() : undefined;
      if (c) send(c);
      else this.waiting.push({ send, deadline, fail: reject });
    });
  }

  destroy(): void {
    clearInterval(this.sweeper);
    for (const c of this.all) c.close(new Error('pool destroyed'));
    for (const w of this.waiting.splice(0)) w.fail(new Error('pool destroyed'));
  }

  private open(): LeanConnection {
    const c = new LeanConnection(this.port, () => this.all.delete(c));
    this.all.add(c);
    return c;
  }

  private release(c: LeanConnection): void {
    const next = this.waiting.shift();
    if (next) next.send(c);
    else {
      c.idleSince = performance.now();
      this.idle.push(c);
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const c of this.all) if (c.deadline !== 0 && c.deadline < now) c.close(new Error('timeout after the deadline'));
    while (this.waiting.length > 0 && this.waiting[0]!.deadline < now) this.waiting.shift()!.fail(new Error('timeout while queued'));
  }
}

/** Below the server's keepAliveTimeout of 5 s (server/runtime.ts). */
const STALE_IDLE_MS = 4_000;

class LeanConnection {
  open = true;
  deadline = 0;
  idleSince = 0;
  private readonly socket: net.Socket;
  private buffered: Buffer | null = null;
  private done: ((err: Error | null, res?: HttpResult) => void) | null = null;

  constructor(
    port: number,
    private readonly onClosed: () => void,
  ) {
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.close(err));
    this.socket.on('close', () => this.close(new Error('connection closed by the server')));
  }

  send(text: string, deadline: number, done: (err: Error | null, res?: HttpResult) => void): void {
    this.deadline = deadline;
    this.done = done;
    this.socket.write(text);
  }

  close(err: Error): void {
    if (!this.open) return;
    this.open = false;
    this.socket.destroy();
    this.onClosed();
    this.finish(err);
  }

  private finish(err: Error | null, res?: HttpResult): void {
    const done = this.done;
    this.done = null;
    this.deadline = 0;
    done?.(err, res);
  }

  private onData(chunk: Buffer): void {
    const buf = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    const headEnd = buf.indexOf('\r\n\r\n');
    if (headEnd < 0) {
      this.buffered = buf;
      return;
    }
    const head = buf.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!head.startsWith('HTTP/1.1 ') || !length) {
      this.close(new Error(`unexpected answer: ${head.slice(0, 80)}`));
      return;
    }
    const end = headEnd + 4 + Number(length[1]);
    if (buf.length < end) {
      this.buffered = buf;
      return;
    }
    if (buf.length > end) {
      this.close(new Error('more bytes than the answer announced'));
      return;
    }
    this.buffered = null;
    const res = { status: Number(head.slice(9, 12)), body: buf.toString('utf8', headEnd + 4, end) };
    if (/\r\nconnection: *close/i.test(head)) {
      this.open = false;
      this.socket.destroy();
      this.onClosed();
    }
    this.finish(null, res);
  }
}

/** A free TCP port on loopback (there is a small race until the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Stats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of latencies in ms. */
export function stats(values: number[]): Stats {
  if (values.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1]!, mean: sum / sorted.length };
}

export const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');
export const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;

/** Reads VmRSS and VmHWM (kB) of a process from /proc; null when it is gone. */
export function readMemory(pid: number): { rssKb: number; hwmKb: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rssKb: get('VmRSS'), hwmKb: get('VmHWM') };
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `intervalMs`; `phase()` returns and resets the phase peak. */
export class RssSampler {
  peakKb = 0;
  lastKb = 0;
  samples = 0;
  private phasePeakKb = 0;
  private timer: NodeJS.Timeout;

  constructor(private readonly pid: number, intervalMs = 200) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  sample(): void {
    const m = readMemory(this.pid);
    if (!m || !Number.isFinite(m.rssKb)) return;
    this.samples += 1;
    this.lastKb = m.rssKb;
    if (m.rssKb > this.peakKb) this.peakKb = m.rssKb;
    if (m.rssKb > this.phasePeakKb) this.phasePeakKb = m.rssKb;
  }

  phase(): number {
    this.sample();
    const p = this.phasePeakKb;
    this.phasePeakKb = this.lastKb;
    return p;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A fixed-width text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on Linux (getconf CLK_TCK)

/** CPU time (user + system) a process has used, in ms; null when it is gone. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state is #3 overall, utime #14, stime #15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Runs one statement on its own connection (CREATE / DROP DATABASE for the scratch databases). */
export async function adminQuery(connectionString: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * Ctrl-C (and SIGTERM, SIGHUP) reaches a benchmark more than once — from the terminal's process
 * group and again from the npm / tsx wrappers: the first starts the clean-up (dropping the bench
 * database), repeats must not cut it short; after 30 s the process goes anyway.
 */
export function cleanUpOnSignals(log: (message: string) => void, cleanUp: () => Promise<unknown>): void {
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${sig}: stopping and cleaning up`);
      setTimeout(() => process.exit(130), 30_000).unref();
      void cleanUp().finally(() => process.exit(130));
    });
  }
}

/** Runs a benchmark's main(), always cleans up, and exits 0, or 1 when the run itself failed (never for its figures). */
export async function runBenchmark(main: () => Promise<void>, cleanUp: () => Promise<unknown>, log: (message: string) => void): Promise<never> {
  let exitCode = 0;
  try {
    await main();
  } catch (err) {
    exitCode = 1;
    log(`benchmark failed: ${(err as Error).stack ?? String(err)}`);
  } finally {
    await cleanUp();
  }
  process.exit(exitCode);
}

/** The secrets of a throwaway benchmark site, as environment variables (fresh every run). */
export function throwawaySecretsEnv(): Record<'JWT_SECRET' | 'BADGE_SECRET' | 'SIGNING_KEY' | 'PIN_PEPPER' | 'BACKUP_KEY', string> {
  return {
    JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
    BADGE_SECRET: crypto.randomBytes(48).toString('base64url'),
    SIGNING_KEY: crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    PIN_PEPPER: crypto.randomBytes(32).toString('base64url'),
    BACKUP_KEY: crypto.randomBytes(32).toString('base64url'),
  };
}

/** A random password the site's policy (E3.11) accepts for this account: a benchmark's sign-in never fails on it. */
export function policyPassword(context: { username: string; personName: string; orgName: string }): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789#$%&!';
  for (;;) {
    const pw = Array.from(crypto.randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
    if (passwordPolicyViolations(pw, context).length === 0) return pw;
  }
}
