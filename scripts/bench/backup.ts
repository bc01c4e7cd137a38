// `npm run bench:backup [-- --embedded]`: a backup taken while the guard scans, and its restore
// (issue 17, item 5).
//
//   1. seeds the door benchmark's site (./seed.ts: 1,000 people, 1,000,000 past entries) into a
//      fresh PostgreSQL database tachiai_bench_<ts> (dropped at the end unless --keep), or with
//      --embedded into a new data directory, and adds an authorised person (権限者) with an
//      account and a badge whose PIN this benchmark knows;
//   2. starts the server as a child process with a BACKUP_DIR and samples its RSS;
//   3. scans at a steady 50/s (open loop: latency from the scheduled send time) for --before
//      seconds, then the authorised person takes a backup through POST /api/backups (badge + PIN)
//      while the scans go on, then --after seconds more;
//   4. prints the scan latency before and during the backup, the backup's rows/s (rows ÷ the
//      time between its start and end as recorded), how long the embedded database's connection
//      was held for its copy, and the server's RSS above what it held before the backup;
//   5. restores the file with `tachiai restore` into a new database (a new PostgreSQL database or
//      a new data directory) as a child process: rows/s of the whole command and of its steps,
//      and the command's peak RSS;
//   6. a summary with the targets: scan p99 during the backup ≤ 250 ms (PostgreSQL) or ≤ 1 s
//      (embedded), backup and restore ≥ 50,000 rows/s, memory beyond the server's own < 300 MB.
// Exit 0 whatever the figures; non-zero only when the run itself failed.
//
// Admin connection: DATABASE_URL if set, otherwise postgres://postgres@127.0.0.1:5432/postgres.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../../server/config.js';
import { createContext } from '../../server/context.js';
import { createDatabase, type Database } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadSecrets } from '../../server/secrets.js';
import { createPerson } from '../../server/people/service.js';
import { hashPin } from '../../server/shared/secret-hash.js';
import { badgeTokenFor, newBadgeNonce, tokenDigest } from '../../server/badges/tokens.js';
import { seedDoor } from './seed.js';
import { adminQuery, httpRequest, LeanHttpPool, mb, ms, readMemory, RssSampler, sleep, stats, table, runBenchmark, throwawaySecretsEnv, policyPassword } from './lib.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const USAGE = `Usage: npm run bench:backup -- [options]

  --embedded         the embedded database instead of PostgreSQL
  --entries N        past entries to seed (1000000)
  --rate R           scans per second during the run (50)
  --before S         seconds of scans before the backup starts (10)
  --after S          seconds of scans after the backup ends (5)
  --no-restore       skip the restore
  --keep             keep the databases / directories and print where they are (with the
                     run's secrets, so that --restore-only can restore its backup again)
  --restore-only DIR only the restore, of the backup a --keep run left in DIR (to measure
                     the restore again without seeding and backing up)`;

const { values: opt } = parseArgs({
  options: {
    embedded: { type: 'boolean', default: false },
    entries: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '50' },
    before: { type: 'string', default: '10' },
    after: { type: 'string', default: '5' },
    'no-restore': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'restore-only': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
const P = { entries: Number(opt.entries), rate: Number(opt.rate), before: Number(opt.before), after: Number(opt.after) };
for (const [k, v] of Object.entries(P)) {
  if (!Number.isInteger(v) || v < 0 || v > 50_000_000) {
    console.error(`--${k} must be a whole number\n\n${USAGE}`);
    process.exit(2);
  }
}
const embedded = opt.embedded;
const TARGETS = { scanP99Ms: embedded ? 1000 : 250, rowsPerSecond: 50_000, extraMb: 300 };

const t0 = Date.now();
const log = (msg: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14) + '_' + crypto.randomBytes(2).toString('hex');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-bench-backup-'));
const dataDir = path.join(work, 'site');
const backupDir = path.join(work, 'backups');
const restoreDir = path.join(work, 'restored');
fs.mkdirSync(backupDir, { mode: 0o700 });
const dbUrl = (name: string) => Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
const state = { server: null as ServerProcess | null, databases: [] as string[], handles: new Set<Database>() };

async function cleanUp(): Promise<void> {
  await state.server?.stop().catch(() => undefined);
  for (const h of state.handles) await h.close().catch(() => undefined);
  if (opt.keep) {
    log(`kept: ${work}${state.databases.length ? ` and databases ${state.databases.join(', ')}` : ''}`);
    return;
  }
  for (const name of state.databases) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((err: Error) => log(`could not drop ${name}: ${err.message}`));
  fs.rmSync(work, { recursive: true, force: true });
}

/** What --keep leaves beside the backup for --restore-only: throwaway secrets of a benchmark site. */
const KEPT_RUN = 'bench-run.json';

async function main(): Promise<void> {
  log(`Tachiai backup benchmark — ${embedded ? 'embedded database' : 'PostgreSQL'}, ${os.cpus().length} CPU(s), Node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (opt['restore-only']) return restoreOnly(opt['restore-only']);
  const secretsEnv = throwawaySecretsEnv();

  // 1. the site
  const benchDb = `tachiai_bench_${stamp}`;
  const benchUrl = embedded ? undefined : dbUrl(benchDb);
  if (benchUrl) {
    await adminQuery(adminUrl, `CREATE DATABASE ${benchDb}`);
    state.databases.push(benchDb);
  }
  const config = loadConfig({ ...(benchUrl ? { DATABASE_URL: benchUrl } : {}), DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...secretsEnv });
  const db = await createDatabase(benchUrl ? { databaseUrl: benchUrl, poolMax: 2, queryTimeoutMs: 30 * 60_000 } : { embeddedDir: dataDir });
  state.handles.add(db);
  const ctx = createContext({ config, db, secrets: loadSecrets(config, { persist: false }), logger: pino({ level: 'silent' }) });
  await migrateToLatest(db.knex);
  const seeded = await seedDoor(ctx, { people: 1000, rooms: 4, entries: P.entries }, log);
  // The authorised person who takes the backup (E2.13), with a badge and a PIN known here.
  const orgId = ((await db.knex('organisations').first('id')) as { id: string }).id;
  const password = policyPassword({ username: 'bench-authorised', personName: '権限 花子', orgName: '株式会社ベンチ受託' });
  const pin = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  const person = await db.knex.transaction((trx) => createPerson(ctx, trx, { name: '権限 花子', orgId, roles: ['authorized'], account: { username: 'bench-authorised', password } }, 'cli:bench'));
  const nonce = newBadgeNonce();
  const badge = badgeTokenFor(nonce, ctx.secrets.badgeKey);
  await db.knex('badges').insert({ person_id: person.id, token_nonce: nonce, token_digest: tokenDigest(badge), pin_hash: await hashPin(pin, ctx.secrets.pinPepper, config.scryptCost), valid_from: db.knex.raw("now() - interval '1 day'") });
  await db.close();
  state.handles.delete(db);
  log(`seeded ${P.entries.toLocaleString('en')} entries`);

  // 2. the server
  const server = await startServerProcess({ env: { ...secretsEnv, DATABASE_URL: benchUrl, DATA_DIR: dataDir, BACKUP_DIR: backupDir, BACKUP_TIME: farBackupTime() }, log });
  state.server = server;
  const probe = new http.Agent({ keepAlive: false });
  const signIn = async (username: string, pw: string) => {
    const res = await httpRequest(probe, server.port, 'POST', '/api/auth/login', { body: { username, password: pw } });
    if (res.status !== 200) throw new Error(`sign-in of ${username} failed: ${res.status} ${res.body}`);
    return (JSON.parse(res.body) as { token: string }).token;
  };
  const guardToken = await signIn(seeded.guard.username, seeded.guard.password);
  const authorisedToken = await signIn('bench-authorised', password);
  await sleep(2000);
  log(`server pid ${server.child.pid}, RSS ${mb(server.rss.lastKb)}`);

  // 3. scans at a steady rate; the backup in the middle
  const pool = new LeanHttpPool(server.port, 64);
  const head = `Authorization: Bearer ${guardToken}\r\nContent-Type: application/json\r\nAccept: application/json\r\n`;
  const samples: Array<{ at: number; latency: number; ok: boolean }> = [];
  const errorSamples: string[] = [];
  const failed = (text: string) => void (errorSamples.length < 5 && errorSamples.push(text.slice(0, 300)));
  const start = performance.now();
  let running = true;
  const scanning = (async () => {
    const interval = 1000 / P.rate;
    const inflight: Array<Promise<void>> = [];
    for (let i = 0; running; i++) {
      const scheduled = start + i * interval;
      const wait = scheduled - performance.now();
      if (wait > 0) await sleep(wait);
      const p = seeded.people[Math.floor(Math.random() * seeded.people.length)]!;
      inflight.push(
        pool.request('POST', '/api/scans', head, JSON.stringify({ roomId: p.roomId, badge: p.token }), 30_000).then(
          (res) => {
            samples.push({ at: scheduled, latency: performance.now() - scheduled, ok: res.status === 201 });
            if (res.status !== 201) failed(`${res.status} ${res.body}`);
          },
          (err: Error) => {
            samples.push({ at: scheduled, latency: performance.now() - scheduled, ok: false });
            failed(err.message);
          },
        ),
      );
    }
    await Promise.all(inflight);
  })();

  await sleep(P.before * 1000);
  const baselineKb = server.rss.phase();
  log(`backup: POST /api/backups as the authorised person (RSS before ${mb(baselineKb)})`);
  const backupStart = performance.now();
  // The embedded backup's reader is a child process of the server: its peak RSS counts too.
  let childPeakKb = 0;
  const childSampler = setInterval(() => {
    for (const pid of childrenOf(server.child.pid!)) {
      // A child that has just exited (a zombie) has no VmRSS: NaN, which would poison the peak.
      const kb = readMemory(pid)?.rssKb ?? 0;
      if (Number.isFinite(kb)) childPeakKb = Math.max(childPeakKb, kb);
    }
  }, 100);
  const res = await httpRequest(probe, server.port, 'POST', '/api/backups', {
    token: authorisedToken,
    body: { signer: { personId: person.id, badge, pin }, mediumLocation: 'ベンチ金庫' },
    timeoutMs: 30 * 60_000,
  });
  const backupEnd = performance.now();
  clearInterval(childSampler);
  const backupPeakKb = server.rss.phase();
  if (res.status !== 201) throw new Error(`the backup failed: ${res.status} ${res.body}`);
  const backup = JSON.parse(res.body) as { file: string; rows: number; bytes: number; startedAt: string; finishedAt: string };
  const recordedSeconds = (Date.parse(backup.finishedAt) - Date.parse(backup.startedAt)) / 1000;
  log(`  ${backup.rows.toLocaleString('en')} rows, ${(backup.bytes / 2 ** 20).toFixed(1)} MiB sealed, ${recordedSeconds.toFixed(1)} s recorded (${((backupEnd - backupStart) / 1000).toFixed(1)} s answer)`);
  await sleep(P.after * 1000);
  running = false;
  await scanning;
  pool.destroy();
  const mem = readMemory(server.child.pid!);
  server.rss.stop();
  await server.stop();
  state.server = null;

  const before = samples.filter((s) => s.at < backupStart);
  const during = samples.filter((s) => s.at >= backupStart && s.at <= backupEnd);
  const after = samples.filter((s) => s.at > backupEnd);
  const held = await heldFromLog(dataDir);

  if (opt.keep) fs.writeFileSync(path.join(work, KEPT_RUN), JSON.stringify({ secretsEnv, file: backup.file }), { mode: 0o600 });

  // 5. restore
  let restore: { seconds: number; rows: number; steps: Array<[string, number]>; peakKb: number; ok: boolean; output: string } | null = null;
  if (!opt['no-restore']) {
    const target = embedded ? undefined : `tachiai_bench_restore_${stamp}`;
    if (target) {
      await adminQuery(adminUrl, `CREATE DATABASE ${target}`);
      state.databases.push(target);
    }
    log(`restore into ${target ? `database ${target}` : restoreDir}`);
    restore = await runRestore(backup.file, { ...secretsEnv, DATA_DIR: restoreDir, ...(target ? { DATABASE_URL: dbUrl(target) } : {}) });
    log(`  ${restore.ok ? 'restored' : 'FAILED'} in ${restore.seconds.toFixed(1)} s, peak RSS ${mb(restore.peakKb)}`);
  }

  // 6. figures
  const row = (name: string, list: typeof samples) => {
    const s = stats(list.map((x) => x.latency));
    return [name, String(list.length), ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), String(list.filter((x) => !x.ok).length)];
  };
  console.log('');
  console.log(`Scans at ${P.rate}/s (POST /api/scans, open loop, latency from the scheduled time):`);
  console.log(table(['when', 'scans', 'p50', 'p95', 'p99', 'max', 'errors'], [row('before the backup', before), row('during the backup', during), row('after the backup', after)]));
  for (const e of errorSamples) console.log(`  error sample: ${e}`);
  const backupRate = backup.rows / recordedSeconds;
  const extraMb = (Math.max(0, backupPeakKb - baselineKb) + childPeakKb) / 1024;
  console.log('');
  console.log(`Backup: ${backup.rows.toLocaleString('en')} rows in ${recordedSeconds.toFixed(1)} s = ${backupRate.toFixed(0)} rows/s; ${(backup.bytes / 2 ** 20).toFixed(1)} MiB sealed`);
  if (held) console.log(`  the embedded database's connection was held ${held}`);
  console.log(`  server RSS ${mb(baselineKb)} before, peak ${mb(backupPeakKb)} during, VmHWM ${mb(mem?.hwmKb ?? NaN)}${childPeakKb ? `; its reader process (embedded copy) peak ${mb(childPeakKb)}` : ''}: ${extraMb.toFixed(1)} MB beyond the server's own`);
  if (restore) {
    console.log(`Restore (tachiai restore, a process of its own): ${restore.rows.toLocaleString('en')} rows in ${restore.seconds.toFixed(1)} s = ${(restore.rows / restore.seconds).toFixed(0)} rows/s for the whole command; peak RSS ${mb(restore.peakKb)}`);
    for (const [step, seconds] of restore.steps) console.log(`  ${step.padEnd(44)} ${seconds.toFixed(1)} s`);
    if (!restore.ok) console.log(restore.output.split('\n').slice(-15).join('\n'));
  }
  const duringP99 = stats(during.map((x) => x.latency)).p99;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const rows: string[][] = [
    [`scan p99 during the backup`, `≤ ${TARGETS.scanP99Ms} ms`, `${ms(duringP99)} (${during.length} scans, ${during.filter((x) => !x.ok).length} errors)`, verdict(duringP99 <= TARGETS.scanP99Ms && during.every((x) => x.ok))],
    ['backup rows/s', `≥ ${TARGETS.rowsPerSecond}`, backupRate.toFixed(0), verdict(backupRate >= TARGETS.rowsPerSecond)],
    ['server memory beyond its own during the backup', `< ${TARGETS.extraMb} MB`, `${extraMb.toFixed(1)} MB`, verdict(extraMb < TARGETS.extraMb)],
  ];
  if (restore) {
    const rate = restore.rows / restore.seconds;
    rows.push(['restore rows/s (whole command)', `≥ ${TARGETS.rowsPerSecond}`, rate.toFixed(0), verdict(restore.ok && rate >= TARGETS.rowsPerSecond)]);
    rows.push(['restore peak RSS (the whole process)', 'information', mb(restore.peakKb), 'n/a']);
  }
  console.log('');
  console.log(table(['target', 'goal', 'measured', 'result'], rows));
}

/** The restore alone, of a kept run's backup (figures as in the full run). */
async function restoreOnly(dir: string): Promise<void> {
  const kept = JSON.parse(fs.readFileSync(path.join(dir, KEPT_RUN), 'utf8')) as { secretsEnv: Record<string, string>; file: string };
  const target = embedded ? undefined : `tachiai_bench_restore_${stamp}`;
  if (target) {
    await adminQuery(adminUrl, `CREATE DATABASE ${target}`);
    state.databases.push(target);
  }
  log(`restore of ${kept.file} into ${target ? `database ${target}` : restoreDir}`);
  const restore = await runRestore(kept.file, { ...kept.secretsEnv, DATA_DIR: restoreDir, ...(target ? { DATABASE_URL: dbUrl(target) } : {}) });
  const rate = restore.rows / restore.seconds;
  console.log(`Restore: ${restore.rows.toLocaleString('en')} rows in ${restore.seconds.toFixed(1)} s = ${rate.toFixed(0)} rows/s for the whole command (${restore.ok ? (rate >= TARGETS.rowsPerSecond ? 'PASS' : 'MISS') : 'FAILED'}); peak RSS ${mb(restore.peakKb)}`);
  for (const [step, seconds] of restore.steps) console.log(`  ${step.padEnd(44)} ${seconds.toFixed(1)} s`);
  if (!restore.ok) console.log(restore.output.split('\n').slice(-15).join('\n'));
}

/** A BACKUP_TIME twelve hours from now on the site's clock: the daily backup stays out of the run. */
function farBackupTime(): string {
  const later = new Date(Date.now() + 12 * 3600_000);
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(later);
}

/** How long the embedded copy held the connection, from the backup's journal entry (null on PostgreSQL). */
async function heldFromLog(dir: string): Promise<string | null> {
  if (!embedded) return null;
  const db = await createDatabase({ embeddedDir: dir });
  try {
    const row = (await db.knex('journal_entries').where({ action: 'backup.completed' }).orderBy('seq', 'desc').first('payload')) as { payload: { snapshot?: { heldMs: number; bytes: number } } } | undefined;
    const s = row?.payload?.snapshot;
    return s ? `${s.heldMs.toFixed(0)} ms to copy ${(s.bytes / 2 ** 20).toFixed(0)} MiB of files` : null;
  } finally {
    await db.close();
  }
}

async function runRestore(file: string, env: Record<string, string>): Promise<{ seconds: number; rows: number; steps: Array<[string, number]>; peakKb: number; ok: boolean; output: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/tachiai.mjs'), 'restore', '--in', file], { cwd: ROOT, env: { ...withoutDatabaseUrl(process.env), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const rss = new RssSampler(child.pid!, 100);
  let output = '';
  const marks: Array<[string, number]> = [];
  const mark = (text: string) => {
    for (const line of text.split('\n')) {
      const at = (performance.now() - started) / 1000;
      // PostgreSQL: the file checked, then read again into the database; the embedded database
      // into a new directory: read once, the database opened meanwhile.
      if (/^Checking the whole file/.test(line)) marks.push(['check the whole file', at]);
      else if (/^  intact:/.test(line) && marks.at(-1)?.[0] === 'check the whole file') marks.push(['open and migrate the target', at]);
      else if (/^Reading the file once/.test(line)) marks.push(['start reading, open and migrate the target', at]);
      else if (/^Restoring into/.test(line)) marks.push(['insert the rows (the file read meanwhile)', at]);
      else if (/^Building \d+ indexes/.test(line)) marks.push(['indexes and keys, commit, verify', at]);
    }
  };
  child.stdout!.on('data', (c: Buffer) => ((output += c.toString()), mark(c.toString())));
  child.stderr!.on('data', (c: Buffer) => ((output += c.toString()), mark(c.toString())));
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  rss.stop();
  const seconds = (performance.now() - started) / 1000;
  const steps: Array<[string, number]> = marks.map(([name, at], i) => [name, (marks[i + 1]?.[1] ?? seconds) - at]);
  const rows = Number(/Restored (\d+) rows/.exec(output)?.[1] ?? 0);
  return { seconds, rows, steps, peakKb: rss.peakKb, ok: code === 0, output };
}

/** The processes a process started (Linux: /proc/PID/task/PID/children). */
function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.DATABASE_URL;
  return copy;
}

await runBenchmark(main, cleanUp, log);
