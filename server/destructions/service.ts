// Destruction events (E7.1–E7.4): one event destroys one or many media, all-or-nothing, in
// front of witnesses who sign with badge + PIN (at least one responsible or authorised person,
// E7.4), with the custody issue's presence rule. The certificate number is allocated in the same
// transaction from a per-year counter row: numbers have no gaps, even under concurrency.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, NotFoundError, ValidationError, type ErrorDetail } from '../errors.js';
import { appendJournal, findJournalEntry, MAIN_CHAIN, payloadsOf } from '../journal/journal.js';
import { proofFileFor } from '../journal/proofs.js';
import { getOrg, getPerson } from '../people/service.js';
import { hasValidConsent } from '../people/records.js';
import { placeViolations, witnessViolations } from '../signatures/rules.js';
import { assertPresent, getSignedRecord, getSignedRecords, newRecordId, recordSigned, verifySigners, type SignerInput, type StoredRecord } from '../signatures/service.js';
import { checkRecord } from '../signatures/integrity.js';
import { destroyedMediumFacts, destructionsQuery, getDestruction } from './destructions.read-model.js';
import { checkCodeFor, checkCodeHash, checkCodeMatches, destructionContent, destructionRowProblem, type DestroyedMediumFacts, type DestructionContent, type DestructionTableRow } from './record.js';
import { lockMedia, moveMedium, type MediumRow } from '../media/service.js';
import { assertMayDo } from '../media/rules.js';
import { zonedParts } from '../shared/time.js';
import { categoryOf, certificateNo, mediaLevelViolations, methodViolations, type Category, type DestructionMethod } from './rules.js';

/** E7.4: disposal in the presence of the responsible or an authorised person. */
export const DESTRUCTION_WITNESS_ROLES = ['responsible', 'authorized'] as const;

export interface DestructionInput {
  mediaIds: string[];
  method: DestructionMethod;
  category?: Category | undefined;
  standard?: string | undefined;
  securityLevel?: string | undefined;
  technique?: string | undefined;
  tool?: string | undefined;
  toolVersion?: string | undefined;
  pattern?: string | undefined;
  verified?: boolean | undefined;
  verificationMethod?: string | undefined;
  destinationAfter?: string | undefined;
  vendorOrgId?: string | undefined;
  performedById: string;
  performerTitle?: string | undefined;
  performerContact?: string | undefined;
  witnesses: Array<SignerInput & { drawnSignature?: string | undefined }>;
  roomId?: string | undefined;
  place?: string | undefined;
  performedAt?: Date | undefined;
  note?: string | undefined;
  /** Each medium's level, where media of different material classes are destroyed together. */
  levels?: Array<{ mediumId: string; securityLevel: string }> | undefined;
  mediaDetails?: Array<{ mediumId: string; backedUp: boolean; backupLocation?: string | undefined }> | undefined;
  actor: string;
}

export async function recordDestruction(app: AppContext, input: DestructionInput): Promise<{ id: string; certificateNo: string; record: StoredRecord }> {
  const db = app.db.knex;
  const performer = await getPerson(db, input.performedById);
  const details: ErrorDetail[] = [...placeViolations(input, true), ...methodViolations(input)];
  if (performer.left_at) details.push({ field: 'body.performedById', code: 'person_left', message: `${performer.name} has left.` });
  if (input.vendorOrgId) {
    const vendor = await getOrg(db, input.vendorOrgId);
    if (vendor.kind === 'subcontractor') {
      // E8: a subcontractor only with the depositor's written consent on file.
      if (!(await hasValidConsent(db, vendor.id))) {
        details.push({ field: 'body.vendorOrgId', code: 'consent_missing', message: `${vendor.name} is a subcontractor without the depositor's written consent on file (E8).` });
      }
    } else if (vendor.kind !== 'disposal_vendor') {
      details.push({ field: 'body.vendorOrgId', code: 'not_a_vendor', message: `${vendor.name} is not a disposal vendor.` });
    }
  }
  for (const d of input.mediaDetails ?? []) {
    if (!input.mediaIds.includes(d.mediumId)) details.push({ field: 'body.mediaDetails', code: 'unknown_medium', message: `${d.mediumId} is not among mediaIds.` });
  }
  const witnesses = [];
  for (const [i, w] of input.witnesses.entries()) {
    const person = await getPerson(db, w.personId);
    witnesses.push({ personId: person.id, roles: person.roles, field: `body.witnesses.${i}` });
  }
  details.push(...witnessViolations(witnesses, [{ personId: performer.id, role: 'performer (performedById)' }], DESTRUCTION_WITNESS_ROLES));
  if (details.length > 0) throw new ValidationError('The destruction is not valid.', details);

  const signers = await verifySigners(app, input.witnesses.map((w, i) => ({ ...w, drawnImage: w.drawnSignature, meaning: 'witnessed destruction' as const, field: `body.witnesses.${i}` })));

  return db.transaction(async (trx) => {
    const media = await lockMedia(trx, input.mediaIds);
    // Only stored or checked-out media; a destroyed one never changes again; in transit: away.
    media.forEach((m, i) => assertMayDo('destroy', m, `body.mediaIds.${i}`));
    // The method must fit each medium, and each medium's level its material class (NIST SP 800-88, DIN 66399).
    const fit = mediaLevelViolations(media.map((m) => ({ id: m.id, label: m.label, kind: m.kind })), input);
    if (fit.details.length > 0) throw new ValidationError('The method or a security level does not fit a medium; nothing was recorded.', fit.details);
    if (input.roomId) {
      await assertPresent(trx, input.roomId, [
        { personId: performer.id, role: 'performer', field: 'body.performedById' },
        ...input.witnesses.map((w, i) => ({ personId: w.personId, role: 'witness', field: `body.witnesses.${i}` })),
      ]);
    }
    const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
    const now = (rows[0] as { now: Date }).now;
    const performedAt = input.performedAt ?? now;
    if (performedAt.getTime() > now.getTime() + 60_000) {
      throw new ValidationError('A destruction is recorded when it has happened, not before.', [{ field: 'body.performedAt', code: 'in_future', message: 'must not be in the future' }]);
    }
    const year = zonedParts(now, app.config.displayTimeZone).year;
    const number = certificateNo(year, await nextCertificateSeq(trx, year));
    const id = newRecordId();
    const category = categoryOf(input.method, input.category);
    const vendor = input.vendorOrgId ? await getOrg(trx, input.vendorOrgId) : null;
    const backup = new Map((input.mediaDetails ?? []).map((d) => [d.mediumId, d]));
    const record = await recordSigned(app, trx, {
      kind: 'destruction',
      id,
      content: {
        certificateNo: number,
        method: input.method,
        category,
        standard: input.standard ?? null,
        securityLevel: input.securityLevel ?? null,
        technique: input.technique ?? null,
        tool: input.tool ?? null,
        toolVersion: input.toolVersion ?? null,
        pattern: input.pattern ?? null,
        verified: input.verified ?? null,
        verificationMethod: input.verificationMethod ?? null,
        destinationAfter: input.destinationAfter ?? null,
        vendor: vendor ? { id: vendor.id, name: vendor.name } : null,
        performer: { personId: performer.id, name: performer.name, org: performer.org_name, title: input.performerTitle ?? null, contact: input.performerContact ?? null },
        performedAt: performedAt.toISOString(),
        media: media.map((m) => ({ ...mediumFacts(m, backup.get(m.id)), securityLevel: fit.levels.get(m.id) ?? null })),
        note: input.note ?? null,
      },
      roomId: input.roomId ?? null,
      place: input.place ?? null,
      createdBy: input.actor,
      signers,
    });
    await trx('destructions').insert({
      id,
      record_id: record.id,
      certificate_no: number,
      method: input.method,
      category,
      standard: input.standard ?? null,
      security_level: input.securityLevel ?? null,
      technique: input.technique ?? null,
      tool: input.tool ?? null,
      tool_version: input.toolVersion ?? null,
      pattern: input.pattern ?? null,
      verified: input.verified ?? null,
      verification_method: input.verificationMethod ?? null,
      destination_after: input.destinationAfter ?? null,
      vendor_org_id: vendor?.id ?? null,
      performed_by_person_id: performer.id,
      performer_title: input.performerTitle ?? null,
      performer_contact: input.performerContact ?? null,
      room_id: input.roomId ?? null,
      place: input.place ?? null,
      performed_at: performedAt,
      note: input.note ?? null,
      created_by: input.actor,
      created_at: record.at,
      check_code_hash: checkCodeHash(checkCodeFor(id, app.secrets.badgeKey)),
    });
    await trx('destruction_media').insert(
      media.map((m, i) => ({ destruction_id: id, medium_id: m.id, position: i + 1, backed_up: backup.get(m.id)?.backedUp ?? null, backup_location: backup.get(m.id)?.backupLocation ?? null, security_level: fit.levels.get(m.id) ?? null })),
    );
    for (const [i, medium] of media.entries()) {
      await moveMedium(trx, medium, { action: 'destroy', to: 'destroyed', recordId: record.id, actor: input.actor, at: record.at, details: { destructionId: id, certificateNo: number }, field: `body.mediaIds.${i}` });
    }
    // The public check compares the certificate with this entry (GET /verify/:certificateNo).
    await appendJournal(trx, {
      actor: input.actor,
      action: 'destructions.recorded',
      subject: `destruction:${id}`,
      payload: { certificateNo: number, recordId: record.id, contentHash: record.contentHash, method: input.method, category, mediaIds: media.map((m) => m.id), performedAt: performedAt.toISOString() },
    });
    return { id, certificateNo: number, record };
  });
}

function mediumFacts(m: MediumRow, backup: { backedUp: boolean; backupLocation?: string | undefined } | undefined) {
  return {
    id: m.id,
    label: m.label,
    kind: m.kind,
    manufacturer: m.manufacturer,
    model: m.model,
    serialNo: m.serial_no,
    classification: m.classification,
    depositor: { id: m.depositor_org_id, name: m.depositor_name },
    source: m.source_medium_id ? `copy of ${m.source_medium_id}` : 'original',
    backedUp: backup?.backedUp ?? null,
    backupLocation: backup?.backupLocation ?? null,
  };
}

/** The next number of the year, under the counter row's lock (released at commit or rollback). */
async function nextCertificateSeq(trx: Knex, year: number): Promise<number> {
  await trx('certificate_counters').insert({ year, last: 0 }).onConflict('year').ignore();
  const [row] = (await trx('certificate_counters').where({ year }).increment('last', 1).returning(['last'])) as Array<{ last: number }>;
  return Number(row!.last);
}

export { destroyedMedia, filteredDestructions, getDestruction, getPrint, type DestroyedMediumRow, type DestructionFilter, type DestructionRow } from './destructions.read-model.js';

// ---- Printing (E2.14) ------------------------------------------------------------------

/**
 * Records a print of the certificate: who printed it and the authorised person present, who
 * confirms with badge + PIN. Returns the print number (1 = original; later ones are reprints).
 */
export async function recordPrint(app: AppContext, input: { destructionId: string; present: SignerInput; actor: string; actorPersonId: string }): Promise<{ printNo: number; record: StoredRecord }> {
  const db = app.db.knex;
  const destruction = await getDestruction(db, input.destructionId);
  const present = await getPerson(db, input.present.personId);
  if (!present.roles.some((r) => r === 'responsible' || r === 'authorized')) {
    throw new ValidationError('Printing needs an authorised person present (E2.14).', [
      { field: 'body.present.personId', code: 'not_authorized', message: `${present.name} is neither a responsible nor an authorised person.` },
    ]);
  }
  const signers = await verifySigners(app, [{ ...input.present, meaning: 'present at printing', field: 'body.present' }]);
  return db.transaction(async (trx) => {
    // Print numbers per certificate, without gaps: the destruction row is the lock.
    await trx('destructions').where({ id: destruction.id }).forUpdate().first('id');
    const { rows } = await trx.raw('SELECT coalesce(max(print_no), 0) + 1 AS next FROM certificate_prints WHERE destruction_id = ?', [destruction.id]);
    const printNo = Number((rows[0] as { next: string | number }).next);
    const record = await recordSigned(app, trx, {
      kind: 'certificate_print',
      id: newRecordId(),
      content: { destructionId: destruction.id, certificateNo: destruction.certificate_no, printNo, printedBy: input.actor, present: { personId: present.id, name: present.name } },
      roomId: null,
      place: null,
      createdBy: input.actor,
      signers,
    });
    await trx('certificate_prints').insert({ destruction_id: destruction.id, print_no: printNo, printed_by: input.actor, printed_by_person_id: input.actorPersonId, present_person_id: present.id, record_id: record.id, printed_at: record.at });
    await appendJournal(trx, {
      actor: input.actor,
      action: 'destructions.certificate_printed',
      subject: `destruction:${destruction.id}`,
      payload: { certificateNo: destruction.certificate_no, printNo, presentPersonId: present.id },
    });
    return { printNo, record };
  });
}

// ---- The public check, and the rows against the record --------------------------------

export type CertificateCheck =
  | { status: 'not_found' }
  | {
      status: 'valid' | 'mismatch';
      destructionId: string;
      /** When it was performed, as signed (or as stored, when the record cannot be trusted). */
      performedAt: Date;
      /** The signed record; present only when its content can be trusted (status valid). */
      record: StoredRecord | null;
      content: DestructionContent | null;
      /** The first difference found (never shown to the public). */
      problem: string | null;
      /** Whether the presented check code is this certificate's. */
      codeMatches: boolean;
    };

/** One destruction's rows, record and journal entries checked against each other. */
async function checkDestruction(app: AppContext, db: Knex, row: DestructionTableRow): Promise<{ record: StoredRecord | null; content: DestructionContent | null; problem: string | null }> {
  const record = await getSignedRecord(db, row.record_id);
  if (!record) return { record: null, content: null, problem: `Certificate ${row.certificate_no}: its signed record is missing.` };
  const recordProblem = await checkRecord(db, record, app.secrets.signing);
  if (recordProblem) return { record: null, content: null, problem: recordProblem.message };
  const content = destructionContent(record);
  const journal = await findJournalEntry(db, 'destructions.recorded', `destruction:${row.id}`);
  if (journal && !journal.intact) return { record, content, problem: `Certificate ${row.certificate_no}: the journal entry of the destruction was changed.` };
  const media = (await destroyedMediumFacts(db, [row.id])).get(row.id) ?? [];
  return { record, content, problem: destructionRowProblem(row, media, content, journal?.payload ?? null) };
}

/**
 * GET /verify/:certificateNo: the certificate's record is what was signed (checked against the
 * journal), and today's rows still say the same. Whoever holds the check code printed in the QR
 * code learns the certificate's facts — from the record; anyone else only whether a certificate
 * with this number exists and is intact, and its date.
 */
export async function checkCertificate(app: AppContext, db: Knex, number: string, code: string | undefined): Promise<CertificateCheck> {
  const row = (await db('destructions').where({ certificate_no: number }).first()) as (DestructionTableRow & { check_code_hash: string | null }) | undefined;
  if (!row) return { status: 'not_found' };
  const { record, content, problem } = await checkDestruction(app, db, row);
  return {
    status: problem ? 'mismatch' : 'valid',
    destructionId: row.id,
    performedAt: content && !problem ? new Date(content.performedAt) : row.performed_at,
    record: problem ? null : record,
    content: problem ? null : content,
    problem,
    codeMatches: checkCodeMatches(code, row.check_code_hash, row.id, app.secrets.badgeKey),
  };
}

/**
 * The proof file of a certificate (issue 19, item 3): only for whoever holds its check code, and
 * only when the certificate matches the journal — to anyone else, as if there were none (the
 * public cannot enumerate anything). A c2sp.org/tlog-proof of the destruction's journal entry,
 * with that entry and the signed record in its extra data; `tachiai verify-proof` checks it offline.
 */
export async function certificateProofFile(app: AppContext, db: Knex, origin: string, number: string, code: string): Promise<string> {
  const check = await checkCertificate(app, db, number, code);
  if (check.status === 'not_found' || !check.codeMatches) throw new NotFoundError('proof', 'No proof file for this certificate number and check code.');
  if (check.status !== 'valid' || !check.record) throw new ConflictError('certificate_mismatch', 'This certificate does not match the journal: no proof file is given. Contact the issuer.');
  const journal = await findJournalEntry(db, 'destructions.recorded', `destruction:${check.destructionId}`);
  if (!journal || !journal.intact || journal.entry.chain !== MAIN_CHAIN) throw new ConflictError('certificate_mismatch', 'The journal entry of this certificate is missing or changed: no proof file is given.');
  const r = check.record;
  const record = { id: r.id, kind: r.kind, at: r.at.toISOString(), content: r.content, contentHash: r.contentHash, signatures: r.signatures.map((sig) => ({ manifest: { ...sig.manifest }, signature: sig.signature })) };
  return proofFileFor(app, app.db.knex, origin, journal.entry, 'destruction-certificate', record);
}

/** The signed record of a destruction, and whether its rows still agree (certificate, lists). */
export async function signedDestruction(app: AppContext, db: Knex, destructionId: string): Promise<{ record: StoredRecord; content: DestructionContent; problem: string | null }> {
  const row = (await db('destructions').where({ id: destructionId }).first()) as DestructionTableRow | undefined;
  if (!row) throw new NotFoundError('destruction');
  const checked = await checkDestruction(app, db, row);
  const record = checked.record ?? (await getSignedRecord(db, row.record_id));
  if (!record) throw new NotFoundError('destruction');
  return { record, content: checked.content ?? destructionContent(record), problem: checked.problem };
}

/** `tachiai verify --deep`: every destruction's rows against its signed record, in batches. */
export async function checkAllDestructions(db: Knex, onProgress?: (checked: number) => void): Promise<{ checked: number; problem: string | null }> {
  let checked = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = (await db('destructions').where('id', '>', after).orderBy('id').limit(200)) as DestructionTableRow[];
    if (rows.length === 0) return { checked, problem: null };
    const records = await getSignedRecords(db, rows.map((r) => r.record_id));
    const journal = await payloadsOf(db, 'destructions.recorded', rows.map((r) => `destruction:${r.id}`));
    const media = await destroyedMediumFacts(db, rows.map((r) => r.id));
    for (const row of rows) {
      const record = records.get(row.record_id);
      if (!record) return { checked, problem: `Certificate ${row.certificate_no}: its signed record is missing.` };
      const problem = destructionRowProblem(row, media.get(row.id) ?? [], destructionContent(record), journal.get(`destruction:${row.id}`) ?? null);
      if (problem) return { checked, problem };
      checked++;
    }
    onProgress?.(checked);
    after = rows[rows.length - 1]!.id;
  }
}
