// What the command-line tests do again and again: a site as the CLI sees it (DATA_DIR, maybe
// DATABASE_URL), the CLI run as a child process, `serve` until it answers, sign-in, the database
// opened in the test's process. Children, directories and databases are cleaned up after the file.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach } from 'vitest';
import { createDatabase, type Database } from '../../db/connection.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ENTRY = path.join(ROOT, 'scripts', 'tachiai.mjs');
export const PASSWORD = 'Kx7#mQ2$vL';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every child ever started; whatever still runs is killed after each test. */
export const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
const databases: TestDatabase[] = [];

afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const db of databases) await db.drop().catch(() => undefined);
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tachiai-cli-${label}-`));
  tempDirs.push(dir);
  return dir;
}

/** One database as the CLI sees it: DATA_DIR (secrets, embedded files) and maybe DATABASE_URL. */
export interface Site {
  dataDir: string;
  databaseUrl: string | undefined;
}

export async function newSite(kind: 'embedded' | 'postgres', label: string): Promise<Site> {
  const dataDir = tempDir(label);
  if (kind === 'embedded') return { dataDir, databaseUrl: undefined };
  const db = await createTestDatabase();
  databases.push(db);
  return { dataDir, databaseUrl: db.url };
}

/** The backup key a site's server made in its data directory on first start. */
export function backupKeyOf(site: Site): Buffer {
  return Buffer.from(fs.readFileSync(path.join(site.dataDir, 'secrets', 'backup-key'), 'utf8').trim(), 'utf8');
}

export function childEnv(site: Site, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: site.dataDir,
    SCRYPT_COST: '1024',
    LOG_LEVEL: 'warn',
    CHECKPOINT_INTERVAL_MINUTES: '0',
    HOST: '127.0.0.1',
    ...extra,
  };
  delete env.DATABASE_URL;
  if (site.databaseUrl) env.DATABASE_URL = site.databaseUrl;
  return env;
}

export function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<Result> } {
  const child = spawn(process.execPath, [ENTRY, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<Result>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

export async function run(site: Site, args: string[], extra: Record<string, string> = {}): Promise<Result> {
  const { child, done } = start(args, childEnv(site, extra));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Serving {
  child: ChildProcess;
  url: string;
  /** SIGTERM, then the exit result. */
  stop(): Promise<Result>;
}

/** Waits until `serve` answers /api/health; throws if it exits first or takes more than two minutes. */
export async function waitUntilServing(url: string, done: Promise<Result>): Promise<void> {
  let exited: Result | null = null;
  void done.then((r) => (exited = r));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`serve exited early (${(exited as Result).code}): ${(exited as Result).stderr}`);
    if (Date.now() > deadline) throw new Error('serve did not answer /api/health in time');
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function serve(site: Site): Promise<Serving> {
  const port = await freePort();
  const { child, done } = start(['serve'], childEnv(site, { PORT: String(port) }));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(url, done);
  return {
    child,
    url,
    async stop() {
      child.kill('SIGTERM');
      return done;
    },
  };
}

export async function signIn(url: string, admin: { badgeToken: string; badgePin: string }): Promise<Response> {
  return fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD, badge: admin.badgeToken, pin: admin.badgePin }),
  });
}

export function headOf(output: string): { seq: number; hash: string } {
  const m = /^head (\d+) ([0-9a-f]{64})$/m.exec(output);
  if (!m) throw new Error(`no "head <seq> <hash>" line in:\n${output}`);
  return { seq: Number(m[1]), hash: m[2]! };
}

/** The database of a site, opened in this process (no child may be running on it). */
export async function openSite(site: Site): Promise<Database> {
  return site.databaseUrl ? createDatabase({ databaseUrl: site.databaseUrl, poolMax: 2 }) : createDatabase({ embeddedDir: site.dataDir });
}

