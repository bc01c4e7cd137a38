// Graceful shutdown (issue 17, item 6), as an operator or a container manager does it: the real
// server process (`node scripts/tachiai.mjs serve`, and `npm start`) under a load of door scans
// with a live log open, then SIGTERM in the middle. Every scan that was answered 201 is in the
// entries table with its journal entry and its access-log row; nothing waits unchained in the
// journal's intake; the journal verifies; the process exits 0 promptly (the open live stream does
// not hold it up); the live stream is ended; the next command runs at once (the embedded
// database's lock is free). On the database of this run: embedded PGlite in a temporary DATA_DIR,
// or a fresh PostgreSQL database when DATABASE_URL is set.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { usingPostgres } from '../helpers/db.js';
import { children, childEnv, freePort, newSite, openSite, PASSWORD, ROOT, run, signIn, start, waitUntilServing, type Result, type Site } from '../helpers/cli.js';

vi.setConfig({ testTimeout: 240_000 });

const kind: 'embedded' | 'postgres' = usingPostgres ? 'postgres' : 'embedded';
/** The serve command's grace period for requests under way (scripts/cli.ts): a prompt exit is well under it. */
const PROMPT_EXIT_MS = 4_000;

/** Grandchildren started through npm: killed (by their pid) if a test leaves one running. */
const grandchildren = new Set<number>();
afterAll(() => {
  for (const pid of grandchildren) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

interface Running {
  child: ChildProcess;
  done: Promise<Result>;
  url: string;
}

async function startServe(site: Site): Promise<Running> {
  const port = await freePort();
  const { child, done } = start(['serve'], childEnv(site, { PORT: String(port), LOG_LEVEL: 'info' }));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(url, done);
  return { child, done, url };
}

async function api(url: string, token: string, method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as any;
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

describe(`graceful shutdown on ${kind}`, () => {
  let site: Site;
  let admin: { personId: string; badgeToken: string; badgePin: string };

  it('SIGTERM under a load of scans: every answered scan is kept and chained, the live stream ends, exit 0 at once; the next command runs at once', async () => {
    site = await newSite(kind, 'shutdown');
    const made = await run(site, ['create-admin', '--username', 'admin', '--password', PASSWORD, '--name', '管理 太郎']);
    expect(made.code, made.stderr).toBe(0);
    admin = JSON.parse(made.stdout) as typeof admin;

    const server = await startServe(site);
    const login = await signIn(server.url, admin);
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const room = await api(server.url, token, 'POST', '/api/rooms', { name: '第1処理室', kind: 'secure' });
    await api(server.url, token, 'POST', `/api/rooms/${room.id}/access`, { personId: admin.personId });
    const station = await api(server.url, token, 'POST', '/api/door-stations', { roomId: room.id, name: '第1処理室 入口' });

    // The live log, open during the shutdown.
    const feed = await fetch(`${server.url}/api/entries/live`, { headers: { authorization: `Bearer ${token}` } });
    expect(feed.status).toBe(200);
    const feedReader = feed.body!.getReader();
    expect(new TextDecoder().decode((await feedReader.read()).value)).toMatch(/connected/);
    let feedEndedAt: number | null = null;
    const feedEnded = (async () => {
      try {
        while (!(await feedReader.read()).done);
      } catch {
        /* the connection was cut: ended all the same */
      }
      feedEndedAt = Date.now();
    })();

    // The load: door stations posting scans (the admin's badge, granted in and out, and unknown
    // badges, denied) from several clients at once, until the server stops answering.
    const answered: string[] = [];
    const otherAnswers: number[] = [];
    let inFlight = 0;
    let n = 0;
    let stopLoad = false;
    const client = async (c: number) => {
      while (!stopLoad) {
        n += 1;
        const badge = (n + c) % 3 === 0 ? admin.badgeToken : `unknown-${c}-${n}`;
        inFlight += 1;
        try {
          const res = await fetch(`${server.url}/api/scans`, {
            method: 'POST',
            headers: { authorization: `Bearer ${station.credential}`, 'content-type': 'application/json' },
            body: JSON.stringify({ roomId: room.id, badge }),
          });
          const body = (await res.json()) as { entryId?: string };
          if (res.status === 201) answered.push(body.entryId!);
          else otherAnswers.push(res.status);
        } catch {
          return; // refused or reset: the server has stopped taking requests
        } finally {
          inFlight -= 1;
        }
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, (_, c) => client(c)));
    const guard = setTimeout(() => (stopLoad = true), 60_000);
    while (answered.length < 150) await new Promise((r) => setTimeout(r, 20));

    const answeredBefore = answered.length;
    const inFlightAtSignal = inFlight;
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const result = await server.done;
    const exitMs = Date.now() - signalledAt;
    await load;
    clearTimeout(guard);
    await feedEnded;

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(inFlightAtSignal, 'SIGTERM came in the middle of the load').toBeGreaterThan(0);
    expect(exitMs, 'the process exits promptly: the open live stream does not hold it up').toBeLessThan(PROMPT_EXIT_MS);
    expect(feedEndedAt, 'the live stream was ended').not.toBeNull();
    expect(feedEndedAt! - signalledAt).toBeLessThan(PROMPT_EXIT_MS);
    expect(result.stdout).toContain('"msg":"shutting down"');
    expect(result.stdout).toContain('"msg":"stopped"');
    expect(otherAnswers.filter((status) => status >= 500 && status !== 503), `answers other than 201: ${otherAnswers.join(',')}`).toEqual([]);
    expect(answered.length).toBeGreaterThanOrEqual(answeredBefore);
    expect(new Set(answered).size).toBe(answered.length);
    if (kind === 'embedded') expect(fs.existsSync(path.join(site.dataDir, 'tachiai.lock')), 'the embedded lock is free').toBe(false);

    // The next command runs at once, and the journal verifies.
    const verifyStarted = Date.now();
    const verify = await run(site, ['verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^OK: \d+ entries verified/m);
    expect(Date.now() - verifyStarted).toBeLessThan(60_000);

    // Every answered scan is in the entries, with its journal entry and its access-log row; the
    // intake is empty (nothing left unchained).
    const db = await openSite(site);
    try {
      const knex = db.knex;
      const found = new Set(((await knex('entries').whereIn('id', answered).pluck('id')) as Array<string | number>).map(String));
      expect(answered.filter((id) => !found.has(id)), 'answered scans missing from the entries').toEqual([]);
      const journaled = new Set(
        (await knex('journal_entries').where({ action: 'door.scan' }).whereIn('subject', answered.map((id) => `entry:${id}`)).pluck('subject')) as string[],
      );
      expect(answered.filter((id) => !journaled.has(`entry:${id}`)), 'answered scans without their journal entry').toEqual([]);
      expect(Number((await knex('journal_intake').count({ n: '*' }))[0]!.n), 'journal events left unchained').toBe(0);
      const logged = Number((await knex('access_log').where({ method: 'POST', path: '/api/scans', status: 201 }).count({ n: '*' }))[0]!.n);
      expect(logged, 'every answered scan has its access-log row').toBeGreaterThanOrEqual(answered.length);
    } finally {
      await db.close();
    }

    // And the server starts again at once on the same data; a SIGTERM the moment it serves (a
    // container stopped right after its start) stops it cleanly too, never half-way.
    const again = await startServe(site);
    again.child.kill('SIGTERM');
    const stopped = await again.done;
    expect(stopped.code, stopped.stderr).toBe(0);
  });

  it('npm start: SIGTERM to the npm process reaches the server, which stops cleanly (exit 0)', async () => {
    const port = await freePort();
    const npm = spawn('npm', ['start'], { cwd: ROOT, env: childEnv(site, { PORT: String(port), LOG_LEVEL: 'info' }), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(npm);
    let out = '';
    npm.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    npm.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const done = new Promise<Result>((resolve, reject) => {
      npm.once('error', reject);
      npm.once('close', (code) => resolve({ code, stdout: out, stderr: '' }));
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntilServing(url, done);
    // The server is npm's own child (`exec node …`), not a shell's: npm forwards the signal to it.
    const serverPid = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(npm.pid)], { encoding: 'utf8' }).trim().split(/\s+/)[0]);
    expect(serverPid).toBeGreaterThan(0);
    grandchildren.add(serverPid);
    expect(execFileSync('ps', ['-o', 'args=', '-p', String(serverPid)], { encoding: 'utf8' })).toMatch(/^node .*scripts\/tachiai\.mjs serve/);

    npm.kill('SIGTERM');
    const result = await done;
    expect(result.code, out).toBe(0);
    expect(out).toContain('"msg":"stopped"');
    const alive = (() => {
      try {
        process.kill(serverPid, 0);
        return true;
      } catch {
        return false;
      }
    })();
    expect(alive, 'the server process is gone').toBe(false);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    if (kind === 'embedded') expect(fs.existsSync(path.join(site.dataDir, 'tachiai.lock'))).toBe(false);
    const verify = await run(site, ['verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});
