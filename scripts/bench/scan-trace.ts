// `npx tsx scripts/bench/scan-trace.ts`: where does a scan's time go? Runs the app in-process
// against a fresh PostgreSQL database and records every SQL statement knex sends (round trips),
// first for a few sequential scans (statements of one scan, with timings), then under
// --clients concurrent clients for --seconds (mean time per statement, lock waits included).
// The database is dropped at the end. Admin connection as for bench:door (DATABASE_URL or
// postgres://postgres@127.0.0.1:5432/postgres).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../server/config.js';
import { createContext, type AppContext } from '../../server/context.js';
import { createDatabase } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadSecrets } from '../../server/secrets.js';
import { buildRequestListener } from '../../server/app.js';
import { flushAccessLog } from '../../server/access-log/recorder.js';
import { seedDoor } from './seed.js';
import { httpRequest, stats, table, adminQuery } from './lib.js';

const { values: opt } = parseArgs({
  options: {
    entries: { type: 'string', default: '0' },
    clients: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `tachiai_bench_trace_${crypto.randomBytes(4).toString('hex')}`;
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const admin = (sql: string) => adminQuery(adminUrl, sql);

interface Q {
  sql: string;
  start: number;
  end: number;
}

function shortSql(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 90 ? s.slice(0, 87) + '...' : s;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-trace-'));
await admin(`CREATE DATABASE ${name}`);
const config = loadConfig({
  DATABASE_URL: url.toString(),
  DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
  BADGE_SECRET: crypto.randomBytes(48).toString('base64url'),
  CHECKPOINT_INTERVAL_MINUTES: '0',
});
const db = await createDatabase({ databaseUrl: url.toString() });
const ctx: AppContext = createContext({ config, db, secrets: loadSecrets(config, { persist: false }), logger: pino({ level: 'silent' }) });
let server: http.Server | null = null;
try {
  await migrateToLatest(db.knex);
  const seeded = await seedDoor(ctx, { people: 1000, rooms: 4, entries: Number(opt.entries) }, (m) => console.log(m));
  server = http.createServer(buildRequestListener(ctx));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const login = await httpRequest(agent, port, 'POST', '/api/auth/login', { body: { username: seeded.guard.username, password: seeded.guard.password } });
  const token = (JSON.parse(login.body) as { token: string }).token;

  // Every statement at the driver (BEGIN and COMMIT included), timed from send to answer; and
  // how long each transaction holds the journal's chain lock (granted -> COMMIT answered).
  const log: Q[] = [];
  const holds: number[] = [];
  const lockGranted = new WeakMap<object, number>();
  let recording = false;
  type Cb = (err: unknown, res: unknown) => void;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: object, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; values?: unknown[] };
    const text = typeof first === 'string' ? first : first?.text ?? '';
    const values = (typeof first === 'string' ? args[1] : first?.values) as unknown[] | undefined;
    if (!recording || typeof text !== 'string') return original.apply(this, args);
    // The chain's lock (appendJournal, and the intake chainer that chains the scans' events).
    const isJournalLock = /^SELECT pg_advisory_xact_lock/.test(text) && Array.isArray(values) && values.includes('main');
    const label = isJournalLock ? '[journal chain lock] ' : /^SELECT pg_advisory_xact_lock/.test(text) ? '[advisory lock] ' : '';
    const e: Q = { sql: label + text, start: performance.now(), end: NaN };
    log.push(e);
    const client = this;
    const isEnd = /^(COMMIT|ROLLBACK)/i.test(text.trim());
    const finish = () => {
      e.end = performance.now();
      if (isJournalLock) lockGranted.set(client, e.end);
      if (isEnd) {
        const g = lockGranted.get(client);
        if (g !== undefined) holds.push(e.end - g);
        lockGranted.delete(client);
      }
    };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: unknown) => {
        finish();
        (last as Cb)(err, res);
      };
      return original.apply(this, args);
    }
    const r = original.apply(this, args) as Promise<unknown> | undefined;
    if (r && typeof r.then === 'function') r.then(finish, finish);
    return r;
  };

  const scan = (i: number) => {
    const p = seeded.people[i % seeded.people.length]!;
    return httpRequest(agent, port, 'POST', '/api/scans', { token, body: { roomId: p.roomId, badge: p.token } });
  };
  for (let i = 0; i < 50; i += 1) await scan(i); // warm-up

  // Sequential: the statements of single scans.
  const perScan: Array<{ latency: number; queries: Q[] }> = [];
  for (let i = 0; i < 30; i += 1) {
    log.length = 0;
    holds.length = 0;
    recording = true;
    const s = performance.now();
    const res = await scan(100 + i);
    const latency = performance.now() - s;
    await flushAccessLog(ctx);
    recording = false;
    if (res.status !== 201) throw new Error(`scan failed: ${res.status} ${res.body}`);
    perScan.push({ latency, queries: [...log] });
  }
  const sample = perScan[perScan.length - 1]!;
  console.log(`\nOne scan (sequential), ${sample.queries.length} statements, request latency ${sample.latency.toFixed(2)} ms:`);
  const base = sample.queries[0]!.start;
  console.log(
    table(
      ['#', 'start', 'ms', 'statement'],
      sample.queries.map((q, i) => [String(i + 1), (q.start - base).toFixed(2), (q.end - q.start).toFixed(2), shortSql(q.sql)]),
    ),
  );
  const counts = perScan.map((p) => p.queries.length);
  const lat = stats(perScan.map((p) => p.latency));
  console.log(`statements per scan: min ${Math.min(...counts)}, max ${Math.max(...counts)}; sequential latency p50 ${lat.p50.toFixed(2)} ms`);

  // Concurrent: mean time of each statement, waits on locks included.
  const clients = Number(opt.clients);
  const seconds = Number(opt.seconds);
  log.length = 0;
  holds.length = 0;
  recording = true;
  let n = 0;
  let i0 = 0;
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        await scan(Math.floor(Math.random() * 1000) + i0++);
        latencies.push(performance.now() - s);
        n += 1;
      }
    }),
  );
  await flushAccessLog(ctx);
  recording = false;
  const byStmt = new Map<string, number[]>();
  for (const q of log) {
    if (!Number.isFinite(q.end)) continue;
    const k = shortSql(q.sql);
    let arr = byStmt.get(k);
    if (!arr) byStmt.set(k, (arr = []));
    arr.push(q.end - q.start);
  }
  const l = stats(latencies);
  const h = stats(holds);
  console.log(`\njournal chain lock held (granted -> COMMIT answered): mean ${h.mean.toFixed(2)} ms, p50 ${h.p50.toFixed(2)}, p95 ${h.p95.toFixed(2)} ms over ${h.count} transactions; at most ${(1000 / h.mean).toFixed(0)} such transactions/s (each chains every scan waiting in the intake)`);
  console.log(`${clients} clients for ${seconds} s in-process: ${(n / seconds).toFixed(1)} scans/s, p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms`);
  console.log(
    table(
      ['statement', 'calls/scan', 'mean ms', 'p95 ms', 'total ms/scan'],
      [...byStmt.entries()]
        .map(([k, v]) => {
          const s = stats(v);
          return { k, calls: v.length / n, mean: s.mean, p95: s.p95, total: (s.mean * v.length) / n };
        })
        .sort((a, b) => b.total - a.total)
        .map((r) => [r.k, r.calls.toFixed(2), r.mean.toFixed(2), r.p95.toFixed(2), r.total.toFixed(2)]),
    ),
  );
  agent.destroy();
} finally {
  if (server) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
  }
  await db.close();
  if (!opt.keep) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  else console.log(`kept ${url.toString()}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
