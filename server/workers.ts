// Background workers and per-database services of one application context, in one place: the
// scan coalescer, the live-log feed, the journal's intake chainer, the session lookups, the access
// log recorder, and the periodic jobs (checkpoints, after-hours alerts, retention, rate-limit
// clean-up). Each is registered by name on the context, shows its health, and stops with the
// others — adding one is one line, and stopping the server stops them all, newest first.
import type { Logger } from 'pino';

export interface WorkerHealth {
  state: 'running' | 'stopped' | 'failing';
  /** When a periodic job last finished (ISO 8601 UTC). */
  lastRunAt?: string;
  /** Why its last run failed (a message, never a stack). */
  lastError?: string;
}

export interface Worker {
  /**
   * The server takes no new requests (graceful shutdown): end what would hold a connection open
   * (live streams) and finish the work under way (a batch of scans). Called before any worker
   * stops, possibly more than once; the worker keeps serving what still comes meanwhile.
   */
  drain?(): Promise<void> | void;
  stop(): Promise<void> | void;
  health?(): WorkerHealth;
}

export class Workers {
  private readonly entries = new Map<string, Worker>();
  private stopped = false;

  constructor(private readonly logger: Pick<Logger, 'warn'>) {}

  /** The worker or service registered under `name`, made and registered on first use. */
  use<T extends Worker>(name: string, create: () => T): T {
    const known = this.entries.get(name);
    if (known) return known as T;
    if (this.stopped) throw new Error(`the application is stopping: ${name} cannot start`);
    const made = create();
    this.entries.set(name, made);
    return made;
  }

  /** The worker registered under `name`, or undefined (e.g. the door broker, whose publisher commands.ts uses). */
  get<T extends Worker>(name: string): T | undefined {
    return this.entries.get(name) as T | undefined;
  }

  /** Registers a worker started now (a periodic job); names are unique. */
  add(name: string, worker: Worker): void {
    if (this.entries.has(name)) throw new Error(`worker ${name} is registered already`);
    if (this.stopped) throw new Error(`the application is stopping: ${name} cannot start`);
    this.entries.set(name, worker);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  health(): Record<string, WorkerHealth> {
    return Object.fromEntries([...this.entries].map(([name, w]) => [name, w.health?.() ?? { state: this.stopped ? 'stopped' : 'running' }]));
  }

  /** Lets every worker finish its work under way and end its streams (Worker.drain), all at once. */
  async drainAll(): Promise<void> {
    await Promise.all(
      [...this.entries].map(async ([name, worker]) => {
        try {
          await worker.drain?.();
        } catch (err) {
          this.logger.warn({ worker: name, err: (err as Error).message }, 'a worker did not drain cleanly');
        }
      }),
    );
  }

  /**
   * Stops every worker once: first each finishes its work under way (drainAll), so that what a
   * worker registered earlier consumes (the journal's intake) still takes what a later one
   * produces (the door's scans); then they stop, newest first. One that fails to stop is logged
   * and the others still stop.
   */
  async stopAll(): Promise<void> {
    await this.drainAll();
    this.stopped = true;
    for (const [name, worker] of [...this.entries].reverse()) {
      try {
        await worker.stop();
      } catch (err) {
        this.logger.warn({ worker: name, err: (err as Error).message }, 'a worker did not stop cleanly');
      }
    }
  }
}

/**
 * A job that runs now and then every `everyMs` (the timer never keeps the process alive), with
 * its last run and error for the health check. A run still under way is not started twice.
 */
export function periodic(everyMs: number, run: () => Promise<unknown>, logger: Pick<Logger, 'warn'>, what: string, options: { runNow?: boolean } = {}): Worker {
  let lastRunAt: string | undefined;
  let lastError: string | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = run()
      .then(
        () => {
          lastError = undefined;
        },
        (err: unknown) => {
          lastError = (err as Error).message;
          logger.warn({ err: lastError }, `${what} failed`);
        },
      )
      .finally(() => {
        lastRunAt = new Date().toISOString();
        running = null;
      });
  };
  if (options.runNow ?? true) tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    health: () => ({ state: stopped ? 'stopped' : lastError ? 'failing' : 'running', ...(lastRunAt ? { lastRunAt } : {}), ...(lastError ? { lastError } : {}) }),
  };
}
