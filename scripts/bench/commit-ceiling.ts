// `npx tsx scripts/bench/commit-ceiling.ts`: what serialising commits costs on this machine,
// without Node or Tachiai in the way. pgbench (8 clients, 2 threads) runs tiny custom
// transactions into a scratch database (dropped at the end):
//   plain      INSERT; COMMIT                                      (commits can share a WAL flush)
//   notify     INSERT; pg_notify; COMMIT                           (NOTIFY serialises commits)
//   lock       advisory xact lock; INSERT; COMMIT                  (a lock held across the flush)
//   journal    lock; read head; INSERT; pg_notify; COMMIT          (the shape of a door scan's tail)
//   journal, synchronous_commit off                                (the same without waiting for the flush)
// Options: --seconds S per variant (8). Admin connection as for bench:door.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { table, adminQuery } from './lib.js';

const execFileP = promisify(execFile);
const { values: opt } = parseArgs({ options: { seconds: { type: 'string', default: '8' } }, strict: true });
const seconds = Math.min(120, Math.max(1, Number(opt.seconds) || 8));
const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `tachiai_bench_commit_${crypto.randomBytes(4).toString('hex')}`;
const bin = process.env.PGBENCH ?? (fs.existsSync('/usr/lib/postgresql/15/bin/pgbench') ? '/usr/lib/postgresql/15/bin/pgbench' : 'pgbench');
const u = new URL(adminUrl);
const conn = ['-h', u.hostname || '127.0.0.1', '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
const env = { ...process.env, ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}) };

const admin = (sql: string) => adminQuery(adminUrl, sql);

const VARIANTS: Array<[string, string]> = [
  ['plain', 'BEGIN;\nINSERT INTO t (v) VALUES (1);\nEND;\n'],
  ['notify', "BEGIN;\nINSERT INTO t (v) VALUES (1);\nSELECT pg_notify('bench', 'x');\nEND;\n"],
  ['lock', 'BEGIN;\nSELECT pg_advisory_xact_lock(1, 2);\nINSERT INTO t (v) VALUES (1);\nEND;\n'],
  ['journal', "BEGIN;\nSELECT pg_advisory_xact_lock(1, 2);\nSELECT id FROM t ORDER BY id DESC LIMIT 1;\nINSERT INTO t (v) VALUES (1);\nSELECT pg_notify('bench', 'x');\nEND;\n"],
  [
    'journal, synchronous_commit off',
    "BEGIN;\nSET LOCAL synchronous_commit = off;\nSELECT pg_advisory_xact_lock(1, 2);\nSELECT id FROM t ORDER BY id DESC LIMIT 1;\nINSERT INTO t (v) VALUES (1);\nSELECT pg_notify('bench', 'x');\nEND;\n",
  ],
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-commit-'));
let created = false;
const cleanUp = async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (created) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
};
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await admin(`CREATE DATABASE ${name}`);
  created = true;
  const c = new pg.Client({ connectionString: Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString() });
  await c.connect();
  await c.query('CREATE TABLE t (id bigserial PRIMARY KEY, v int NOT NULL)');
  await c.end();
  console.log(`pgbench -c 8 -j 2 -T ${seconds} per variant; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const rows: string[][] = [];
  for (const [label, script] of VARIANTS) {
    const file = path.join(dir, `${rows.length}.sql`);
    fs.writeFileSync(file, script);
    const { stdout } = await execFileP(bin, [...conn, '-n', '-c', '8', '-j', '2', '-T', String(seconds), '-f', file, name], { env, timeout: (seconds + 60) * 1000 });
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? NaN);
    const lat = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1] ?? NaN);
    rows.push([label, tps.toFixed(0), `${lat.toFixed(2)} ms`]);
    console.log(`  ${label}: ${tps.toFixed(0)} tps`);
  }
  console.log('\n' + table(['transaction', 'tps', 'latency average'], rows));
} finally {
  await cleanUp();
}
