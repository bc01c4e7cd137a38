// Notifications to the depositor (E1.1: resignations and transfers are reported at once).
// They stay listed on the front desk until someone acknowledges them.
import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';

/**
 * One notification per depositor concerned (`depositorOrgIds`: those whose information the person
 * handled); with none, one for the site's own record.
 */
export async function notifyDepositors(trx: Knex, input: { depositorOrgIds: string[]; kind: string; personId: string | null; message: string; details: Record<string, unknown> }): Promise<string[]> {
  const targets: Array<string | null> = input.depositorOrgIds.length > 0 ? input.depositorOrgIds : [null];
  const rows = (await trx('notifications')
    .insert(targets.map((depositorOrgId) => ({ kind: input.kind, depositor_org_id: depositorOrgId, person_id: input.personId, message: input.message, details: JSON.stringify(input.details) })))
    .returning(['id'])) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

interface NotificationRow {
  id: string;
  kind: string;
  depositor_org_id: string | null;
  depositor_name: string | null;
  person_id: string | null;
  message: string;
  details: string;
  created_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
}

export function notificationJson(row: NotificationRow, tz: string) {
  return {
    id: row.id,
    kind: row.kind,
    depositorOrgId: row.depositor_org_id,
    depositorName: row.depositor_name,
    personId: row.person_id,
    message: row.message,
    details: JSON.parse(row.details) as Record<string, unknown>,
    createdAt: toRfc3339(row.created_at, tz),
    acknowledgedAt: toRfc3339OrNull(row.acknowledged_at, tz),
    acknowledgedBy: row.acknowledged_by,
  };
}

function baseQuery(db: Knex) {
  return db('notifications as n').leftJoin('organisations as o', 'o.id', 'n.depositor_org_id').select('n.*', 'o.name as depositor_name');
}

export async function listNotifications(db: Knex, open: boolean | undefined, limit: number): Promise<NotificationRow[]> {
  const q = baseQuery(db).orderBy('n.created_at', 'desc').limit(limit);
  if (open === true) q.whereNull('n.acknowledged_at');
  if (open === false) q.whereNotNull('n.acknowledged_at');
  return (await q) as NotificationRow[];
}

export async function acknowledgeNotification(trx: Knex, id: string, actor: { accountId: string; personId: string }): Promise<NotificationRow> {
  const row = (await baseQuery(trx).where('n.id', id).forUpdate('n').first()) as NotificationRow | undefined;
  if (!row) throw new NotFoundError('notification');
  if (row.acknowledged_at) throw new ConflictError('already_acknowledged', 'This notification was already acknowledged.');
  await trx('notifications').where({ id }).update({ acknowledged_at: trx.fn.now(), acknowledged_by: actor.personId });
  await appendJournal(trx, { actor: actor.accountId, action: 'notifications.acknowledged', subject: `notification:${id}`, payload: { kind: row.kind } });
  return (await baseQuery(trx).where('n.id', id).first()) as NotificationRow;
}
