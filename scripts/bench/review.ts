// `npm run bench:review`: the weekly access review (issue 16) on a year of records, against a real
// PostgreSQL.
//
//   1. creates a fresh database tachiai_bench_review_<ts> (dropped at the end, also on Ctrl-C,
//      unless --keep), migrates it and seeds a site that has run for a year (./review-seed.ts):
//      1,000 people, 2,000,000 entries (200,000 in the reviewed week, the last complete ISO week
//      on the site's clock), 3,000,000 access-log rows over 90 days (300,000 in the week), the
//      journal as a valid hash chain (a door.scan entry per entry, sign-ins, changes), and planted
//      anomalies of every kind the review looks for; indexes rebuilt, VACUUM ANALYZE, CHECKPOINT;
//   2. starts the server as a child process (`node scripts/tachiai.mjs serve`) and samples its
//      RSS (/proc/<pid>/status) every 200 ms;
//   3. signs in as the responsible person and asks GET /api/reviews/findings?week=… several
//      times (the first is the server's first: cold), printing each time, the JSON's size, the
//      findings by kind and the RSS peak while it ran;
//   4. times each statement of the computation in this process (the same read models, in the
//      same kind of transaction), and with --explain prints EXPLAIN (ANALYZE, BUFFERS) of the slow ones;
//   5. opens the review screen in Chromium (playwright-core, /usr/bin/chromium): signs in, clicks
//      the tab #tab-reviews and times the click until [data-testid="review-counts"] has
//      data-state="ready"; skipped, saying so, when the page has no such tab;
//   6. prints a summary with the targets (findings ≤ 2 s, server RSS < 250 MB, counts on screen
//      ≤ 3 s). Exit 0 whatever the figures; non-zero only when the run itself failed.
//
// Admin connection: DATABASE_URL if set, otherwise postgres://postgres@127.0.0.1:5432/postgres.
// Only loopback traffic. Options: --help.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../server/config.js';
import { createContext, type AppContext } from '../../server/context.js';
import { createDatabase, type Database } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadSecrets } from '../../server/secrets.js';
import { verifyJournal } from '../../server/journal/verify.js';
import * as facts from '../../server/reviews/facts.read-model.js';
import { periodDigest } from '../../server/reviews/digest.read-model.js';
import { allFindings } from '../../server/reviews/rules.js';
import { reviewSettings } from '../../server/reviews/service.js';
import { seedReview, type ReviewSeeded } from './review-seed.js';
import { freePort, httpRequest, mb, ms, processCpuMs, readMemory, RssSampler, sleep, stats, table, cleanUpOnSignals, runBenchmark, throwawaySecretsEnv } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const USAGE = `Usage: npm run bench:review -- [options]

  --keep                 keep the bench database (and print its URL) instead of dropping it
  --seed-only            seed the bench database, keep it and stop (for EXPLAIN and the like)
  --people N             people (1000)
  --accounts N           of them with accounts (150): the reviewer, responsible, admins, authorised,
                         guards, auditors, staff
  --rooms N              rooms: N-2 processing rooms, a machine room, a media store (6)
  --entries N            entries over the last year, the reviewed week's included (2000000)
  --week-entries N       entries in the reviewed week (200000)
  --access-log N         access-log rows over the last 90 days, the week's included (3000000)
  --week-access-log N    access-log rows in the reviewed week (300000)
  --denied-share X       share of scans denied, scattered (0.01)
  --no-scan-journal      no door.scan journal entry per entry (a faster seed, a smaller journal
                         than a real site's)
  --runs N               GET /api/reviews/findings requests, the first one cold (5)
  --screen-runs N        openings of the review screen in Chromium (3); --no-screen to skip
  --no-breakdown         skip the per-statement timings (step 4)
  --explain              print EXPLAIN (ANALYZE, BUFFERS) of the statements slower than --explain-ms (200)
  --verify-journal       verify the seeded journal's hash chain before the server starts
  --reuse NAME           measure on a bench database seeded before (--keep or --seed-only): no
                         seeding; pending migrations are applied to it first; it is kept
  --work-mem SIZE        also time the statements with SET LOCAL work_mem = SIZE (e.g. 32MB)

Small sizes for a quick look: --people 200 --accounts 100 --entries 200000 --week-entries 20000
--access-log 300000 --week-access-log 30000

Environment: DATABASE_URL (admin connection; default postgres://postgres@127.0.0.1:5432/postgres),
CHROMIUM_PATH (default /usr/bin/chromium), BENCH_NODE_ARGS (V8 flags for the server; default those
of npm start), BENCH_SERVER_LOG=FILE (all of the server's output).`;

const { values: opt } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    'seed-only': { type: 'boolean', default: false },
    people: { type: 'string', default: '1000' },
    accounts: { type: 'string', default: '150' },
    rooms: { type: 'string', default: '6' },
    entries: { type: 'string', default: '2000000' },
    'week-entries': { type: 'string', default: '200000' },
    'access-log': { type: 'string', default: '3000000' },
    'week-access-log': { type: 'string', default: '300000' },
    'denied-share': { type: 'string', default: '0.01' },
    'no-scan-journal': { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
    'screen-runs': { type: 'string', default: '3' },
    'no-screen': { type: 'boolean', default: false },
    'no-breakdown': { type: 'boolean', default: false },
    explain: { type: 'boolean', default: false },
    'explain-ms': { type: 'string', default: '200' },
    'verify-journal': { type: 'boolean', default: false },
    reuse: { type: 'string' },
    'work-mem': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}
function intOpt(name: keyof typeof opt, min: number, max: number): number {
  const v = Number(opt[name]);
  if (!Number.isInteger(v) || v < min || v > max) usageError(`--${name} must be an integer in ${min}..${max}`);
  return v;
}
if (opt['work-mem'] !== undefined && !/^\d+(kB|MB|GB)$/.test(opt['work-mem'])) usageError('--work-mem is a size such as 32MB');
const P = {
  people: intOpt('people', 160, 100_000),
  accounts: intOpt('accounts', 100, 5_000),
  rooms: intOpt('rooms', 3, 50),
  entries: intOpt('entries', 1_000, 50_000_000),
  weekEntries: intOpt('week-entries', 500, 5_000_000),
  accessLog: intOpt('access-log', 1_000, 50_000_000),
  weekAccessLog: intOpt('week-access-log', 500, 5_000_000),
  runs: intOpt('runs', 1, 100),
  screenRuns: intOpt('screen-runs', 1, 20),
  explainMs: intOpt('explain-ms', 0, 600_000),
  deniedShare: Number(opt['denied-share']),
};
if (!(P.deniedShare >= 0 && P.deniedShare <= 0.5)) usageError('--denied-share must be a number in 0..0.5');
if (P.people < P.accounts + 60) usageError('--people must be at least --accounts + 60 (visitors and the 40 people of the planted anomalies)');
if (P.weekEntries > P.entries) usageError('--week-entries cannot exceed --entries');
if (P.weekAccessLog > P.accessLog) usageError('--week-access-log cannot exceed --access-log');

const TARGETS = { findingsMs: 2000, rssMb: 250, screenMs: 3000 };

// ---------------------------------------------------------------- progress and clean-up
const t0 = Date.now();
function log(msg: string) {
  process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14) + '_' + crypto.randomBytes(2).toString('hex');
const benchDbName = `tachiai_bench_review_${stamp}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-bench-review-'));

const state = {
  child: null as ChildProcess | null,
  childExited: null as Promise<void> | null,
  databases: new Set<string>(),
  handles: new Set<Database>(),
  closers: new Set<() => Promise<unknown>>(),
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

async function stopChild(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  const child = state.child;
  if (!child || !state.childExited || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await Promise.race([state.childExited, new Promise<void>((resolve) => setTimeout(resolve, graceMs + 5000).unref())]);
  clearTimeout(timer);
}

function cleanUp(): Promise<void> {
  state.cleaning ??= (async () => {
    for (const close of state.closers) await close().catch(() => undefined);
    await stopChild().catch(() => undefined);
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

async function checkpoint(when: string): Promise<void> {
  const started = Date.now();
  try {
    await adminQuery('CHECKPOINT');
    log(`  CHECKPOINT ${when}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    log(`  CHECKPOINT ${when} not allowed (${(err as Error).message}); figures may include a checkpoint's writes`);
  }
}

// ---------------------------------------------------------------- 3. the findings over HTTP
interface FindingsRun {
  run: number;
  ms: number;
  status: number;
  bytes: number;
  findings: number;
  byKind: Record<string, number>;
  counts: Record<string, number> | null;
  rssPeakKb: number;
  serverCpuMs: number;
  error: string | null;
}

async function findingsRuns(port: number, token: string, week: string, runs: number, rss: RssSampler, pid: number): Promise<FindingsRun[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const out: FindingsRun[] = [];
  try {
    for (let i = 1; i <= runs; i += 1) {
      rss.phase();
      const cpu0 = processCpuMs(pid) ?? NaN;
      const s = performance.now();
      let r: FindingsRun;
      try {
        const res = await httpRequest(agent, port, 'GET', `/api/reviews/findings?week=${week}`, { token, timeoutMs: 300_000 });
        const elapsed = performance.now() - s;
        r = { run: i, ms: elapsed, status: res.status, bytes: Buffer.byteLength(res.body), findings: 0, byKind: {}, counts: null, rssPeakKb: 0, serverCpuMs: 0, error: null };
        if (res.status === 200) {
          const body = JSON.parse(res.body) as { findings: Array<{ kind: string }>; counts: Record<string, number> };
          r.findings = body.findings.length;
          for (const f of body.findings) r.byKind[f.kind] = (r.byKind[f.kind] ?? 0) + 1;
          r.counts = body.counts;
        } else {
          r.error = `${res.status} ${res.body.slice(0, 300)}`;
        }
      } catch (err) {
        r = { run: i, ms: performance.now() - s, status: 0, bytes: 0, findings: 0, byKind: {}, counts: null, rssPeakKb: 0, serverCpuMs: 0, error: (err as Error).message };
      }
      r.rssPeakKb = rss.phase();
      r.serverCpuMs = (processCpuMs(pid) ?? NaN) - cpu0;
      out.push(r);
      log(`  run ${i}${i === 1 ? ' (cold)' : ''}: ${r.status} in ${ms(r.ms)}, ${(r.bytes / 1024).toFixed(0)} KiB, ${r.findings} findings, server CPU ${r.serverCpuMs.toFixed(0)} ms, RSS peak ${mb(r.rssPeakKb)}${r.error ? ` — ${r.error}` : ''}`);
      await sleep(500);
    }
  } finally {
    agent.destroy();
  }
  return out;
}

// ---------------------------------------------------------------- 4. where the time goes
interface Statement {
  step: string;
  sql: string;
  bindings: unknown[];
  ms: number;
  rows: number;
}

/**
 * Runs the computation's read models one by one in this process, as computeReview does (one
 * REPEATABLE READ, READ ONLY transaction), timing each statement; then the rules over their facts.
 */
async function breakdown(ctx: AppContext, from: Date, to: Date, workMem?: string): Promise<{ statements: Statement[]; rulesMs: number; findings: number; totalMs: number }> {
  const knex = ctx.db.knex;
  const statements: Statement[] = [];
  let step = '';
  const pending = new Map<string, { sql: string; bindings: unknown[]; started: number }>();
  const onQuery = (q: { __knexQueryUid?: string; sql: string; bindings?: unknown[] }) => {
    if (q.__knexQueryUid) pending.set(q.__knexQueryUid, { sql: q.sql, bindings: q.bindings ?? [], started: performance.now() });
  };
  const onResponse = (response: unknown, q: { __knexQueryUid?: string }) => {
    const p = q.__knexQueryUid ? pending.get(q.__knexQueryUid) : undefined;
    if (!p) return;
    pending.delete(q.__knexQueryUid!);
    const rows = (response as { rows?: unknown[] } | undefined)?.rows?.length ?? (Array.isArray(response) ? response.length : 0);
    statements.push({ step, sql: p.sql, bindings: p.bindings, ms: performance.now() - p.started, rows });
  };
  knex.on('query', onQuery);
  knex.on('query-response', onResponse);
  const started = performance.now();
  let rulesMs = 0;
  let findings = 0;
  try {
    await knex.transaction(async (trx) => {
      await trx.raw('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      if (workMem) await trx.raw(`SET LOCAL work_mem = '${workMem}'`);
      const tz = ctx.config.displayTimeZone;
      const settings = reviewSettings(ctx);
      const now = ((await trx.raw('SELECT now() AS now')).rows[0] as { now: Date }).now;
      const end = new Date(Math.min(to.getTime(), now.getTime()));
      const args = { from, to, end, timeZone: tz, settings };
      const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
        step = name;
        return fn();
      };
      const f = {
        denied: await timed('deniedScans', () => facts.deniedScans(trx, args)),
        ...(await timed('stayFacts', () => facts.stayFacts(trx, args))),
        hops: await timed('badgeHops', () => facts.badgeHops(trx, args)),
        flagged: await timed('flaggedExits', () => facts.flaggedExits(trx, args)),
        signins: await timed('signinAttempts', () => facts.signinAttempts(trx, args)),
        newAddresses: await timed('newAddressSignins', () => facts.newAddressSignins(trx, args)),
        addressHops: await timed('addressHops', () => facts.addressHops(trx, args)),
        forbidden: await timed('forbiddenRequests', () => facts.forbiddenRequests(trx, args)),
        mediaReads: await timed('mediaReadsByOthers', () => facts.mediaReadsByOthers(trx, args)),
        leftUse: await timed('useAfterLeaving', () => facts.useAfterLeaving(trx, args)),
        adminChanges: await timed('adminChanges', () => facts.adminChanges(trx, args)),
        mediaIssues: await timed('mediaIssues', () => facts.mediaIssues(trx, args)),
      };
      await timed('periodDigest', () => periodDigest(trx, from, to, tz));
      await timed('rareCounts', () => facts.rareCounts(trx, args));
      step = '';
      const r0 = performance.now();
      findings = allFindings({ ...f, end, timeZone: tz, settings }).length;
      rulesMs = performance.now() - r0;
    });
  } finally {
    knex.removeListener('query', onQuery);
    knex.removeListener('query-response', onResponse);
  }
  return { statements: statements.filter((s) => s.step !== ''), rulesMs, findings, totalMs: performance.now() - started };
}

/** A statement's name in the tables: its read model's, with the digest's table or the media issue's kind. */
function statementLabel(s: Statement): string {
  if (s.step === 'periodDigest') return `periodDigest ${/FROM (\w+) WHERE/.exec(s.sql)?.[1] ?? '(the days)'}`;
  if (s.step === 'mediaIssues') return `mediaIssues ${/SELECT '(\w+)' AS kind/.exec(s.sql)?.[1] ?? ''}`;
  return s.step;
}

async function explain(url: string, statements: Statement[], minMs: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const s of statements.filter((x) => x.ms >= minMs).sort((a, b) => b.ms - a.ms)) {
      console.log('');
      console.log(`EXPLAIN (ANALYZE, BUFFERS) — ${statementLabel(s)}, ${ms(s.ms)} in the breakdown:`);
      console.log(s.sql.replace(/\s+/g, ' ').slice(0, 400) + (s.sql.length > 400 ? ' …' : ''));
      const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.bindings as unknown[]);
      const lines = (rows as Array<{ 'QUERY PLAN': string }>).map((r) => r['QUERY PLAN']);
      for (const line of lines.slice(0, 80)) console.log(`  ${line}`);
      if (lines.length > 80) console.log(`  … ${lines.length - 80} more lines`);
    }
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------- 5. the screen
interface ScreenRun {
  run: number;
  ms: number;
  /** When the findings' answer arrived, after the click. */
  answerMs: number;
  inPageMs: number;
  week: string | null;
  countsText: string;
  requests: string[];
  error: string | null;
}

interface ScreenResult {
  skipped: string | null;
  runs: ScreenRun[];
  rssPeakKb: number;
  screenshot: string | null;
  /** The tab clicked, by its id. */
  tab: string;
}

/** The review tab: #tab-reviews as first announced; the screen being built names it #tab-review. */
const TAB = '#tab-reviews, #tab-review';

async function screen(port: number, seeded: ReviewSeeded, runs: number, rss: RssSampler): Promise<ScreenResult> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) return { skipped: `no Chromium at ${executablePath} (set CHROMIUM_PATH)`, runs: [], rssPeakKb: 0, screenshot: null, tab: '' };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const closeBrowser = () => browser.close();
  state.closers.add(closeBrowser);
  const out: ScreenResult = { skipped: null, runs: [], rssPeakKb: 0, screenshot: null, tab: '' };
  rss.phase();
  try {
    for (let i = 1; i <= runs; i += 1) {
      const context = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
      try {
        const page = await context.newPage();
        const requests: string[] = [];
        const errors: string[] = [];
        let clickedAt = 0;
        let answerMs = NaN;
        page.on('request', (r) => {
          const u = new URL(r.url());
          if (u.pathname.startsWith('/api/reviews')) requests.push(`${r.method()} ${u.pathname}${u.search}${clickedAt ? ` (+${(performance.now() - clickedAt).toFixed(0)} ms)` : ' (before the click)'}`);
        });
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('response', (r) => {
          if (clickedAt && Number.isNaN(answerMs) && new URL(r.url()).pathname === '/api/reviews/findings') answerMs = performance.now() - clickedAt;
        });
        await page.goto(`http://127.0.0.1:${port}/`);
        await page.waitForSelector('html:not(.i18n-pending)');
        await page.getByTestId('username').fill(seeded.reviewer.username);
        await page.getByTestId('password').fill(seeded.reviewer.password);
        const answer = page.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
        await page.getByTestId('password').press('Enter');
        const login = await answer;
        if (login.status() !== 200) throw new Error(`sign-in answered ${login.status()}: ${(await login.text()).slice(0, 200)}`);
        await page.getByTestId('shell').waitFor({ state: 'visible' });
        const tab = page.locator(TAB).first();
        if ((await tab.count()) === 0) {
          out.skipped = `the page has no review tab (${TAB}): web/assets/review*.js is not there yet`;
          break;
        }
        if (!(await tab.isVisible())) {
          out.skipped = `the review tab (${TAB}) is hidden for the responsible person`;
          break;
        }
        out.tab = `#${await tab.getAttribute('id')}`;
        // Times measured in the page too: from the click event to the mutation that makes the counts
        // ready. A string, not a function: tsx's helpers (__name) do not exist in the page.
        await page.evaluate(`(() => {
          const b = (window.__bench = { click: 0, ready: 0 });
          document.querySelector(${JSON.stringify(TAB)}).addEventListener('click', () => { b.click = performance.now(); }, { capture: true });
          new MutationObserver(() => {
            if (b.click && !b.ready && document.querySelector('[data-testid="review-counts"][data-state="ready"]')) b.ready = performance.now();
          }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'hidden'] });
        })()`);
        clickedAt = performance.now();
        await tab.click();
        let error = await page.waitForSelector('[data-testid="review-counts"][data-state="ready"]', { state: 'visible', timeout: 120_000 }).then(
          () => null as string | null,
          (err: Error) => `the counts were not ready within 120 s (${err.message.split('\n')[0]})`,
        );
        const wall = performance.now() - clickedAt;
        const inPage = Number(await page.evaluate('window.__bench.ready && window.__bench.click ? window.__bench.ready - window.__bench.click : NaN'));
        const countsText = error ? '' : (await page.getByTestId('review-counts').innerText()).replace(/\s+/g, ' ').slice(0, 160);
        const week = requests.map((r) => /week=(\d{4}-W\d{2})/.exec(r)?.[1]).find(Boolean) ?? null;
        if (i === 1) {
          const dir = path.join(ROOT, 'test-artifacts', 'screenshots');
          fs.mkdirSync(dir, { recursive: true });
          out.screenshot = path.join(dir, 'bench-review-screen.png');
          await page.screenshot({ path: out.screenshot }).catch(() => (out.screenshot = null));
        }
        if (errors.length) error = `${error ? `${error}; ` : ''}page errors: ${errors.slice(0, 3).join(' | ')}`;
        out.runs.push({ run: i, ms: wall, answerMs, inPageMs: inPage, week, countsText, requests, error });
        log(`  screen ${i}: counts ready ${ms(wall)} after the click (in the page ${ms(inPage)}; the findings answered at ${ms(answerMs)}), week asked ${week ?? 'none seen'}${error ? ` — ${error}` : ''}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    out.rssPeakKb = rss.phase();
    state.closers.delete(closeBrowser);
    await browser.close();
  }
  return out;
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const pgVersion = ((await adminQuery('SELECT version() AS v')).rows[0] as { v: string }).v;
  log(`Tachiai weekly-review benchmark — ${os.cpus().length} CPU(s), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`);
  log(`${pgVersion}`);
  log(`admin connection ${new URL(adminUrl).host}; bench database ${opt.reuse ?? benchDbName}`);
  const loadBefore = os.loadavg();
  log(`load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}${loadBefore[0]! > os.cpus().length * 0.5 ? ' — the machine is busy: figures will be slower than on a quiet machine' : ''}`);

  // 1. database and seed (or a database seeded before, with --reuse)
  let benchUrl: string;
  let seeded: ReviewSeeded;
  let secretsEnv: Record<string, string>;
  let seedSeconds = NaN;
  let db!: Database;
  let ctx!: AppContext;
  let sizes = { people: P.people, accounts: P.accounts, rooms: P.rooms };
  const open = async (url: string, secrets: Record<string, string>) => {
    // The site's settings (time zone, working hours, review settings) as the server will see them.
    const config = loadConfig({ ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...secrets });
    db = await createDatabase({ databaseUrl: url, poolMax: 2 });
    state.handles.add(db);
    ctx = createContext({ config, db, secrets: loadSecrets(config, { persist: false }), logger: pino({ level: 'silent' }) });
  };
  if (opt.reuse) {
    benchUrl = dbUrl(opt.reuse);
    const c = new pg.Client({ connectionString: benchUrl });
    await c.connect();
    try {
      const info = JSON.parse(((await c.query('SELECT v FROM bench_review_info WHERE k = $1', ['seeded'])).rows[0] as { v: string }).v) as ReviewSeeded & {
        secretsEnv: Record<string, string>;
        sizes: typeof sizes;
      };
      seeded = { ...info, from: new Date(info.from), to: new Date(info.to) };
      secretsEnv = info.secretsEnv;
      sizes = info.sizes;
    } finally {
      await c.end();
    }
    await open(benchUrl, secretsEnv);
    const started = Date.now();
    const applied = await migrateToLatest(db.knex);
    log(`reusing ${opt.reuse} (week ${seeded.week}); ${applied.length ? `applied ${applied.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s` : 'no migration to apply'}`);
  } else {
    // Secrets shared by this process (badge tokens, journal) and the server — all of them, so that
    // a later run with --reuse starts a server the database recognises (its secrets' fingerprint).
    secretsEnv = throwawaySecretsEnv();
    await adminQuery(`CREATE DATABASE ${benchDbName}`);
    state.databases.add(benchDbName);
    benchUrl = dbUrl(benchDbName);
    await open(benchUrl, secretsEnv);
    const seedStart = Date.now();
    log('migrating and seeding');
    await migrateToLatest(db.knex);
    seeded = await seedReview(
      ctx,
      benchUrl,
      {
        people: P.people,
        rooms: P.rooms,
        accounts: P.accounts,
        entries: P.entries,
        weekEntries: P.weekEntries,
        accessLog: P.accessLog,
        weekAccessLog: P.weekAccessLog,
        deniedShare: P.deniedShare,
        scanJournal: !opt['no-scan-journal'],
      },
      log,
    );
    seedSeconds = (Date.now() - seedStart) / 1000;
    // What --reuse needs (a scratch database: the secrets too).
    await db.knex.raw('CREATE TABLE bench_review_info (k text PRIMARY KEY, v text NOT NULL)');
    await db.knex('bench_review_info').insert({ k: 'seeded', v: JSON.stringify({ ...seeded, secretsEnv, sizes }) });
    const c = seeded.counts;
    log(
      `seeded in ${seedSeconds.toFixed(1)} s: entries ${c.entries!.toLocaleString('en')} (${c.week_entries!.toLocaleString('en')} in ${seeded.week}, ${c.week_denied} denied), ` +
        `access log ${c.access_log!.toLocaleString('en')} (${c.week_access_log!.toLocaleString('en')}, ${c.week_signins} sign-ins), journal ${c.journal!.toLocaleString('en')} (${c.week_journal!.toLocaleString('en')}), ` +
        `database ${(c.bytes! / 2 ** 30).toFixed(2)} GiB`,
    );
    await checkpoint('after seeding');
  }
  const c = seeded.counts;
  if (opt['verify-journal']) {
    const started = Date.now();
    const v = await verifyJournal(db.knex, ctx.secrets.signing);
    log(`journal verify: ${v.ok ? `intact, ${v.entries} entries` : `NOT intact: ${JSON.stringify(v.firstBadEntry)}`} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  if (opt['seed-only']) {
    opt.keep = true;
    log(`week ${seeded.week}; sign in as ${seeded.reviewer.username} / ${seeded.reviewer.password}; measure later with --reuse ${benchDbName}`);
    return;
  }

  // 2. the server, as a child process
  const port = await freePort();
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=4 --heap-growing-percent=50').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'scripts/tachiai.mjs'), 'serve'], {
    cwd: ROOT,
    // No daily backup of the bench database in the middle of the measurements (BACKUP_DIR unset).
    env: { ...process.env, ...secretsEnv, DATABASE_URL: benchUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: dataDir, BACKUP_DIR: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  state.child = child;
  state.childExited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let serverLines = 0;
  const serverOutput: string[] = [];
  const serverLog = process.env.BENCH_SERVER_LOG ? fs.createWriteStream(process.env.BENCH_SERVER_LOG) : null;
  const onOutput = (chunk: Buffer) => {
    serverLog?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      serverOutput.push(line);
      if (serverOutput.length > 50) serverOutput.shift();
      if (serverLines++ < 20) log(`  [server] ${line.slice(0, 300)}`);
    }
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  const rss = new RssSampler(child.pid!, 200);
  const probe = new http.Agent({ keepAlive: false });
  const readyBy = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}:\n${serverOutput.join('\n')}`);
    const ok = await httpRequest(probe, port, 'GET', '/api/health', { timeoutMs: 2000 }).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > readyBy) throw new Error('the server did not become healthy within 60 s');
    await sleep(200);
  }
  const startKb = rss.lastKb;
  log(`server pid ${child.pid} on 127.0.0.1:${port}, RSS ${mb(startKb)} at start`);

  // 3. the findings, over HTTP, as the responsible person
  const login = await httpRequest(probe, port, 'POST', '/api/auth/login', { body: { username: seeded.reviewer.username, password: seeded.reviewer.password } });
  if (login.status !== 200) throw new Error(`the responsible person's sign-in failed: ${login.status} ${login.body}`);
  const token = (JSON.parse(login.body) as { token: string }).token;
  await sleep(1000);
  log(`GET /api/reviews/findings?week=${seeded.week}: ${P.runs} requests, one after the other`);
  const runs = await findingsRuns(port, token, seeded.week, P.runs, rss, child.pid!);

  // 4. where the time goes
  let bd: Awaited<ReturnType<typeof breakdown>> | null = null;
  let bdMem: Awaited<ReturnType<typeof breakdown>> | null = null;
  if (!opt['no-breakdown']) {
    log('the computation statement by statement, in this process (after one uncounted pass)');
    await breakdown(ctx, seeded.from, seeded.to);
    bd = await breakdown(ctx, seeded.from, seeded.to);
    log(`  ${bd.statements.length} statements, ${ms(bd.totalMs)} in all; rules ${ms(bd.rulesMs)} for ${bd.findings} findings`);
    if (opt['work-mem']) {
      bdMem = await breakdown(ctx, seeded.from, seeded.to, opt['work-mem']);
      log(`  with work_mem = ${opt['work-mem']}: ${ms(bdMem.totalMs)} in all`);
    }
  }

  // 5. the screen
  let scr: ScreenResult | null = null;
  if (!opt['no-screen']) {
    log(`the review screen in Chromium: ${P.screenRuns} openings (sign in, click the review tab, wait for the counts)`);
    try {
      scr = await screen(port, seeded, P.screenRuns, rss);
      if (scr.skipped) log(`  skipped: ${scr.skipped}`);
    } catch (err) {
      scr = { skipped: `failed: ${(err as Error).message.split('\n')[0]}`, runs: [], rssPeakKb: rss.phase(), screenshot: null, tab: '' };
      log(`  the screen step ${scr.skipped}`);
    }
  }

  const mem = readMemory(child.pid!);
  rss.stop();
  const hwmKb = mem?.hwmKb ?? NaN;
  await stopChild();
  log('server stopped');
  if (opt.explain && bd) await explain(benchUrl, bd.statements, P.explainMs);
  await db.close();
  state.handles.delete(db);

  // 6. figures and targets
  const ok = runs.filter((r) => r.status === 200);
  const warm = ok.filter((r) => r.run > 1);
  const all = stats(ok.map((r) => r.ms));
  const warmStats = stats(warm.map((r) => r.ms));
  const findingsPeakKb = Math.max(0, ...runs.map((r) => r.rssPeakKb));
  const first = ok[0];
  console.log('');
  console.log(
    `${opt.reuse ? `Seeded before (${opt.reuse})` : `Seeding: ${seedSeconds.toFixed(1)} s`} — ${sizes.people} people (${sizes.accounts} with accounts), ${sizes.rooms} rooms; reviewed week ${seeded.week} (${seeded.from.toISOString()} – ${seeded.to.toISOString()})`,
  );
  console.log(
    table(
      ['table', 'rows', 'in the week'],
      [
        ['entries', c.entries!.toLocaleString('en'), `${c.week_entries!.toLocaleString('en')} (${c.week_denied!.toLocaleString('en')} denied)`],
        ['access_log (90 days)', c.access_log!.toLocaleString('en'), `${c.week_access_log!.toLocaleString('en')} (${c.week_signins!.toLocaleString('en')} sign-ins)`],
        ['journal_entries', c.journal!.toLocaleString('en'), `${c.week_journal!.toLocaleString('en')} (${c.admin_events_week} administrative changes)`],
        ['database size', `${(c.bytes! / 2 ** 30).toFixed(2)} GiB`, ''],
      ],
    ),
  );
  console.log('');
  console.log(`Findings (GET /api/reviews/findings?week=${seeded.week}, responsible person, one request at a time; run 1 is the server's first):`);
  console.log(
    table(
      ['run', 'status', 'time', 'JSON', 'findings', 'server CPU', 'RSS peak'],
      runs.map((r) => [`${r.run}${r.run === 1 ? ' (cold)' : ''}`, String(r.status), ms(r.ms), `${(r.bytes / 1024).toFixed(0)} KiB`, String(r.findings), `${r.serverCpuMs.toFixed(0)} ms`, mb(r.rssPeakKb)]),
    ),
  );
  for (const r of runs) if (r.error) console.log(`  run ${r.run}: ${r.error}`);
  console.log(`  all runs: p50 ${ms(all.p50)}, max ${ms(all.max)}; warm runs (2–${P.runs}): p50 ${ms(warmStats.p50)}, max ${ms(warmStats.max)}`);
  if (first?.counts) console.log(`  counts looked at: ${Object.entries(first.counts).map(([k, v]) => `${k} ${Number(v).toLocaleString('en')}`).join(', ')}`);
  if (first) {
    console.log('');
    console.log('Findings by kind (first answer), and what was planted:');
    const plantedBy = new Map(seeded.planted);
    const kinds = [...new Set([...Object.keys(first.byKind), ...seeded.planted.map(([k]) => k)])];
    console.log(table(['kind', 'findings', 'planted'], kinds.map((k) => [k, String(first.byKind[k] ?? 0), plantedBy.get(k) ?? '(scattered denials, ordinary traffic)'])));
  }
  if (bd) {
    console.log('');
    console.log(`Where the time goes (the same statements in this process, REPEATABLE READ, second pass; ${ms(bd.totalMs)} in all):`);
    const order = bd.statements.map((s, i) => i).sort((a, b) => bd!.statements[b]!.ms - bd!.statements[a]!.ms);
    const withMem = (i: number) => (bdMem ? [ms(bdMem.statements[i]?.ms ?? NaN)] : []);
    console.log(
      table(
        ['statement', 'time', ...(bdMem ? [`with work_mem ${opt['work-mem']}`] : []), 'rows'],
        [
          ...order.map((i) => [statementLabel(bd!.statements[i]!), ms(bd!.statements[i]!.ms), ...withMem(i), String(bd!.statements[i]!.rows)]),
          ['all statements', ms(bd.statements.reduce((t, s) => t + s.ms, 0)), ...(bdMem ? [ms(bdMem.statements.reduce((t, s) => t + s.ms, 0))] : []), ''],
          ['rules (allFindings, in JS)', ms(bd.rulesMs), ...(bdMem ? [ms(bdMem.rulesMs)] : []), `${bd.findings} findings`],
        ],
      ),
    );
  }
  if (scr) {
    console.log('');
    if (scr.skipped) console.log(`Review screen: skipped — ${scr.skipped}`);
    else {
      console.log(`Review screen (Chromium; click on the tab ${scr.tab} until [data-testid="review-counts"] is data-state="ready"):`);
      console.log(
        table(
          ['opening', 'click → counts', 'in the page', 'findings answered', 'week asked', 'counts shown'],
          scr.runs.map((r) => [String(r.run), ms(r.ms), ms(r.inPageMs), ms(r.answerMs), r.week ?? 'none seen', r.error ?? r.countsText.slice(0, 90)]),
        ),
      );
      for (const r of scr.runs) if (r.week && r.week !== seeded.week) console.log(`  opening ${r.run} asked for ${r.week}, not the benchmark's week ${seeded.week}`);
      const reqs = scr.runs[0]?.requests ?? [];
      if (reqs.length) console.log(`  requests of the first opening: ${reqs.join(', ')}`);
      if (scr.screenshot) console.log(`  screenshot: ${path.relative(ROOT, scr.screenshot)}`);
      console.log(`  server RSS peak during the screen step: ${mb(scr.rssPeakKb)}`);
    }
  }
  console.log('');
  console.log(`Server memory: RSS ${mb(startKb)} at start, peak ${mb(findingsPeakKb)} during the findings (sampled every 200 ms), VmHWM ${mb(hwmKb)} at the end`);
  console.log(`Load average (1/5/15 min) at start ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} CPUs)`);
  console.log('');
  const verdict = (pass: boolean, measured: boolean) => (!measured ? 'n/a' : pass ? 'PASS' : 'MISS');
  const screenRuns = scr && !scr.skipped ? scr.runs : [];
  const screenOk = screenRuns.filter((r) => !r.error);
  const screenMax = Math.max(...screenRuns.map((r) => (r.error ? Infinity : r.ms)));
  const rssWorst = Math.max(findingsPeakKb, scr?.rssPeakKb ?? 0, Number.isFinite(hwmKb) ? hwmKb : 0);
  console.log(
    table(
      ['target', 'goal', 'measured', 'result'],
      [
        ['findings of the week', `≤ ${TARGETS.findingsMs / 1000} s`, ok.length ? `cold ${ms(runs[0]!.ms)}, warm p50 ${ms(warmStats.p50)}, max ${ms(all.max)} (${runs.length - ok.length} failed)` : 'no answer', verdict(ok.length === runs.length && all.max <= TARGETS.findingsMs, ok.length > 0)],
        ['server RSS', `< ${TARGETS.rssMb} MB`, `${mb(rssWorst)} (peak sampled, VmHWM)`, verdict(rssWorst / 1024 < TARGETS.rssMb, true)],
        [
          'counts on the review screen',
          `≤ ${TARGETS.screenMs / 1000} s`,
          screenRuns.length ? `first ${ms(screenRuns[0]!.ms)}, max ${ms(screenMax)} (${screenRuns.length - screenOk.length} failed)` : scr?.skipped ? `skipped: ${scr.skipped}` : 'not run',
          verdict(screenMax <= TARGETS.screenMs, screenRuns.length > 0),
        ],
      ],
    ),
  );
  console.log('');
}

await runBenchmark(main, cleanUp, log);
