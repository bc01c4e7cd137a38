// The Tachiai server as a child process for the benchmarks: started with the flags of `npm start`
// on a free loopback port, its output kept (the last lines, for a failure), its RSS sampled, ready
// once /api/health answers.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, httpRequest, RssSampler, sleep } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The V8 flags of `npm start` (package.json), unless BENCH_NODE_ARGS says otherwise. */
export function serverNodeArgs(extra: string[] = []): string[] {
  return [...(process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=4 --heap-growing-percent=50').split(' ').filter(Boolean), ...extra];
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  rss: RssSampler;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone (or given up on). */
  stop(graceMs?: number): Promise<void>;
}

export async function startServerProcess(options: { env: Record<string, string | undefined>; nodeArgs?: string[]; log: (message: string) => void; echoLines?: number }): Promise<ServerProcess> {
  const port = await freePort();
  // A variable given as undefined is removed (DATABASE_URL, for the embedded database).
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...options.env, PORT: String(port), HOST: '127.0.0.1' };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? serverNodeArgs()), path.join(ROOT, 'scripts/tachiai.mjs'), 'serve'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output: string[] = [];
  let lines = 0;
  // BENCH_SERVER_LOG=FILE keeps all the server's output (e.g. with --trace-gc in BENCH_NODE_ARGS).
  const serverLog = process.env.BENCH_SERVER_LOG ? fs.createWriteStream(process.env.BENCH_SERVER_LOG) : null;
  const onOutput = (chunk: Buffer) => {
    serverLog?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 50) output.shift();
      if (lines++ < (options.echoLines ?? 20)) options.log(`  [server] ${line.slice(0, 300)}`);
    }
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    // Bounded even if the exit was missed: SIGKILL after graceMs, give up 5 s later.
    await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, graceMs + 5000).unref())]);
    clearTimeout(timer);
  };
  const rss = new RssSampler(child.pid!, 200);
  const probe = new http.Agent({ keepAlive: false });
  const readyBy = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}:\n${output.join('\n')}`);
    const ok = await httpRequest(probe, port, 'GET', '/api/health', { timeoutMs: 2000 }).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > readyBy) {
      await stop();
      throw new Error('the server did not become healthy within 120 s');
    }
    await sleep(200);
  }
  return { child, port, rss, exited, stop };
}
