// Contacts and the outbox (issue 15). A notice is a row written in the transaction of the event
// that causes it — so it exists exactly when its cause does, and a rolled-back event sends
// nothing. Delivery (./delivery.ts) claims rows later, on any server. Nothing is sent to an
// address that is not on file: recipients are contact records and the site's own people.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { siteOf } from '../system/site.js';
import { renderNotice, type NoticeFacts } from './templates.js';
import { oneLine, ROLE_NOTICES, type NoticeKind, type NoticeLang } from './rules.js';
import { depositorOrgIds, peopleWithRoles } from './recipients.read-model.js';
import { claimWitnessAlarms } from '../journal/witness-client.js';
import { startEpoch, type NewEpoch } from '../journal/epochs.js';
import { currentEpoch } from '../journal/tlog-store.js';
import { verifierFor } from '../journal/note.js';
import { displayDateTime } from '../shared/time.js';

// ---- Contacts ---------------------------------------------------------------------------------

export interface ContactRow {
  id: string;
  org_id: string;
  name: string;
  email: string;
  lang: NoticeLang;
  kinds: string[];
  created_at: Date;
  created_by: string;
  removed_at: Date | null;
  removed_by: string | null;
}

export async function listContacts(db: Knex, orgId: string): Promise<ContactRow[]> {
  return (await db('contacts').where({ org_id: orgId }).whereNull('removed_at').orderBy('created_at')) as ContactRow[];
}

export async function getContact(db: Knex, id: string): Promise<ContactRow> {
  const row = (await db('contacts').where({ id }).whereNull('removed_at').first()) as ContactRow | undefined;
  if (!row) throw new NotFoundError('contact');
  return row;
}

export async function addContact(trx: Knex, orgId: string, input: { name: string; email: string; lang: NoticeLang; kinds: string[] }, actor: string): Promise<ContactRow> {
  const [row] = (await trx('contacts')
    .insert({ org_id: orgId, name: input.name, email: input.email, lang: input.lang, kinds: input.kinds, created_by: actor })
    .returning('*')) as ContactRow[];
  await appendJournal(trx, { actor, action: 'contacts.added', subject: `contact:${row!.id}`, payload: { orgId, name: input.name, email: input.email, lang: input.lang, kinds: input.kinds } });
  return row!;
}

/** A contact's name, address, language or kinds changed; the journal keeps the old and the new address. */
export async function changeContact(trx: Knex, id: string, input: { name?: string | undefined; email?: string | undefined; lang?: NoticeLang | undefined; kinds?: string[] | undefined }, actor: string): Promise<ContactRow> {
  const before = (await trx('contacts').where({ id }).whereNull('removed_at').forUpdate().first()) as ContactRow | undefined;
  if (!before) throw new NotFoundError('contact');
  const changes: Record<string, unknown> = {};
  if (input.name !== undefined && input.name !== before.name) changes.name = input.name;
  if (input.email !== undefined && input.email !== before.email) changes.email = input.email;
  if (input.lang !== undefined && input.lang !== before.lang) changes.lang = input.lang;
  if (input.kinds !== undefined && [...input.kinds].sort().join() !== [...before.kinds].sort().join()) changes.kinds = input.kinds;
  if (Object.keys(changes).length === 0) return before;
  const [row] = (await trx('contacts').where({ id }).update(changes).returning('*')) as ContactRow[];
  await appendJournal(trx, {
    actor,
    action: 'contacts.changed',
    subject: `contact:${id}`,
    payload: { orgId: before.org_id, ...changes, ...(changes.email !== undefined ? { previousEmail: before.email } : {}) },
  });
  return row!;
}

export async function removeContact(trx: Knex, id: string, actor: string): Promise<void> {
  const [row] = (await trx('contacts').where({ id }).whereNull('removed_at').update({ removed_at: trx.fn.now(), removed_by: actor }).returning(['id', 'org_id', 'email'])) as Array<{ id: string; org_id: string; email: string }>;
  if (!row) throw new NotFoundError('contact');
  await appendJournal(trx, { actor, action: 'contacts.removed', subject: `contact:${id}`, payload: { orgId: row.org_id, email: row.email } });
}

// ---- The outbox -------------------------------------------------------------------------------

export interface Recipient {
  name: string;
  email: string;
  lang: NoticeLang;
  orgId?: string | null;
  contactId?: string | null;
  personId?: string | null;
}

/** The contact persons of these organisations who receive `kind`. */
export async function contactRecipients(db: Knex, orgIds: readonly string[], kind: NoticeKind): Promise<Recipient[]> {
  if (orgIds.length === 0) return [];
  const rows = (await db('contacts').whereIn('org_id', orgIds).whereNull('removed_at').whereRaw('? = ANY(kinds)', [kind]).orderBy('created_at')) as ContactRow[];
  return rows.map((c) => ({ name: c.name, email: c.email, lang: c.lang, orgId: c.org_id, contactId: c.id }));
}

/** The site's people who receive `kind` by their role. */
export async function roleRecipients(db: Knex, kind: NoticeKind): Promise<Recipient[]> {
  const people = await peopleWithRoles(db, ROLE_NOTICES[kind]);
  return people.map((p) => ({ name: p.name, email: p.email, lang: p.notice_lang === 'en' ? 'en' : 'ja', personId: p.id }));
}

/** The Message-ID's domain: the sender's, else one under the site's name that cannot be a real host. */
function messageIdDomain(mailFrom: string | undefined, siteId: string): string {
  const domain = mailFrom ? /@([A-Za-z0-9.-]+)>?\s*$/.exec(mailFrom)?.[1] : undefined;
  return domain ?? `${siteId}.tachiai.invalid`;
}

/**
 * Writes one notice per recipient, in the caller's transaction, each in the recipient's language,
 * with a stable Message-ID (a retry sends the same one, so a mail client shows it once).
 * `cause` is the journal subject and action of the event that caused it.
 */
export async function enqueueNotices(app: AppContext, trx: Knex, notice: NoticeFacts, recipients: Recipient[], cause: { subject: string; action: string }, actor: string): Promise<string[]> {
  if (recipients.length === 0) return [];
  const site = await siteOf(app);
  const domain = messageIdDomain(app.config.mailFrom, site.id);
  const ids: string[] = [];
  for (const r of recipients) {
    const id = crypto.randomUUID();
    const rendered = renderNotice(notice, r.lang);
    const messageId = `<notice-${id}@${domain}>`;
    await trx('notices').insert({
      id,
      kind: notice.kind,
      cause_subject: cause.subject,
      cause_action: cause.action,
      org_id: r.orgId ?? null,
      contact_id: r.contactId ?? null,
      person_id: r.personId ?? null,
      recipient_name: oneLine(r.name),
      recipient_email: r.email,
      lang: r.lang,
      subject: rendered.subject,
      body_text: rendered.text,
      message_id: messageId,
    });
    await appendJournal(trx, { actor, action: 'notices.queued', subject: `notice:${id}`, payload: { kind: notice.kind, to: r.email, orgId: r.orgId ?? null, contactId: r.contactId ?? null, personId: r.personId ?? null, messageId, cause } });
    ids.push(id);
  }
  return ids;
}

export interface NoticeRow {
  id: string;
  kind: NoticeKind;
  cause_subject: string;
  cause_action: string;
  org_id: string | null;
  contact_id: string | null;
  person_id: string | null;
  recipient_name: string;
  recipient_email: string;
  lang: NoticeLang;
  subject: string;
  body_text: string;
  message_id: string;
  status: 'queued' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  lease_until: Date | null;
  leased_by: string | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
}

export function listNotices(db: Knex, filter: { status?: string | undefined; kind?: string | undefined; orgId?: string | undefined }, limit: number, after: [string, string] | null) {
  const q = db<NoticeRow>('notices').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit + 1);
  if (filter.status) q.where('status', filter.status);
  if (filter.kind) q.where('kind', filter.kind);
  if (filter.orgId) q.where('org_id', filter.orgId);
  if (after) q.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', after);
  return q as unknown as Promise<NoticeRow[]>;
}

export async function getNotice(db: Knex, id: string): Promise<NoticeRow> {
  const row = (await db('notices').where({ id }).first()) as NoticeRow | undefined;
  if (!row) throw new NotFoundError('notice');
  return row;
}

/** A failed notice is tried again from the start (its Message-ID stays the same). */
export async function retryNotice(trx: Knex, id: string, actor: string): Promise<NoticeRow> {
  const [row] = (await trx('notices')
    .where({ id, status: 'failed' })
    .update({ status: 'queued', attempts: 0, next_attempt_at: trx.fn.now(), failed_at: null, lease_until: null, leased_by: null })
    .returning('*')) as NoticeRow[];
  if (!row) {
    await getNotice(trx, id);
    throw new ConflictError('not_failed', 'Only a notice whose delivery failed can be tried again.');
  }
  await appendJournal(trx, { actor, action: 'notices.requeued', subject: `notice:${id}`, payload: { messageId: row.message_id } });
  return row;
}

/**
 * Issue 19: a witness refused a checkpoint of the journal (a fork or a rollback). Each alarm is
 * noticed once — to the responsible persons and to every depositor's contacts who receive alarms
 * — and journaled, in one transaction; several servers claim it, one wins.
 */
export async function noticeWitnessAlarms(app: AppContext, origin: string): Promise<number> {
  return app.db.knex.transaction(async (trx) => {
    const alarms = await claimWitnessAlarms(trx, origin);
    if (alarms.length === 0) return 0;
    const site = await siteOf(app);
    const recipients = [...(await roleRecipients(trx, 'alarm')), ...(await contactRecipients(trx, await depositorOrgIds(trx), 'alarm'))];
    for (const a of alarms) {
      const witness = a.vkey.split('+')[0]!;
      await appendJournal(trx, { actor: 'system:journal', action: 'journal.witness_alarm', subject: `witness:${witness}`, payload: { origin, vkey: a.vkey, message: a.message, alarmAt: a.alarmAt.toISOString() } });
      await enqueueNotices(
        app,
        trx,
        { kind: 'alarm', facts: { siteName: { ja: site.nameJa, en: site.nameEn }, witness, at: displayDateTime(a.alarmAt, app.config.displayTimeZone), message: a.message ?? '' } },
        recipients,
        { subject: `witness:${witness}`, action: 'journal.witness_alarm' },
        'system:journal',
      );
    }
    return alarms.length;
  });
}

/**
 * Issue 19, item 6a: `tachiai new-epoch` — the journal's log starts a new origin, in one
 * transaction: the epoch and its journal entry (journal/epochs.ts), the old origin's alarms not yet
 * noticed are noticed first (so none is lost when the epoch retires them), and the new epoch is
 * noticed to the responsible persons and to every depositor's contacts who receive alarms, with the
 * new origin's verifier key for their witnesses.
 */
export async function startNewEpoch(app: AppContext, firstOrigin: string, options: { actor: string; lastCheckpoint?: string }): Promise<NewEpoch> {
  const previousOrigin = (await currentEpoch(app.db.knex, firstOrigin)).origin;
  await noticeWitnessAlarms(app, previousOrigin);
  // Read before the transaction: on the embedded database (one connection) a first read inside it would wait for itself.
  const site = await siteOf(app);
  return app.db.knex.transaction(async (trx) => {
    const made = await startEpoch(trx, app.secrets.signing, firstOrigin, options);
    const recipients = [...(await roleRecipients(trx, 'alarm')), ...(await contactRecipients(trx, await depositorOrgIds(trx), 'alarm'))];
    await enqueueNotices(
      app,
      trx,
      {
        kind: 'alarm',
        facts: {
          siteName: { ja: site.nameJa, en: site.nameEn },
          epoch: made.epoch,
          origin: made.origin,
          previousOrigin: made.previousOrigin,
          previousSize: made.previous?.size ?? null,
          startedSeq: made.entry.seq,
          vkey: verifierFor(made.origin, app.secrets.signing.publicKey).vkey,
          at: displayDateTime(made.entry.at, app.config.displayTimeZone),
        },
      },
      recipients,
      { subject: `log:${made.origin}`, action: 'journal.new_epoch' },
      options.actor,
    );
    return made;
  });
}
