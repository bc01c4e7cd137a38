// Readiness (GET /api/health/ready, issue 17 item 7): may a load balancer send requests to this
// server? Ready when the database answers, every migration this version knows is applied, and no
// worker of this server has stopped. What an operator must see but that does not make this server
// unfit to serve (another server's work too) is answered as a warning: the journal's intake
// lagging, no recent backup, no escrow of the secrets, a periodic job failing, a database migrated
// by a newer version. Public, like liveness: states, ages and names only — no secret, no record.
import { knownMigrations } from '../../db/migrate.js';
import type { AppContext } from '../context.js';
import type { ErrorDetail } from '../errors.js';
import { toRfc3339 } from '../shared/time.js';
import { appliedMigrations, operationsFacts, type OperationsFacts } from './facts.read-model.js';

/** The journal's intake is lagging when its oldest event waits longer than this. */
export const INTAKE_LAG_WARNING_SECONDS = 60;
/** A daily backup, with two hours to spare. */
export const BACKUP_AGE_WARNING_SECONDS = 26 * 3600;
const DB_TIMEOUT_MS = 5_000;

export interface ReadinessChecks {
  database: { ok: boolean };
  migrations: { ok: boolean | null; pending: string[] | null; unknown: string[] | null };
  workers: { ok: boolean; states: Record<string, 'running' | 'stopped' | 'failing'> };
  journalIntake: { waiting: number | null; oldestAgeSeconds: number | null };
  backup: { lastSuccessAt: string | null; ageSeconds: number | null };
  secretsEscrowed: boolean | null;
  transparencyLog: { cosignedAgeSeconds: number | null; witnessAlarms: number | null };
}

export interface Warning {
  code: string;
  message: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessChecks;
  /** Why the server is not ready (empty when it is), as the details of an error answer. */
  problems: ErrorDetail[];
  warnings: Warning[];
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the database did not answer in time')), DB_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

const hours = (seconds: number) => Math.floor(seconds / 3600);

export async function readiness(app: AppContext): Promise<Readiness> {
  const problems: ErrorDetail[] = [];
  const warnings: Warning[] = [];
  const knex = app.db.knex;

  let facts: OperationsFacts | null = null;
  let applied: string[] | null = null;
  try {
    [facts, applied] = await withTimeout(Promise.all([operationsFacts(knex), appliedMigrations(knex)]));
  } catch {
    problems.push({ field: 'database', code: 'database_unavailable', message: 'The database does not answer.' });
  }

  const known = knownMigrations();
  const pending = applied ? known.filter((name) => !applied!.includes(name)) : null;
  const unknown = applied ? applied.filter((name) => !known.includes(name)) : null;
  if (pending && pending.length > 0) problems.push({ field: 'migrations', code: 'migrations_pending', message: `${pending.length} migration(s) not applied: run "tachiai migrate" (or start the server, which migrates).` });
  if (unknown && unknown.length > 0) warnings.push({ code: 'migrations_newer', message: `The database has migrations this version does not know (${unknown.join(', ')}): a newer version migrated it.` });

  const states = Object.fromEntries(Object.entries(app.workers.health()).map(([name, h]) => [name, h.state]));
  const stopped = Object.keys(states).filter((name) => states[name] === 'stopped');
  const failing = Object.keys(states).filter((name) => states[name] === 'failing');
  if (stopped.length > 0) problems.push({ field: 'workers', code: 'worker_stopped', message: `Stopped: ${stopped.join(', ')}.` });
  if (failing.length > 0) warnings.push({ code: 'worker_failing', message: `The last run failed: ${failing.join(', ')} (details in the server's log).` });

  if (facts) {
    if (facts.intakeOldestSeconds > INTAKE_LAG_WARNING_SECONDS) {
      warnings.push({ code: 'journal_intake_lagging', message: `Journal events have waited ${Math.round(facts.intakeOldestSeconds)} s to be chained.` });
    }
    if (facts.backupsRecorded && facts.lastBackupAgeSeconds === null) warnings.push({ code: 'no_backup', message: 'No successful backup is recorded.' });
    else if (facts.lastBackupAgeSeconds !== null && facts.lastBackupAgeSeconds > BACKUP_AGE_WARNING_SECONDS) {
      warnings.push({ code: 'backup_overdue', message: `The last successful backup is ${hours(facts.lastBackupAgeSeconds)} hours old.` });
    }
    // Issue 19: a witness refused a checkpoint as a fork or a rollback of the journal (422).
    if (facts.witnessAlarms) {
      warnings.push({ code: 'witness_alarm', message: `${facts.witnessAlarms} witness(es) refused a checkpoint of the journal as inconsistent with what they cosigned (a fork or a rollback): investigate at once (GET /api/journal/tlog).` });
    }
    if (facts.secretsEscrowedAt === null) {
      warnings.push({ code: 'secrets_not_escrowed', message: 'The secrets have not been exported to the escrow: run "tachiai secrets export --out FILE" and keep the file offline.' });
    }
  }

  return {
    ready: problems.length === 0,
    checks: {
      database: { ok: facts !== null },
      migrations: { ok: pending === null ? null : pending.length === 0, pending, unknown },
      workers: { ok: stopped.length === 0, states },
      journalIntake: { waiting: facts?.intakeWaiting ?? null, oldestAgeSeconds: facts ? Math.round(facts.intakeOldestSeconds) : null },
      backup: {
        lastSuccessAt: facts?.lastBackupOkAt ? toRfc3339(facts.lastBackupOkAt, app.config.displayTimeZone) : null,
        ageSeconds: facts && facts.lastBackupAgeSeconds !== null ? Math.round(facts.lastBackupAgeSeconds) : null,
      },
      secretsEscrowed: facts && facts.secretsEscrowedAt !== undefined ? facts.secretsEscrowedAt !== null : null,
      transparencyLog: { cosignedAgeSeconds: facts?.cosignedAgeSeconds ?? null, witnessAlarms: facts?.witnessAlarms ?? null },
    },
    problems,
    warnings,
  };
}
