// Prometheus metrics (issue 17, item 7), served at /metrics in the Prometheus text format.
//
// Counters and histograms count what happened in this process since it started — each server
// keeps its own, and Prometheus adds them up across servers (sum by (…)). Values that must be the
// same whatever server is asked (the journal's intake lag, the age of the last backup) are read
// from the database when /metrics is scraped. Nothing here runs on a timer.
//
// The hooks where things happen cost one counter increment or one histogram observation each: the
// route kernel and the fast lane (request latency by route template and status class), the door
// (scans by decision), sign-in (failures by reason).
import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppContext } from '../context.js';
import type { Workers } from '../workers.js';
import { VERSION } from '../version.js';
import { operationsFacts } from './facts.read-model.js';

/** Seconds, for request latency: a scan takes milliseconds, a report or an export seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A scrape's reads of the database give up after this (the metrics of the process still answer). */
const SCRAPE_DB_TIMEOUT_MS = 5_000;

/** Records one answered request: its status and when it started (performance.now()). */
export type RequestTimer = (status: number, startedMs: number) => void;

/** The process's own metrics (CPU, memory, event loop, GC): one set per process, made on first use. */
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

interface PoolStats {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
  max: number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly scans = new Counter({ name: 'tachiai_scans_total', help: 'Door scans answered by this process, by decision', labelNames: ['decision'] as const, registers: [this.registry] });
  private readonly doorMessages = new Counter({
    name: 'tachiai_door_messages_total',
    help: 'Door controller messages over MQTT taken by this process, by outcome (recorded, duplicate, state, heartbeat, or dropped: oversized, malformed, unknown_door, revoked_door, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly signInFailures = new Counter({
    name: 'tachiai_signin_failures_total',
    help: 'Failed sign-ins (and wrong current passwords) counted by this process, by reason; locked: refused while the name is locked',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly requestDuration = new Histogram({
    name: 'tachiai_http_request_duration_seconds',
    help: 'API requests answered by this process: time from the route taking the request to the answer, by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly databaseUp = new Gauge({ name: 'tachiai_database_up', help: '1 when the database answered this scrape, else 0', registers: [this.registry] });
  private readonly intakeWaiting = new Gauge({ name: 'tachiai_journal_intake_waiting', help: 'Journal events waiting to be chained (site-wide, read at scrape)', registers: [this.registry] });
  private readonly intakeOldest = new Gauge({ name: 'tachiai_journal_intake_oldest_age_seconds', help: 'Age of the oldest journal event waiting to be chained, 0 when none waits (site-wide, read at scrape)', registers: [this.registry] });
  private readonly backupAge = new Gauge({ name: 'tachiai_backup_last_success_age_seconds', help: 'Seconds since the last successful backup finished (site-wide, read at scrape); absent when none is recorded', registers: [this.registry] });
  private readonly escrowed = new Gauge({ name: 'tachiai_secrets_escrowed', help: '1 when an export of the secrets to the escrow is recorded, else 0; absent when the database cannot say', registers: [this.registry] });
  private readonly doorAlarmsOpen = new Gauge({ name: 'tachiai_door_alarms_open', help: 'Door alarms not yet acknowledged, by kind (site-wide, read at scrape); a kind without an open alarm has no series', labelNames: ['kind'] as const, registers: [this.registry] });
  private readonly fireRelease = new Gauge({ name: 'tachiai_fire_release_active', help: '1 while a fire release holds every door of the site open, else 0 (site-wide, read at scrape)', registers: [this.registry] });
  private readonly workerHealthy = new Gauge({ name: 'tachiai_worker_healthy', help: 'Background workers of this process: 1 running, 0 failing or stopped', labelNames: ['worker'] as const, registers: [this.registry] });

  constructor(private readonly app: Pick<AppContext, 'db' | 'workers'>) {
    // The process's metrics count from now (CPU, event loop delay), not from the first scrape.
    processMetrics();
    new Gauge({ name: 'tachiai_info', help: 'Version and database kind of this process', labelNames: ['version', 'database'] as const, registers: [this.registry] }).set({ version: VERSION, database: app.db.kind }, 1);
    const pool = () => (app.db.knex.client as { pool?: PoolStats }).pool;
    // The knex pool: PostgreSQL's connections; the embedded database has one connection (max 1),
    // and its pending acquires are the statements queued for it.
    new Gauge({
      name: 'tachiai_db_pool_connections',
      help: 'Database pool connections of this process, by state (used, free)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const p = pool();
        this.set({ state: 'used' }, p?.numUsed() ?? 0);
        this.set({ state: 'free' }, p?.numFree() ?? 0);
      },
    });
    new Gauge({ name: 'tachiai_db_pool_max', help: 'Most connections the pool of this process opens', registers: [this.registry], collect() { this.set(pool()?.max ?? 0); } });
    new Gauge({ name: 'tachiai_db_pool_pending_acquires', help: 'Queries of this process waiting for a pool connection', registers: [this.registry], collect() { this.set(pool()?.numPendingAcquires() ?? 0); } });
    new Gauge({ name: 'tachiai_db_pool_pending_creates', help: 'Pool connections of this process being opened', registers: [this.registry], collect() { this.set(pool()?.numPendingCreates() ?? 0); } });
  }

  countScan(decision: 'granted' | 'denied'): void {
    this.scans.inc({ decision });
  }

  countDoorMessage(outcome: string): void {
    this.doorMessages.inc({ outcome });
  }

  countSignInFailure(reason: string): void {
    this.signInFailures.inc({ reason });
  }

  /** A recorder of one route's latency (made once per route, so that a request only observes). */
  requestTimer(method: string, route: string): RequestTimer {
    const m = method.toUpperCase();
    const byClass: Array<{ observe(value: number): void } | undefined> = [];
    return (status, startedMs) => {
      const cls = (status / 100) | 0;
      const child = (byClass[cls] ??= this.requestDuration.labels(m, route, `${cls}xx`));
      child.observe((performance.now() - startedMs) / 1000);
    };
  }

  /** The text Prometheus scrapes: the process's metrics, then Tachiai's. */
  async scrape(): Promise<string> {
    await this.readDatabase();
    for (const [worker, h] of Object.entries(this.app.workers.health())) this.workerHealthy.set({ worker }, h.state === 'running' ? 1 : 0);
    return `${await processMetrics().metrics()}\n${await this.registry.metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The site-wide values, read now; when the database does not answer they are left out. */
  private async readDatabase(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const facts = await Promise.race([
        operationsFacts(this.app.db.knex),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), SCRAPE_DB_TIMEOUT_MS);
        }),
      ]);
      this.databaseUp.set(1);
      this.intakeWaiting.set(facts.intakeWaiting);
      this.intakeOldest.set(facts.intakeOldestSeconds);
      if (facts.lastBackupAgeSeconds === null) this.backupAge.remove();
      else this.backupAge.set(facts.lastBackupAgeSeconds);
      if (facts.secretsEscrowedAt === undefined) this.escrowed.remove();
      else this.escrowed.set(facts.secretsEscrowedAt ? 1 : 0);
      // The kinds with an open alarm (an alert: sum(tachiai_door_alarms_open) > 0); a kind with none has no series.
      this.doorAlarmsOpen.reset();
      if (facts.doorAlarmsOpen) for (const [kind, n] of Object.entries(facts.doorAlarmsOpen)) this.doorAlarmsOpen.set({ kind }, n);
      if (facts.fireReleaseActive === null) this.fireRelease.remove();
      else this.fireRelease.set(facts.fireReleaseActive ? 1 : 0);
    } catch {
      this.databaseUp.set(0);
      for (const gauge of [this.intakeWaiting, this.intakeOldest, this.backupAge, this.escrowed, this.fireRelease]) gauge.remove();
      this.doorAlarmsOpen.reset();
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Keyed by the context's workers: the context object may be copied (tests), its workers are not. */
const byContext = new WeakMap<Workers, Metrics>();

/** This process's metrics of `app` (made on first use). */
export function metricsOf(app: Pick<AppContext, 'db' | 'workers'>): Metrics {
  let metrics = byContext.get(app.workers);
  if (!metrics) {
    metrics = new Metrics(app);
    byContext.set(app.workers, metrics);
  }
  return metrics;
}
