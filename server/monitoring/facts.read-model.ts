// What readiness and the metrics read from the database at the moment they are asked (values that
// must be the same on every server: the journal's intake lag, the last backup, the secrets
// escrow). Written so that it works on a database without the backups table or the escrow column
// (an older schema, before the migration of issue 17): those answers are then null.
import type { Knex } from 'knex';

export interface OperationsFacts {
  /** Journal events waiting in the intake to be chained (counted up to INTAKE_COUNT_CAP). */
  intakeWaiting: number;
  /** Age of the oldest waiting event, in seconds (0 when none waits). */
  intakeOldestSeconds: number;
  /** The last successful backup, or null (none yet, or no backups table). */
  lastBackupOkAt: Date | null;
  lastBackupAgeSeconds: number | null;
  /** Whether the backups table exists at all. */
  backupsRecorded: boolean;
  /** When the secrets were last exported to the escrow: null if never, undefined if the database cannot say. */
  secretsEscrowedAt: Date | null | undefined;
  /** The journal as a transparency log (issue 19): age of the newest checkpoint a witness cosigned (null: none), witnesses in alarm (null: no such tables). */
  cosignedAgeSeconds: number | null;
  witnessAlarms: number | null;
  /** Doors (issue 20): open (unacknowledged) door alarms by kind, and whether a fire release is in force; null: no such tables. */
  doorAlarmsOpen: Record<string, number> | null;
  fireReleaseActive: boolean | null;
}

/** Counting stops here: beyond it, "very many" is all that matters (and the count stays cheap). */
export const INTAKE_COUNT_CAP = 100_000;

const FACTS_SQL = `
SELECT (SELECT count(*) FROM (SELECT 1 FROM journal_intake LIMIT ${INTAKE_COUNT_CAP}) w) AS intake_waiting,
       (SELECT greatest(extract(epoch FROM now() - i.at), 0) FROM journal_intake i ORDER BY i.id LIMIT 1) AS intake_oldest_seconds,
       to_regclass('backups') IS NOT NULL AS has_backups,
       (SELECT (to_jsonb(s) -> 'secrets_escrowed_at') IS NOT NULL FROM site_settings s WHERE s.id = 1) AS has_escrow,
       (SELECT to_jsonb(s) ->> 'secrets_escrowed_at' FROM site_settings s WHERE s.id = 1) AS escrowed_at,
       to_regclass('journal_witnesses') IS NOT NULL AS has_witnesses,
       to_regclass('door_releases') IS NOT NULL AS has_doors`;

const DOORS_SQL = `
SELECT coalesce((SELECT jsonb_object_agg(a.kind, a.n) FROM (SELECT kind, count(*) AS n FROM door_alarms WHERE acknowledged_at IS NULL GROUP BY kind) a), '{}'::jsonb) AS alarms,
       EXISTS (SELECT 1 FROM door_releases r WHERE r.ended_at IS NULL) AS released`;

const TLOG_SQL = `
SELECT (SELECT count(*) FROM journal_witnesses w WHERE w.alarm_at IS NOT NULL) AS alarms,
       (SELECT greatest(extract(epoch FROM now() - c.signed_at), 0) FROM journal_tlog_checkpoints c
         WHERE EXISTS (SELECT 1 FROM journal_tlog_cosignatures s WHERE s.checkpoint_id = c.id)
         ORDER BY c.tree_size DESC LIMIT 1) AS cosigned_age`;

const BACKUP_SQL = `
SELECT max(b.finished_at) AS at, extract(epoch FROM now() - max(b.finished_at)) AS age
  FROM backups b WHERE b.status = 'ok'`;

interface FactsRow {
  intake_waiting: string | number;
  intake_oldest_seconds: string | number | null;
  has_backups: boolean;
  has_escrow: boolean | null;
  escrowed_at: string | null;
  has_witnesses: boolean;
  has_doors: boolean;
}

export async function operationsFacts(db: Knex): Promise<OperationsFacts> {
  const { rows } = (await db.raw(FACTS_SQL)) as { rows: FactsRow[] };
  const row = rows[0]!;
  let lastBackupOkAt: Date | null = null;
  let lastBackupAgeSeconds: number | null = null;
  if (row.has_backups) {
    try {
      const { rows: b } = (await db.raw(BACKUP_SQL)) as { rows: Array<{ at: Date | null; age: string | number | null }> };
      lastBackupOkAt = b[0]?.at ?? null;
      lastBackupAgeSeconds = b[0]?.age === null || b[0]?.age === undefined ? null : Math.max(0, Number(b[0].age));
    } catch {
      // A backups table of another shape: nothing can be said about it.
    }
  }
  let witnessAlarms: number | null = null;
  let cosignedAgeSeconds: number | null = null;
  if (row.has_witnesses) {
    const { rows: t } = (await db.raw(TLOG_SQL)) as { rows: Array<{ alarms: string | number; cosigned_age: string | number | null }> };
    witnessAlarms = Number(t[0]?.alarms ?? 0);
    cosignedAgeSeconds = t[0]?.cosigned_age === null || t[0]?.cosigned_age === undefined ? null : Math.round(Number(t[0].cosigned_age));
  }
  let doorAlarmsOpen: Record<string, number> | null = null;
  let fireReleaseActive: boolean | null = null;
  if (row.has_doors) {
    const { rows: d } = (await db.raw(DOORS_SQL)) as { rows: Array<{ alarms: Record<string, string | number> | string; released: boolean }> };
    // PGlite and pg both parse jsonb; a string (another driver's habit) is parsed here.
    const alarms = typeof d[0]?.alarms === 'string' ? (JSON.parse(d[0].alarms) as Record<string, string | number>) : (d[0]?.alarms ?? {});
    doorAlarmsOpen = Object.fromEntries(Object.entries(alarms).map(([k, v]) => [k, Number(v)]));
    fireReleaseActive = Boolean(d[0]?.released);
  }
  return {
    doorAlarmsOpen,
    fireReleaseActive,
    witnessAlarms,
    cosignedAgeSeconds,
    intakeWaiting: Number(row.intake_waiting),
    intakeOldestSeconds: row.intake_oldest_seconds === null ? 0 : Number(row.intake_oldest_seconds),
    lastBackupOkAt,
    lastBackupAgeSeconds,
    backupsRecorded: row.has_backups,
    secretsEscrowedAt: row.has_escrow ? (row.escrowed_at ? new Date(row.escrowed_at) : null) : undefined,
  };
}

/** The migrations recorded as applied (none when the database was never migrated). */
export async function appliedMigrations(db: Knex): Promise<string[]> {
  const { rows } = (await db.raw("SELECT to_regclass('knex_migrations') IS NOT NULL AS migrated")) as { rows: Array<{ migrated: boolean }> };
  if (!rows[0]?.migrated) return [];
  const { rows: applied } = (await db.raw('SELECT name FROM knex_migrations ORDER BY id')) as { rows: Array<{ name: string }> };
  return applied.map((r) => r.name);
}
