// `npm run bench:door`: the door under load, against a real PostgreSQL.
//
//   1. creates a fresh database tachiai_bench_<ts> (dropped at the end unless --keep), migrates
//      it and seeds 1,000 people with badges on the access list of a few secure rooms (no hours)
//      and 1,000,000 past entries over the last year; ANALYZE;
//   2. starts the server as a child process (`node scripts/tachiai.mjs serve`) and samples its
//      RSS (/proc/<pid>/status) every 200 ms;
//   3. signs in as a guard and drives POST /api/scans: 16 concurrent clients for 20 s (closed
//      loop), then a steady 200 scans/s for 20 s (open loop, scheduled by the clock; latency is
//      measured from the scheduled send time, so server stalls are not hidden);
//   4. entry-log queries on the 1M rows: by person, and by room over a 1-day window; the compliance
//      view (issue 18) as an auditor sees it;
//   5. pgbench TPC-B (scale 10, 8 clients, 20 s) into a scratch database, for the ratio;
//   6. prints a summary with the targets. Exit 0 whatever the figures; non-zero only when the run
//      itself failed.
//
// Admin connection: DATABASE_URL if set, otherwise postgres://postgres@127.0.0.1:5432/postgres.
// Only loopback traffic. Options: --help.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../server/config.js';
import { createContext, type AppContext } from '../../server/context.js';
import { createDatabase, type Database } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadSecrets } from '../../server/secrets.js';
import { verifyJournal } from '../../server/journal/verify.js';
import { seedDoor, type Seeded } from './seed.js';
import { serverNodeArgs, startServerProcess, type ServerProcess } from './server-process.js';
import { httpRequest, LeanHttpPool, mb, ms, processCpuMs, readMemory, RssSampler, sleep, stats, table, type Stats, cleanUpOnSignals, runBenchmark } from './lib.js';

const execFileP = promisify(execFile);

const USAGE = `Usage: npm run bench:door -- [options]

  --keep                 keep the bench database (and print its URL) instead of dropping it
  --seed-only            seed the bench database, keep it and stop (for EXPLAIN and the like)
  --people N             people with badges (1000)
  --entries N            past entries to seed (1000000)
  --rooms N              secure rooms, everyone on every access list (4)
  --clients N            concurrent clients in the closed-loop phase (16)
  --closed-seconds S     closed-loop phase length (20)
  --rate R               open-loop scans per second (200)
  --open-seconds S       open-loop phase length (20)
  --queries N            entry-log requests of each kind (200)
  --pgbench-seconds S    pgbench -T (20); --no-pgbench to skip it
  --cpu-prof DIR         run the server with --cpu-prof, profiles written to DIR
  --embedded             the embedded database (PGlite in the server's process) instead of
                         PostgreSQL: seeds a data directory, measures the idle and loaded RSS;
                         no pgbench ratio (defaults then: --clients 6 --rate 100)

Environment: DATABASE_URL (admin connection; default postgres://postgres@127.0.0.1:5432/postgres),
PGBENCH (path of pgbench; default /usr/lib/postgresql/15/bin/pgbench, else pgbench on PATH),
BENCH_NODE_ARGS (V8 flags for the server; default those of npm start), BENCH_DEBUG=1 (PostgreSQL CPU by backend kind),
BENCH_SERVER_LOG=FILE (all of the server's output, e.g. with --trace-gc).`;

const { values: opt } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    'seed-only': { type: 'boolean', default: false },
    people: { type: 'string', default: '1000' },
    entries: { type: 'string', default: '1000000' },
    rooms: { type: 'string', default: '4' },
    clients: { type: 'string' },
    'closed-seconds': { type: 'string', default: '20' },
    rate: { type: 'string' },
    'open-seconds': { type: 'string', default: '20' },
    queries: { type: 'string', default: '200' },
    'pgbench-seconds': { type: 'string', default: '20' },
    'no-pgbench': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    embedded: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
const embedded = opt.embedded;
// The embedded database serves one statement at a time: fewer clients, a lower steady rate.
opt.clients ??= embedded ? '6' : '16';
opt.rate ??= embedded ? '100' : '200';
function intOpt(name: keyof typeof opt, min: number, max: number): number {
  const v = Number(opt[name]);
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(`--${name} must be an integer in ${min}..${max}\n\n${USAGE}`);
    process.exit(2);
  }
  return v;
}
const P = {
  people: intOpt('people', 10, 100_000),
  entries: intOpt('entries', 0, 20_000_000),
  rooms: intOpt('rooms', 1, 100),
  clients: intOpt('clients', 1, 256),
  closedSeconds: intOpt('closed-seconds', 1, 300),
  rate: intOpt('rate', 1, 10_000),
  openSeconds: intOpt('open-seconds', 1, 300),
  queries: intOpt('queries', 1, 10_000),
  pgbenchSeconds: intOpt('pgbench-seconds', 1, 300),
};

const TARGETS = { ratio: 0.5, openP99Ms: 25, queryP95Ms: 20, rssMb: 200, complianceMs: 500 };
/** The embedded database (issue 17, item 9): RSS idle and under load, and no less than the 495 scans/s measured before. */
const EMBEDDED_TARGETS = { idleRssMb: 250, loadRssMb: 300, closedRate: 495 };

// ---------------------------------------------------------------- progress and clean-up
const t0 = Date.now();
function log(msg: string) {
  process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14) + '_' + crypto.randomBytes(2).toString('hex');
const benchDbName = `tachiai_bench_${stamp}`;
const pgbenchDbName = `tachiai_pgbench_${stamp}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-bench-'));

const state = {
  server: null as ServerProcess | null,
  databases: new Set<string>(),
  handles: new Set<Database>(),
  cleaning: null as Promise<void> | null,
};

function dbUrl(name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

function cleanUp(): Promise<void> {
  state.cleaning ??= (async () => {
    await state.server?.stop().catch(() => undefined);
    for (const h of state.handles) await h.close().catch(() => undefined);
    for (const name of state.databases) {
      if (opt.keep && name === benchDbName) {
        log(`kept the bench database: ${dbUrl(name)}`);
        continue;
      }
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(
        () => log(`dropped database ${name}`),
        (err: Error) => log(`could not drop database ${name}: ${err.message}`),
      );
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  })();
  return state.cleaning;
}

cleanUpOnSignals(log, cleanUp);

// ---------------------------------------------------------------- 3. scans
interface PhaseResult {
  name: string;
  sent: number;
  ok: number;
  errors: number;
  granted: number;
  denied: number;
  seconds: number;
  latency: Stats;
  errorSamples: string[];
  rssPeakKb: number;
  /** CPU ms per scan: the server process, and the PostgreSQL backends of the bench database. */
  cpu?: { server: number; pg: number; client: number };
}

interface ScanTarget {
  port: number;
  token: string;
  people: Seeded['people'];
}

function scanOnce(t: ScanTarget, pool: LeanHttpPool, tally: { granted: number; denied: number; errors: number; ok: number; samples: string[] }) {
  const person = t.people[Math.floor(Math.random() * t.people.length)]!;
  const head = `Authorization: Bearer ${t.token}\r\nContent-Type: application/json\r\nAccept: application/json\r\n`;
  return pool.request('POST', '/api/scans', head, JSON.stringify({ roomId: person.roomId, badge: person.token })).then(
    (res) => {
      if (res.status === 201) {
        tally.ok += 1;
        if (res.body.includes('"decision":"granted"')) tally.granted += 1;
        else tally.denied += 1;
      } else {
        tally.errors += 1;
        if (tally.samples.length < 5) tally.samples.push(`${res.status} ${res.body.slice(0, 200)}`);
      }
    },
    (err: Error) => {
      tally.errors += 1;
      if (tally.samples.length < 5) tally.samples.push(err.message);
    },
  );
}

async function closedLoop(name: string, t: ScanTarget, clients: number, seconds: number, rss: RssSampler | null): Promise<PhaseResult> {
  const pool = new LeanHttpPool(t.port, clients);
  const tally = { granted: 0, denied: 0, errors: 0, ok: 0, samples: [] as string[] };
  const latencies: number[] = [];
  rss?.phase();
  const start = performance.now();
  const end = start + seconds * 1000;
  let sent = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        sent += 1;
        await scanOnce(t, pool, tally);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  pool.destroy();
  return { name, sent, ok: tally.ok, errors: tally.errors, granted: tally.granted, denied: tally.denied, seconds: elapsed, latency: stats(latencies), errorSamples: tally.samples, rssPeakKb: rss?.phase() ?? 0 };
}

async function openLoop(name: string, t: ScanTarget, rate: number, seconds: number, rss: RssSampler): Promise<PhaseResult> {
  // Enough sockets that the client never queues at 200/s unless the server stalls for long.
  const pool = new LeanHttpPool(t.port, 256);
  const tally = { granted: 0, denied: 0, errors: 0, ok: 0, samples: [] as string[] };
  const latencies: number[] = [];
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  rss.phase();
  const start = performance.now();
  const inflight: Array<Promise<void>> = [];
  let next = 0;
  while (next < total) {
    const now = performance.now();
    // Send everything that is due (by the clock, not by responses).
    while (next < total && start + next * interval <= now) {
      const scheduled = start + next * interval;
      next += 1;
      inflight.push(scanOnce(t, pool, tally).then(() => void latencies.push(performance.now() - scheduled)));
    }
    if (next < total) await sleep(Math.max(0, Math.min(5, start + next * interval - performance.now())));
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000;
  pool.destroy();
  return { name, sent: total, ok: tally.ok, errors: tally.errors, granted: tally.granted, denied: tally.denied, seconds: elapsed, latency: stats(latencies), errorSamples: tally.samples, rssPeakKb: rss.phase() };
}

// ---------------------------------------------------------------- 4. entry queries
interface QueryResult {
  name: string;
  latency: Stats;
  errors: number;
  avgItems: number;
}

function rfc3339Tokyo(d: Date): string {
  // Midnight in Asia/Tokyo (UTC+9, no DST) written with its offset, as a client would.
  const local = new Date(d.getTime() + 9 * 3600_000);
  return `${local.toISOString().slice(0, 19)}+09:00`;
}

const COMPLIANCE_REQUESTS = 20;

/** Sequential GETs after 10 uncounted ones: latency, errors, and the items of list answers. */
async function timedGets(name: string, port: number, token: string, count: number, makePath: () => string): Promise<QueryResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let items = 0;
  for (let i = 0; i < 10; i += 1) await httpRequest(agent, port, 'GET', makePath(), { token }).catch(() => undefined); // warm-up, not counted
  for (let i = 0; i < count; i += 1) {
    const p = makePath();
    const s = performance.now();
    try {
      const res = await httpRequest(agent, port, 'GET', p, { token });
      latencies.push(performance.now() - s);
      if (res.status === 200) items += (JSON.parse(res.body) as { items?: unknown[] }).items?.length ?? 0;
      else errors += 1;
    } catch {
      errors += 1;
    }
  }
  agent.destroy();
  return { name, latency: stats(latencies), errors, avgItems: items / Math.max(1, count - errors) };
}

/**
 * Writes out the dirty pages a bulk load left behind, so that neither the scans nor pgbench run
 * beside a spread checkpoint started by someone else's WAL (the seed's gigabyte of entries would
 * otherwise trigger one a minute later, in the middle of pgbench, with full-page writes after it).
 */
async function checkpoint(when: string): Promise<void> {
  const started = Date.now();
  try {
    await adminQuery('CHECKPOINT');
    log(`  CHECKPOINT ${when}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    // Needs superuser or pg_checkpoint; without it the run goes on, only a little less even.
    log(`  CHECKPOINT ${when} not allowed (${(err as Error).message}); figures may include a checkpoint's writes`);
  }
}

// ---------------------------------------------------------------- 5. pgbench
function pgbenchPath(): string {
  if (process.env.PGBENCH) return process.env.PGBENCH;
  const debian = '/usr/lib/postgresql/15/bin/pgbench';
  return fs.existsSync(debian) ? debian : 'pgbench';
}

function pgArgs(): { args: string[]; env: NodeJS.ProcessEnv } {
  const u = new URL(adminUrl);
  const args = ['-h', u.hostname || '127.0.0.1', '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
  const env = { ...process.env };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  return { args, env };
}

async function runPgbench(): Promise<{ tps: number; latencyMs: number; output: string }> {
  const bin = pgbenchPath();
  const { args, env } = pgArgs();
  await adminQuery(`CREATE DATABASE ${pgbenchDbName}`);
  state.databases.add(pgbenchDbName);
  log(`pgbench -i -s 10 into ${pgbenchDbName}`);
  await execFileP(bin, [...args, '-i', '-s', '10', '-q', pgbenchDbName], { env, timeout: 180_000, maxBuffer: 16 << 20 });
  await checkpoint('after pgbench -i');
  log(`pgbench -c 8 -j 2 -T ${P.pgbenchSeconds} (TPC-B)`);
  const { stdout } = await execFileP(bin, [...args, '-c', '8', '-j', '2', '-T', String(P.pgbenchSeconds), pgbenchDbName], {
    env,
    timeout: (P.pgbenchSeconds + 120) * 1000,
    maxBuffer: 16 << 20,
  });
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1] ?? /tps = ([\d.]+)/.exec(stdout)?.[1] ?? NaN);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1] ?? NaN);
  return { tps, latencyMs, output: stdout };
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const pgVersion = ((await adminQuery('SELECT version() AS v')).rows[0] as { v: string }).v;
  log(`Tachiai door benchmark — ${os.cpus().length} CPU(s), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`);
  log(`${pgVersion}`);
  log(`admin connection ${new URL(adminUrl).host}; bench database ${benchDbName}`);
  const loadBefore = os.loadavg();
  log(`load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}${loadBefore[0]! > os.cpus().length * 0.5 ? ' — the machine is busy: figures will be lower than on a quiet machine' : ''}`);

  // Secrets shared by this process (badge tokens) and the server (verification).
  const secretsEnv = {
    JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
    BADGE_SECRET: crypto.randomBytes(48).toString('base64url'),
    SIGNING_KEY: crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };

  // 1. database and seed
  const benchUrl = embedded ? undefined : dbUrl(benchDbName);
  if (!embedded) {
    await adminQuery(`CREATE DATABASE ${benchDbName}`);
    state.databases.add(benchDbName);
  }
  const config = loadConfig({ ...(benchUrl ? { DATABASE_URL: benchUrl } : {}), DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...secretsEnv });
  // Seeding 10 million entries and rebuilding their indexes takes statements of minutes.
  const openDb = () => createDatabase(benchUrl ? { databaseUrl: benchUrl, poolMax: 2, queryTimeoutMs: 30 * 60_000 } : { embeddedDir: dataDir });
  let db = await openDb();
  state.handles.add(db);
  const ctx: AppContext = createContext({ config, db, secrets: loadSecrets(config, { persist: false }), logger: pino({ level: 'silent' }) });
  const seedStart = Date.now();
  log('migrating and seeding');
  await migrateToLatest(db.knex);
  const seeded = await seedDoor(ctx, { people: P.people, rooms: P.rooms, entries: P.entries }, log);
  const seedSeconds = (Date.now() - seedStart) / 1000;
  log(`seeded ${P.people} people with badges, ${P.rooms} secure rooms, ${P.entries.toLocaleString('en')} entries in ${seedSeconds.toFixed(1)} s`);
  if (embedded) {
    // The embedded files belong to one process: the server's, from now on.
    await db.close();
    state.handles.delete(db);
  } else {
    await checkpoint('after seeding');
  }

  if (opt['seed-only']) {
    opt.keep = true;
    return;
  }

  // 2. the server, as a child process
  const server = await startServerProcess({
    env: { ...secretsEnv, DATABASE_URL: benchUrl, DATA_DIR: dataDir },
    nodeArgs: serverNodeArgs(opt['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opt['cpu-prof'])}`] : []),
    log,
  });
  state.server = server;
  const { child, port, rss } = server;
  const probe = new http.Agent({ keepAlive: false });
  log(`server pid ${child.pid} on 127.0.0.1:${port}, RSS ${mb(rss.lastKb)} at start`);

  // 3. scans
  const login = await httpRequest(probe, port, 'POST', '/api/auth/login', { body: { username: seeded.guard.username, password: seeded.guard.password } });
  if (login.status !== 200) throw new Error(`guard sign-in failed: ${login.status} ${login.body}`);
  const token = (JSON.parse(login.body) as { token: string }).token;
  const target: ScanTarget = { port, token, people: seeded.people };

  // Idle: started, one sign-in, nothing else for 5 s.
  await sleep(5000);
  rss.sample();
  const idleKb = rss.lastKb;
  rss.phase(); // the load phases' peaks start from here, not from the start-up's
  log(`server RSS idle: ${mb(idleKb)}`);

  const statsDb = async () => {
    if (embedded) return NaN;
    const r = await db.knex.raw('SELECT xact_commit::bigint AS c FROM pg_stat_database WHERE datname = current_database()');
    return Number((r.rows[0] as { c: string }).c);
  };
  // CPU time of the server process and of the PostgreSQL backends serving the bench database
  // (when PostgreSQL runs on this machine): per scan, it is much less sensitive to other load
  // on the machine than throughput and latency are.
  const cpuSnapshot = async () => {
    const r = embedded ? { rows: [] } : await db.knex.raw("SELECT pid, backend_type || ':' || coalesce(nullif(application_name, ''), '-') AS kind FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    const backends = new Map<number, number>();
    const kinds = new Map<number, string>();
    for (const { pid, kind } of r.rows as Array<{ pid: number; kind: string }>) {
      const t = processCpuMs(pid);
      if (t !== null) backends.set(pid, t);
      kinds.set(pid, kind);
    }
    const own = process.cpuUsage();
    return { server: processCpuMs(child.pid!) ?? NaN, backends, kinds, client: (own.user + own.system) / 1000 };
  };
  const cpuPerScan = (a: Awaited<ReturnType<typeof cpuSnapshot>>, b: Awaited<ReturnType<typeof cpuSnapshot>>, scans: number) => {
    let pgMs = 0;
    const byKind = new Map<string, number>();
    for (const [pid, t] of b.backends) {
      const spent = t - (a.backends.get(pid) ?? 0);
      pgMs += spent;
      const kind = b.kinds.get(pid) ?? '?';
      byKind.set(kind, (byKind.get(kind) ?? 0) + spent);
    }
    if (process.env.BENCH_DEBUG) log(`  PostgreSQL CPU by backend: ${[...byKind].map(([k, v]) => `${k} ${(v / Math.max(1, scans)).toFixed(2)} ms`).join(', ')}`);
    return { server: (b.server - a.server) / Math.max(1, scans), pg: b.backends.size ? pgMs / Math.max(1, scans) : NaN, client: (b.client - a.client) / Math.max(1, scans) };
  };

  log('warm-up: 4 clients for 3 s (not counted)');
  await closedLoop('warm-up', target, 4, 3, null);

  log(`closed loop: ${P.clients} clients for ${P.closedSeconds} s`);
  const commitsBefore = await statsDb();
  const cpuBefore = await cpuSnapshot();
  const closed = await closedLoop(`${P.clients} clients, closed loop`, target, P.clients, P.closedSeconds, rss);
  const cpuAfter = await cpuSnapshot();
  const commitsAfter = await statsDb();
  closed.cpu = cpuPerScan(cpuBefore, cpuAfter, closed.sent);
  log(`  ${(closed.ok / closed.seconds).toFixed(1)} scans/s, p50 ${ms(closed.latency.p50)}, p99 ${ms(closed.latency.p99)}, errors ${closed.errors}`);

  await sleep(1000);
  log(`open loop: ${P.rate} scans/s for ${P.openSeconds} s`);
  const cpuBeforeOpen = await cpuSnapshot();
  const open = await openLoop(`${P.rate}/s, open loop`, target, P.rate, P.openSeconds, rss);
  open.cpu = cpuPerScan(cpuBeforeOpen, await cpuSnapshot(), open.sent);
  log(`  ${(open.ok / open.seconds).toFixed(1)} scans/s, p50 ${ms(open.latency.p50)}, p99 ${ms(open.latency.p99)}, errors ${open.errors}`);

  // A server that could not keep up still works through its backlog: let it finish before the
  // entry queries are measured (at most 60 s).
  // Quiet = no busy backend of the bench database and the server under 10 % of a CPU, twice.
  const drainStart = Date.now();
  let quiet = 0;
  let serverCpu = processCpuMs(child.pid!) ?? 0;
  while (Date.now() - drainStart < 60_000 && quiet < 2) {
    await sleep(500);
    const r = embedded ? { rows: [{ n: 0 }] } : await db.knex.raw("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'");
    const cpuNow = processCpuMs(child.pid!) ?? serverCpu;
    quiet = (r.rows[0] as { n: number }).n === 0 && cpuNow - serverCpu < 50 ? quiet + 1 : 0;
    serverCpu = cpuNow;
  }
  if (Date.now() - drainStart > 1500) log(`  the server worked through its backlog for ${((Date.now() - drainStart) / 1000).toFixed(1)} s`);

  // 4. entry queries
  log(`entry queries: ${P.queries} by person, ${P.queries} by room and day (sequential, after 10 uncounted of each)`);
  const dayMs = 86_400_000;
  const todayTokyo = Math.floor((Date.now() + 9 * 3600_000) / dayMs) * dayMs - 9 * 3600_000;
  const cpuBeforeQueries = await cpuSnapshot();
  const byPerson = await timedGets('by person, limit 50', port, token, P.queries, () => {
    const p = seeded.people[Math.floor(Math.random() * seeded.people.length)]!;
    return `/api/entries?personId=${p.id}&limit=50`;
  });
  const byRoomDay = await timedGets('by room, 1-day window, limit 50', port, token, P.queries, () => {
    const room = seeded.rooms[Math.floor(Math.random() * seeded.rooms.length)]!;
    const from = new Date(todayTokyo - (1 + Math.floor(Math.random() * 364)) * dayMs);
    const to = new Date(from.getTime() + dayMs);
    return `/api/entries?roomId=${room}&from=${encodeURIComponent(rfc3339Tokyo(from))}&to=${encodeURIComponent(rfc3339Tokyo(to))}&limit=50`;
  });
  const queryCpu = cpuPerScan(cpuBeforeQueries, await cpuSnapshot(), byPerson.latency.count + byRoomDay.latency.count + 20); // warm-ups included
  for (const q of [byPerson, byRoomDay]) log(`  ${q.name}: p50 ${ms(q.latency.p50)}, p95 ${ms(q.latency.p95)}, ${q.avgItems.toFixed(1)} items/answer, errors ${q.errors}`);

  // The compliance view (issue 18: within 500 ms on this site), as an auditor sees it.
  const auditorLogin = await httpRequest(probe, port, 'POST', '/api/auth/login', { body: { username: seeded.auditor.username, password: seeded.auditor.password } });
  if (auditorLogin.status !== 200) throw new Error(`auditor sign-in failed: ${auditorLogin.status} ${auditorLogin.body}`);
  const compliance = await timedGets('GET /api/compliance', port, (JSON.parse(auditorLogin.body) as { token: string }).token, COMPLIANCE_REQUESTS, () => '/api/compliance');
  log(`  compliance view: p50 ${ms(compliance.latency.p50)}, p95 ${ms(compliance.latency.p95)}, errors ${compliance.errors}`);

  const mem = readMemory(child.pid!);
  rss.stop();
  if (embedded) {
    await server.stop();
    db = await openDb();
    state.handles.add(db);
  }
  // Is the journal still one intact chain after the load? (information only)
  const verifyStart = Date.now();
  const verify = await verifyJournal(db.knex, ctx.secrets.signing).catch((err: Error) => ({ ok: false as const, message: err.message }));
  const journalNote = verify.ok ? `intact, ${verify.entries} entries` : `NOT intact: ${JSON.stringify(verify).slice(0, 200)}`;
  log(`journal verify: ${journalNote} (${((Date.now() - verifyStart) / 1000).toFixed(1)} s)`);

  const peakKb = Math.max(rss.peakKb, 0);
  const hwmKb = mem?.hwmKb ?? NaN;
  log(`server RSS: peak sampled ${mb(peakKb)} (${rss.samples} samples), VmHWM ${mb(hwmKb)}, now ${mb(mem?.rssKb ?? NaN)}`);
  const counts = (await db.knex.raw('SELECT (SELECT count(*) FROM entries) AS entries, (SELECT count(*) FROM journal_entries) AS journal, (SELECT count(*) FROM access_log) AS access_log')).rows[0] as Record<string, string>;
  await server.stop();
  log(`server stopped; rows now: entries ${counts.entries}, journal ${counts.journal}, access_log ${counts.access_log}`);
  await db.close();
  state.handles.delete(db);

  // 5. pgbench
  let pgb: { tps: number; latencyMs: number } | null = null;
  if (!opt['no-pgbench'] && !embedded) {
    try {
      pgb = await runPgbench();
      log(`  pgbench: ${pgb.tps.toFixed(1)} tps, latency average ${pgb.latencyMs.toFixed(2)} ms`);
    } catch (err) {
      log(`pgbench failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  // 6. figures and targets
  const closedRate = closed.ok / closed.seconds;
  const openRate = open.ok / open.seconds;
  const ratio = pgb ? closedRate / pgb.tps : NaN;
  const verdict = (ok: boolean, measured: boolean) => (!measured ? 'n/a' : ok ? 'PASS' : 'MISS');
  console.log('');
  console.log(`Seeding: ${seedSeconds.toFixed(1)} s (${P.people} people, ${P.rooms} rooms, ${P.entries.toLocaleString('en')} entries)`);
  console.log('');
  console.log('Scans (POST /api/scans, over HTTP, guard token):');
  console.log(
    table(
      ['phase', 'scans', 'scans/s', 'p50', 'p95', 'p99', 'max', 'errors', 'granted/denied', 'RSS peak', 'CPU/scan server+PG', 'client CPU/scan'],
      [closed, open].map((r) => [
        r.name,
        String(r.ok),
        (r.ok / r.seconds).toFixed(1),
        ms(r.latency.p50),
        ms(r.latency.p95),
        ms(r.latency.p99),
        ms(r.latency.max),
        String(r.errors),
        `${r.granted}/${r.denied}`,
        mb(r.rssPeakKb),
        r.cpu ? `${r.cpu.server.toFixed(2)} + ${Number.isFinite(r.cpu.pg) ? r.cpu.pg.toFixed(2) : 'n/a'} ms` : 'n/a',
        r.cpu ? `${r.cpu.client.toFixed(2)} ms` : 'n/a',
      ]),
    ),
  );
  for (const r of [closed, open]) for (const s of r.errorSamples) console.log(`  error sample (${r.name}): ${s}`);
  console.log(`  database transactions per scan in the closed loop (read-only ones included): ${((commitsAfter - commitsBefore) / Math.max(1, closed.ok)).toFixed(2)}`);
  console.log('');
  console.log(`Entry queries (GET /api/entries, ${P.queries} each, sequential; CPU per request ${queryCpu.server.toFixed(2)} ms server + ${Number.isFinite(queryCpu.pg) ? queryCpu.pg.toFixed(2) : 'n/a'} ms PostgreSQL):`);
  console.log(
    table(
      ['query', 'p50', 'p95', 'p99', 'max', 'items/answer', 'errors'],
      [byPerson, byRoomDay].map((q) => [q.name, ms(q.latency.p50), ms(q.latency.p95), ms(q.latency.p99), ms(q.latency.max), q.avgItems.toFixed(1), String(q.errors)]),
    ),
  );
  console.log('');
  console.log(`pgbench TPC-B (scale 10, -c 8 -j 2 -T ${P.pgbenchSeconds}): ${pgb ? `${pgb.tps.toFixed(1)} tps, latency average ${pgb.latencyMs.toFixed(2)} ms` : 'not run'}`);
  console.log(`Ratio scans/s (closed loop) ÷ pgbench tps: ${pgb ? `${closedRate.toFixed(1)} ÷ ${pgb.tps.toFixed(1)} = ${ratio.toFixed(2)}` : 'n/a'}`);
  console.log(`Server memory: idle ${mb(idleKb)}, peak RSS ${mb(peakKb)} (sampled every 200 ms), VmHWM ${mb(hwmKb)}${embedded ? ' — the embedded database included' : ''}`);
  console.log(`Load average (1/5/15 min) at start ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} CPUs)`);
  console.log('');
  const queryP95 = Math.max(byPerson.latency.p95, byRoomDay.latency.p95);
  const loadKb = Math.max(peakKb, Number.isFinite(hwmKb) ? hwmKb : 0);
  if (embedded) {
    console.log(
      table(
        ['target (embedded database)', 'goal', 'measured', 'result'],
        [
          ['server RSS idle', `≤ ${EMBEDDED_TARGETS.idleRssMb} MB`, mb(idleKb), verdict(idleKb / 1024 <= EMBEDDED_TARGETS.idleRssMb, true)],
          ['server RSS under load', `≤ ${EMBEDDED_TARGETS.loadRssMb} MB`, `${mb(loadKb)} (peak, VmHWM)`, verdict(loadKb / 1024 <= EMBEDDED_TARGETS.loadRssMb, true)],
          [`scans/s, ${P.clients} clients`, `≥ ${EMBEDDED_TARGETS.closedRate}`, `${closedRate.toFixed(1)} (p99 ${ms(closed.latency.p99)})`, verdict(closedRate >= EMBEDDED_TARGETS.closedRate && closed.errors === 0, true)],
          [`p99 at ${P.rate} scans/s`, 'information', `${ms(open.latency.p99)} (${openRate.toFixed(1)}/s achieved, ${open.errors} errors)`, 'n/a'],
          ['entry queries p95', `≤ ${TARGETS.queryP95Ms} ms`, `${ms(byPerson.latency.p95)} by person, ${ms(byRoomDay.latency.p95)} by room/day`, verdict(queryP95 <= TARGETS.queryP95Ms && byPerson.errors + byRoomDay.errors === 0, true)],
          ['compliance view p95', 'information', `${ms(compliance.latency.p95)} (p50 ${ms(compliance.latency.p50)})`, 'n/a'],
        ],
      ),
    );
    console.log('');
    return;
  }
  console.log(
    table(
      ['target', 'goal', 'measured', 'result'],
      [
        ['scans/s ÷ pgbench tps', `≥ ${TARGETS.ratio}`, pgb ? ratio.toFixed(2) : 'n/a', verdict(ratio >= TARGETS.ratio, Boolean(pgb))],
        [`p99 at ${P.rate} scans/s`, `≤ ${TARGETS.openP99Ms} ms`, `${ms(open.latency.p99)} (${openRate.toFixed(1)}/s achieved, ${open.errors} errors)`, verdict(open.latency.p99 <= TARGETS.openP99Ms && open.errors === 0, true)],
        ['entry queries p95', `≤ ${TARGETS.queryP95Ms} ms`, `${ms(byPerson.latency.p95)} by person, ${ms(byRoomDay.latency.p95)} by room/day`, verdict(queryP95 <= TARGETS.queryP95Ms && byPerson.errors + byRoomDay.errors === 0, true)],
        ['compliance view p95', `≤ ${TARGETS.complianceMs} ms`, `${ms(compliance.latency.p95)} (p50 ${ms(compliance.latency.p50)}, ${COMPLIANCE_REQUESTS} requests)`, verdict(compliance.latency.p95 <= TARGETS.complianceMs && compliance.errors === 0, true)],
        ['server RSS', `≤ ${TARGETS.rssMb} MB`, `${mb(Math.max(peakKb, Number.isFinite(hwmKb) ? hwmKb : 0))} (peak, VmHWM)`, verdict(Math.max(peakKb, Number.isFinite(hwmKb) ? hwmKb : 0) / 1024 <= TARGETS.rssMb, true)],
      ],
    ),
  );
  console.log('');
}

await runBenchmark(main, cleanUp, log);
