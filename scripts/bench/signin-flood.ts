// `npm run bench:signin-flood`: does a flood of bad sign-ins take the front desk down?
// (security review, finding 5: 120 concurrent unauthenticated sign-ins made a real sign-in take
// 16 s, and static files too, because scrypt occupied Node's small worker pool.)
//
//   1. a fresh PostgreSQL database with 200 people with badges on a room's access list and a
//      guard account (the door benchmark's seed, without past entries);
//   2. the server as a child process (`node scripts/tachiai.mjs serve`, production settings:
//      scrypt N = 2^15, the default per-address sign-in limit);
//   3. a quiet phase, then the flood phase, each measuring at once:
//        - a guard scanning at 50 scans/s (open loop, latency from the scheduled send time),
//        - a real user signing in from 127.0.0.1 every 2.5 s (their password is right),
//        - GET of a static file every 0.5 s;
//      during the flood, 100 clients sign in with wrong passwords as fast as they are answered,
//      each from its own source address (127.0.0.2 and up: all of 127/8 is loopback on Linux);
//   4. prints the figures with the targets: scan p99 ≤ 100 ms, the real sign-in ≤ 2 s.
//
// Admin connection: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres. Options: --help.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../../server/config.js';
import { createContext, type AppContext } from '../../server/context.js';
import { createDatabase, type Database } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadSecrets } from '../../server/secrets.js';
import { seedDoor } from './seed.js';
import { adminQuery, freePort, LeanHttpPool, ms, sleep, stats, table, type Stats, throwawaySecretsEnv } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const USAGE = `Usage: npm run bench:signin-flood -- [options]

  --flooders N        concurrent bad sign-ins, each from its own address 127.0.0.(2+i) (100)
  --quiet-seconds S   the phase without a flood (10)
  --flood-seconds S   the phase with the flood (30)
  --scan-rate R       the guard's scans per second (50)
  --keep              keep the bench database

Environment: DATABASE_URL (admin connection; default postgres://postgres@127.0.0.1:5432/postgres).`;

const { values: opt } = parseArgs({
  options: {
    flooders: { type: 'string', default: '100' },
    'quiet-seconds': { type: 'string', default: '10' },
    'flood-seconds': { type: 'string', default: '30' },
    'scan-rate': { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
const P = { flooders: Number(opt.flooders), quietSeconds: Number(opt['quiet-seconds']), floodSeconds: Number(opt['flood-seconds']), scanRate: Number(opt['scan-rate']) };
for (const [k, v] of Object.entries(P)) {
  if (!Number.isInteger(v) || v < 1 || v > 250) {
    console.error(`--${k} must be an integer in 1..250\n\n${USAGE}`);
    process.exit(2);
  }
}
const TARGETS = { scanP99Ms: 100, signinMaxMs: 2000 };

const t0 = Date.now();
const log = (msg: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `tachiai_flood_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${crypto.randomBytes(2).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-flood-'));
let child: ChildProcess | null = null;
let db: Database | null = null;

async function cleanUp() {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 2000));
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  await db?.close().catch(() => undefined);
  if (!opt.keep) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  else log(`kept ${dbUrl}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** One request from a given source address, timed; resolves with the status (0 on a network error). */
function timedRequest(agent: http.Agent, port: number, method: string, urlPath: string, body?: unknown, token?: string): Promise<{ status: number; ms: number; body: string }> {
  const start = performance.now();
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, agent, headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, ms: performance.now() - start, body: '' }));
      },
    );
    req.setTimeout(30_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, ms: performance.now() - start, body: '' }));
    req.end(payload);
  });
}

interface PhaseFigures {
  name: string;
  scans: { sent: number; errors: number; latency: Stats };
  signins: { count: number; failed: number; latency: Stats; max: number };
  statics: { count: number; latency: Stats; max: number };
  flood: { sent: number; byStatus: Record<string, number> };
}

async function phase(name: string, seconds: number, port: number, guardToken: string, realUser: { username: string; password: string }, people: Array<{ token: string; roomId: string }>, flooders: number): Promise<PhaseFigures> {
  const end = performance.now() + seconds * 1000;
  const local = new http.Agent({ keepAlive: true, maxSockets: 4, localAddress: '127.0.0.1' } as http.AgentOptions);
  // Scans: an open loop at the set rate, latency from the scheduled time.
  const pool = new LeanHttpPool(port, 64);
  const scanLatencies: number[] = [];
  let scanErrors = 0;
  let scansSent = 0;
  const head = `Authorization: Bearer ${guardToken}\r\nContent-Type: application/json\r\nAccept: application/json\r\n`;
  const scanning = (async () => {
    const start = performance.now();
    const interval = 1000 / P.scanRate;
    const inflight: Array<Promise<void>> = [];
    while (performance.now() < end) {
      const scheduled = start + scansSent * interval;
      const wait = scheduled - performance.now();
      if (wait > 0) await sleep(wait);
      const person = people[scansSent % people.length]!;
      scansSent++;
      inflight.push(
        pool.request('POST', '/api/scans', head, JSON.stringify({ roomId: person.roomId, badge: person.token }), 30_000).then(
          (res) => {
            scanLatencies.push(performance.now() - scheduled);
            if (res.status !== 201) scanErrors++;
          },
          () => {
            scanLatencies.push(performance.now() - scheduled);
            scanErrors++;
          },
        ),
      );
    }
    await Promise.all(inflight);
  })();
  // The real user signing in every 2.5 s, from 127.0.0.1.
  const signins: number[] = [];
  let signinFailed = 0;
  const signingIn = (async () => {
    while (performance.now() < end) {
      const res = await timedRequest(local, port, 'POST', '/api/auth/login', realUser);
      signins.push(res.ms);
      if (res.status !== 200) signinFailed++;
      else await timedRequest(local, port, 'POST', '/api/auth/logout', undefined, (JSON.parse(res.body) as { token: string }).token);
      await sleep(Math.max(0, 2500 - res.ms));
    }
  })();
  // A static file every 0.5 s.
  const statics: number[] = [];
  const fetching = (async () => {
    while (performance.now() < end) {
      statics.push((await timedRequest(local, port, 'GET', '/assets/app.js')).ms);
      await sleep(500);
    }
  })();
  // The flood: each client from its own address, as fast as it is answered.
  const byStatus: Record<string, number> = {};
  let floodSent = 0;
  const flooding = Promise.all(
    Array.from({ length: flooders }, async (_, i) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: `127.0.0.${2 + i}` } as http.AgentOptions);
      while (performance.now() < end) {
        floodSent++;
        const res = await timedRequest(agent, port, 'POST', '/api/auth/login', { username: `attacker${crypto.randomInt(1e9)}`, password: crypto.randomBytes(9).toString('base64') });
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      }
      agent.destroy();
    }),
  );
  await Promise.all([scanning, signingIn, fetching, flooding]);
  pool.destroy();
  local.destroy();
  return {
    name,
    scans: { sent: scansSent, errors: scanErrors, latency: stats(scanLatencies) },
    signins: { count: signins.length, failed: signinFailed, latency: stats(signins), max: Math.max(...signins) },
    statics: { count: statics.length, latency: stats(statics), max: Math.max(...statics) },
    flood: { sent: floodSent, byStatus },
  };
}

async function main() {
  log(`Tachiai sign-in flood benchmark — ${os.cpus().length} CPU(s), Node ${process.version}`);
  const secretsEnv = throwawaySecretsEnv();
  await adminQuery(adminUrl, `CREATE DATABASE ${dbName}`);
  const config = loadConfig({ DATABASE_URL: dbUrl, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...secretsEnv });
  db = await createDatabase({ databaseUrl: dbUrl, poolMax: 2 });
  const ctx: AppContext = createContext({ config, db, secrets: loadSecrets(config, { persist: false }), logger: pino({ level: 'silent' }) });
  await migrateToLatest(db.knex);
  const seeded = await seedDoor(ctx, { people: 200, rooms: 1, entries: 0 }, log);
  log(`seeded 200 people with badges and a guard (scrypt N = ${config.scryptCost})`);

  const port = await freePort();
  child = spawn(process.execPath, ['--max-semi-space-size=4', '--heap-growing-percent=50', path.join(ROOT, 'scripts/tachiai.mjs'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...secretsEnv, DATABASE_URL: dbUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: dataDir, PUBLIC_URL: `http://127.0.0.1:${port}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (c: Buffer) => {
    for (const line of c.toString().split('\n').filter(Boolean).slice(0, 3)) log(`  [server] ${line.slice(0, 200)}`);
  });
  const probe = new http.Agent({ keepAlive: false, localAddress: '127.0.0.1' } as http.AgentOptions);
  for (let i = 0; ; i++) {
    if ((await timedRequest(probe, port, 'GET', '/api/health')).status === 200) break;
    if (i > 300) throw new Error('the server did not start');
    await sleep(200);
  }
  log(`server on 127.0.0.1:${port}`);
  const login = await timedRequest(probe, port, 'POST', '/api/auth/login', { username: seeded.guard.username, password: seeded.guard.password });
  if (login.status !== 200) throw new Error(`guard sign-in failed: ${login.status} ${login.body}`);
  const guardToken = (JSON.parse(login.body) as { token: string }).token;
  const realUser = { username: seeded.guard.username, password: seeded.guard.password };
  // Keep the guard's session from idling out during the run: the scans themselves touch it.

  log(`quiet phase: ${P.scanRate} scans/s, a sign-in every 2.5 s, a static file every 0.5 s, for ${P.quietSeconds} s`);
  const quiet = await phase('quiet', P.quietSeconds, port, guardToken, realUser, seeded.people, 0);
  log(`flood phase: the same, with ${P.flooders} clients signing in with wrong passwords from 127.0.0.2–127.0.0.${1 + P.flooders}, for ${P.floodSeconds} s`);
  const flood = await phase('flood', P.floodSeconds, port, guardToken, realUser, seeded.people, P.flooders);

  const row = (f: PhaseFigures) => [
    f.name,
    `${f.scans.sent} (${f.scans.errors} err)`,
    ms(f.scans.latency.p50),
    ms(f.scans.latency.p99),
    `${f.signins.count} (${f.signins.failed} failed)`,
    ms(f.signins.latency.p50),
    ms(f.signins.max),
    ms(f.statics.latency.p50),
    ms(f.statics.max),
    f.flood.sent ? `${f.flood.sent}: ${Object.entries(f.flood.byStatus).map(([k, v]) => `${k}×${v}`).join(' ')}` : '—',
  ];
  console.log('');
  console.log(table(['phase', 'scans', 'scan p50', 'scan p99', 'real sign-ins', 'sign-in p50', 'sign-in max', 'static p50', 'static max', 'flood requests by status'], [row(quiet), row(flood)]));
  console.log('');
  const scanOk = flood.scans.latency.p99 <= TARGETS.scanP99Ms && flood.scans.errors === 0;
  const signinOk = flood.signins.max <= TARGETS.signinMaxMs && flood.signins.failed === 0;
  console.log(`scan p99 during the flood ≤ ${TARGETS.scanP99Ms} ms (no errors): ${ms(flood.scans.latency.p99)} — ${scanOk ? 'PASS' : 'FAIL'}`);
  console.log(`real sign-in during the flood ≤ ${TARGETS.signinMaxMs} ms (every one): max ${ms(flood.signins.max)} — ${signinOk ? 'PASS' : 'FAIL'}`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => cleanUp());
