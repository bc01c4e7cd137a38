// E1.1: a resignation or transfer takes effect at once — every badge and room access is revoked,
// sign-in ends, and the depositors whose information the person handled are notified (on screen
// and by e-mail to their contact persons, issue 15) — all in one transaction. This sequence sits above
// the modules it drives (people, badges, rooms, auth), so none of them imports another for it.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, ValidationError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { disableAccountsOfPerson } from '../auth/accounts.js';
import { revokeBadgesOfPerson } from '../badges/service.js';
import { removeAllRoomAccess } from '../rooms/service.js';
import { getPerson, markPersonLeft, type PersonRow } from '../people/service.js';
import { notifyDepositors } from '../people/notifications.js';
import { endDepositorAppointment, type EndReason } from '../people/duties.js';
import { contactRecipients, enqueueNotices } from '../notices/service.js';
import { depositorsHandledBy } from '../notices/recipients.read-model.js';
import { siteOf } from '../system/site.js';
import { displayDateTime } from '../shared/time.js';

export interface LeaveResult {
  person: PersonRow;
  revokedBadges: number;
  removedRoomAccess: number;
  endedSessions: number;
  notificationIds: string[];
  noticeIds: string[];
}

export async function recordLeave(
  app: AppContext,
  trx: Knex,
  personId: string,
  input: { reason: 'resigned' | 'transferred'; effectiveAt?: Date | undefined },
  actor: { accountId: string; personId: string | null },
): Promise<LeaveResult> {
  const person = await getPerson(trx, personId);
  if (person.left_at) throw new ConflictError('already_left', `${person.name} was already recorded as having left.`);
  const { rows } = await trx.raw('SELECT now() AS now');
  const now = (rows[0] as { now: Date }).now;
  const effectiveAt = input.effectiveAt ?? now;
  if (effectiveAt.getTime() > now.getTime() + 60_000) {
    throw new ValidationError('A leave is recorded when it happens; effectiveAt cannot be in the future.', [
      { field: 'body.effectiveAt', code: 'in_future', message: 'must not be in the future' },
    ]);
  }
  await markPersonLeft(trx, person, { reason: input.reason, effectiveAt }, actor);
  const revokedBadges = await revokeBadgesOfPerson(trx, personId, 'left', actor.accountId);
  const removedRoomAccess = await removeAllRoomAccess(trx, personId, actor.accountId);
  const endedSessions = await disableAccountsOfPerson(trx, personId);
  const label = input.reason === 'resigned' ? '退職' : '異動';
  const depositorOrgIds = await depositorsHandledBy(trx, personId, person.roles);
  const { notificationIds, noticeIds } = await reportPersonnelChange(app, trx, {
    person,
    depositorOrgIds,
    reason: input.reason,
    effectiveAt,
    message: `${person.name}（${person.org_name}）が${label}しました。入館証 ${revokedBadges} 枚と入室許可 ${removedRoomAccess} 件を取り消しました。 / ${person.name} (${person.org_name}) has ${input.reason === 'resigned' ? 'resigned' : 'been transferred'}; ${revokedBadges} badge(s) and ${removedRoomAccess} room access grant(s) revoked.`,
    details: { revokedBadges, removedRoomAccess, roles: person.roles },
    notice: { revokedBadges, removedRoomAccess },
    cause: { subject: `person:${personId}`, action: 'people.left' },
    actor: actor.accountId,
  });
  await appendJournal(trx, {
    actor: actor.accountId,
    action: 'people.left',
    subject: `person:${personId}`,
    payload: { reason: input.reason, effectiveAt: effectiveAt.toISOString(), revokedBadges, removedRoomAccess, endedSessions, roles: person.roles, notificationIds, noticeIds },
  });
  return { person: await getPerson(trx, personId), revokedBadges, removedRoomAccess, endedSessions, notificationIds, noticeIds };
}

/**
 * E1.1: an appointment for a depositor ended. A resignation or transfer is reported to that
 * depositor at once — a notification on screen and a notice to its contact persons — in the same
 * transaction; a replacement or another reason is only journaled. (A person who leaves altogether
 * goes through recordLeave, which ends their appointments and reports the leave.)
 */
export async function endAppointment(app: AppContext, trx: Knex, id: string, input: { reason: EndReason; endedAt?: Date | undefined; note?: string | undefined }, actor: string): Promise<{ notificationIds: string[]; noticeIds: string[] }> {
  const ended = await endDepositorAppointment(trx, id, input, actor);
  if (input.reason !== 'resigned' && input.reason !== 'transferred') return { notificationIds: [], noticeIds: [] };
  const person = await getPerson(trx, ended.person_id);
  const roleWord = ended.role === 'responsible' ? '責任者' : '担当者';
  const label = input.reason === 'resigned' ? '退職' : '異動';
  const endedAt = ended.ended_at!;
  const { notificationIds, noticeIds } = await reportPersonnelChange(app, trx, {
    person,
    depositorOrgIds: [ended.depositor_org_id],
    reason: input.reason,
    effectiveAt: endedAt,
    message: `${person.name}（${person.org_name}）が${label}により${roleWord}の選任を終了しました。 / ${person.name} (${person.org_name}) is no longer appointed as ${ended.role === 'responsible' ? 'responsible person' : 'staff member'} (${input.reason === 'resigned' ? 'resigned' : 'transferred'}).`,
    details: { appointmentId: id, role: ended.role },
    notice: { revokedBadges: 0, removedRoomAccess: 0, appointmentRole: ended.role },
    cause: { subject: `person:${person.id}`, action: 'people.depositor_appointment_ended' },
    actor,
  });
  await appendJournal(trx, { actor, action: 'people.appointment_end_notified', subject: `appointment:${id}`, payload: { notificationIds, noticeIds } });
  return { notificationIds, noticeIds };
}

/**
 * E1.1 「直ちに連絡」: a personnel change reported to the depositors concerned — a notification on
 * screen for each, and a notice to each depositor's own contact persons, naming nobody else's
 * organisation.
 */
async function reportPersonnelChange(
  app: AppContext,
  trx: Knex,
  input: {
    person: PersonRow;
    depositorOrgIds: string[];
    reason: 'resigned' | 'transferred';
    effectiveAt: Date;
    message: string;
    details: Record<string, unknown>;
    notice: { revokedBadges: number; removedRoomAccess: number; appointmentRole?: string };
    cause: { subject: string; action: string };
    actor: string;
  },
): Promise<{ notificationIds: string[]; noticeIds: string[] }> {
  const { person } = input;
  const notificationIds = await notifyDepositors(trx, {
    depositorOrgIds: input.depositorOrgIds,
    kind: 'personnel_change',
    personId: person.id,
    message: input.message,
    details: { personName: person.name, orgName: person.org_name, reason: input.reason, effectiveAt: input.effectiveAt.toISOString(), ...input.details },
  });
  const site = await siteOf(app);
  const noticeIds = await enqueueNotices(
    app,
    trx,
    {
      kind: 'personnel_change',
      facts: {
        siteName: { ja: site.nameJa, en: site.nameEn },
        personName: person.name,
        orgName: person.org_name,
        reason: input.reason,
        effectiveAt: displayDateTime(input.effectiveAt, app.config.displayTimeZone),
        roles: person.roles,
        ...input.notice,
      },
    },
    await contactRecipients(trx, input.depositorOrgIds, 'personnel_change'),
    input.cause,
    input.actor,
  );
  return { notificationIds, noticeIds };
}
