// Backups through the API (issue 17, E2.12/E2.13): the list of backups taken (scheduled and
// manual, with their outcome), and a backup taken now by an authorised person, who signs for it
// with badge + PIN — never by anyone else's hand.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idSchema, text } from '../shared/schemas.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { AppError, ConflictError, ForbiddenError } from '../errors.js';
import { verifySigners } from '../signatures/service.js';
import { listBackups, takeManualBackup, type BackupRow } from './daily.js';

const error = (description: string) => ({ description, schema: errorSchema });

const backupSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['scheduled', 'manual', 'command']),
    day: z.string().nullable().describe('The site day of a scheduled backup'),
    status: z.enum(['running', 'ok', 'failed']),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    server: z.string().describe('host:pid of the server that took it'),
    dir: z.string().describe("That server's BACKUP_DIR"),
    file: z.string().nullable(),
    bytes: z.number().nullable(),
    sha256: z.string().nullable().describe('SHA-256 of the sealed file as written'),
    rows: z.number().nullable(),
    takenBy: z.string().describe('system:backup, or the account of the authorised person'),
    takenByPersonId: z.string().nullable(),
    mediumLocation: z.string().nullable().describe('Where the backup medium is kept (E2.13)'),
    error: z.string().nullable(),
  })
  .meta({ id: 'Backup' });

function backupJson(r: BackupRow, tz: string): z.infer<typeof backupSchema> {
  return {
    id: r.id,
    kind: r.kind,
    day: r.day === null ? null : typeof r.day === 'string' ? r.day : new Date(r.day).toISOString().slice(0, 10),
    status: r.status,
    startedAt: toRfc3339(r.started_at, tz),
    finishedAt: toRfc3339OrNull(r.finished_at, tz),
    server: r.server,
    dir: r.dir,
    file: r.file,
    bytes: r.bytes === null ? null : Number(r.bytes),
    sha256: r.sha256,
    rows: r.rows === null ? null : Number(r.rows),
    takenBy: r.taken_by,
    takenByPersonId: r.taken_by_person_id,
    mediumLocation: r.medium_location,
    error: r.error,
  };
}

export const backupRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/backups',
    summary: 'Backups taken, newest first: scheduled (one a day) and manual, with their outcome',
    tags: ['operations'],
    access: 'backups:read',
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(60) }),
    responses: { 200: { description: 'Backups', schema: z.object({ items: z.array(backupSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => ({ json: { items: (await listBackups(db, query.limit)).map((r) => backupJson(r, app.config.displayTimeZone)), nextCursor: null } }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/backups',
    summary: "Take a backup now into this server's BACKUP_DIR (E2.13: an authorised person, with their own badge and PIN)",
    description: 'Answers when the backup is written (a large site takes minutes). The backup and its outcome are recorded and journaled; a failure answers 503 with its reason, recorded too.',
    tags: ['operations'],
    access: 'backups:write',
    transaction: false,
    body: z.strictObject({
      signer: z.strictObject({ personId: idSchema, badge: z.string().trim().min(1).max(512), pin: z.string().min(1).max(64) }),
      mediumLocation: text(200).optional().describe('Where the backup medium will be kept, e.g. 第2金庫'),
    }),
    responses: {
      201: { description: 'Written', schema: backupSchema },
      400: error('signature_invalid (badge or PIN)'),
      403: error('Not an authorised or responsible person, or signing with someone else\'s badge'),
      409: error('backup_dir_not_configured'),
      423: error('The PIN is locked'),
      503: error('backup_failed: the reason (e.g. BACKUP_DIR not writable, disk full); recorded'),
    },
    handler: async ({ app, body, actor }) => {
      if (!actor!.roles.some((r) => r === 'responsible' || r === 'authorized')) throw new ForbiddenError('forbidden', 'A backup is taken by an authorised person (権限者) or the responsible person (E2.13).');
      if (body.signer.personId !== actor!.personId) throw new ForbiddenError('signer_not_you', 'You sign for the backup with your own badge and PIN.');
      if (!app.config.backupDir) throw new ConflictError('backup_dir_not_configured', 'This server has no BACKUP_DIR: set it (docs/operations.md, "Backup") and try again.');
      await verifySigners(app, [{ ...body.signer, meaning: 'took backup', field: 'body.signer' }]);
      const row = await takeManualBackup(app, { accountId: actor!.accountId, personId: actor!.personId }, body.mediumLocation ?? null);
      if (row.status !== 'ok') throw new AppError(503, 'backup_failed', `The backup failed: ${row.error ?? 'unknown reason'}. It is recorded; the server keeps serving.`);
      return { status: 201, json: backupJson(row, app.config.displayTimeZone) };
    },
  }),
];
