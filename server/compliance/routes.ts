// The compliance view under /api/compliance (issue 18): every clause with its status, reasons,
// evidence and freshness (JSON, or ?format=csv as the other exports: UTF-8 with BOM, ?lang=ja|en);
// manual attestations signed by the responsible person; drills (E9.1, E9.2).
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { csvLangQuery, errorSchema, idSchema } from '../shared/schemas.js';
import { CSV_BOM, csvHeaders, csvLine, csvTimeCells, csvWord } from '../shared/csv.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { attestClause, computeCompliance, recordDrill, type ComplianceRow } from './service.js';
import { listAttestations, listDrills, type AttestationRow, type DrillRow } from './records.read-model.js';
import { attestationBody, attestationSchema, clauseIdSchema, complianceViewSchema, drillBody, drillSchema } from './schemas.js';
import { ATTESTABLE_IDS } from './clauses.js';
import { DRILL_KINDS } from './records.read-model.js';
import { KIND_WORDS, reasonWords, STATUS_WORDS } from './words.js';

const error = (description: string) => ({ description, schema: errorSchema });

/** A row's reasons in words: an enforced clause says how it is enforced. */
function rowReasons(r: ComplianceRow) {
  return r.reasons.map((reason) => ({ code: reason.code, params: reason.params, ...(reason.code === 'enforced' && r.clause.how ? r.clause.how : reasonWords(reason)) }));
}

function rowJson(r: ComplianceRow, asOf: Date, tz: string) {
  return {
    id: r.clause.id,
    kind: r.clause.kind,
    title: { ja: r.clause.ja, en: r.clause.en },
    status: r.status,
    statusWords: STATUS_WORDS[r.status],
    reasons: rowReasons(r),
    evidence: r.evidence,
    evidenceAt: toRfc3339OrNull(r.evidenceAt, tz),
    asOf: toRfc3339(asOf, tz),
    href: r.clause.href ?? null,
    attestable: ATTESTABLE_IDS.includes(r.clause.id),
  };
}

function attestationJson(a: AttestationRow, now: Date, tz: string) {
  return {
    id: a.id,
    clauseId: a.clause_id,
    note: a.note,
    recordId: a.record_id,
    signedBy: a.signed_by,
    signedByName: a.signed_by_name ?? null,
    attestedAt: toRfc3339(a.attested_at, tz),
    expiresAt: toRfc3339(a.expires_at, tz),
    expired: a.expires_at.getTime() <= now.getTime(),
  };
}

function drillJson(d: DrillRow, tz: string) {
  return {
    id: d.id,
    kind: d.kind,
    heldAt: toRfc3339(d.held_at, tz),
    leaderPersonId: d.leader_person_id,
    leaderName: d.leader_name,
    participantIds: d.participant_ids,
    findings: d.findings,
    standbySite: d.standby_site,
    note: d.note,
    createdAt: toRfc3339(d.created_at, tz),
  };
}

const CSV_HEADERS = {
  en: ['Clause', 'Kind', 'Status', 'Rule', 'Reasons', 'Evidence', 'Evidence time', 'Evidence time (UTC)', 'As of', 'As of (UTC)'],
  ja: ['条項', '種別', '状況', '内容', '理由', '根拠', '根拠の日時', '根拠の日時（UTC）', '判定日時', '判定日時（UTC）'],
};

export const complianceRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/compliance',
    summary: 'Compliance at a glance: one row per clause (E1.1 … E9.2, M6.1 … M6.3) with its status, reasons, evidence and freshness, those needing attention first; format=csv for a spreadsheet (UTF-8 with BOM)',
    description:
      'Each status is decided by a plain rule over the records (server/compliance/rules.ts): ok, attention (a breach, or something stale), missing (no record shows it), manual (needs an attestation by the responsible person), ' +
      'unknown (the evidence could not be read, with the reason — never an ok by default). Nothing is stored.',
    tags: ['compliance'],
    access: 'compliance:read',
    query: z.strictObject({
      format: z.enum(['json', 'csv']).default('json'),
      lang: csvLangQuery,
      depositorOrgId: idSchema.optional().describe('One depositor: the rows about depositors (E1.1) look at it alone; the others are the site\'s'),
    }),
    responses: { 200: { description: 'The view (JSON) or CSV', schema: complianceViewSchema }, 404: error('Unknown depositor') },
    handler: async ({ app, query }) => {
      const tz = app.config.displayTimeZone;
      const view = await computeCompliance(app, { depositorOrgId: query.depositorOrgId });
      if (query.format === 'csv') {
        const lang = query.lang;
        let out = CSV_BOM + csvLine(csvHeaders(CSV_HEADERS, lang));
        for (const r of view.rows) {
          const reasons = rowReasons(r);
          out += csvLine([
            r.clause.id,
            csvWord(r.clause.kind, KIND_WORDS, lang),
            csvWord(r.status, STATUS_WORDS, lang),
            lang === 'ja' ? r.clause.ja : r.clause.en,
            reasons.map((x) => (lang === 'ja' ? x.ja : lang === 'en' ? x.en : x.code)).join(lang === 'ja' ? '。' : '; '),
            r.evidence.map((e) => `${e.type}:${e.id}`).join(' '),
            ...(r.evidenceAt ? csvTimeCells(r.evidenceAt, tz) : ['', '']),
            ...csvTimeCells(view.asOf, tz),
          ]);
        }
        return { text: out, contentType: 'text/csv; charset=utf-8', headers: { 'Content-Disposition': 'attachment; filename="compliance.csv"' } };
      }
      const alarms = view.alarms.map((a) => ({
        code: a.code,
        witness: a.witness,
        origin: a.origin,
        message: a.message,
        at: a.at ? toRfc3339(a.at, tz) : null,
        ...(a.code === 'witness_alarm'
          ? { ja: `警報：検証者 ${a.witness} がジャーナルのチェックポイントを拒否しました（書き換えまたは巻き戻しのおそれ）。`, en: `Alarm: witness ${a.witness} refused the journal's checkpoint (a rewrite or a rollback).` }
          : { ja: '警報を読み取れませんでした。', en: 'The alarms could not be read.' }),
      }));
      return { json: { asOf: toRfc3339(view.asOf, tz), summary: view.summary, rows: view.rows.map((r) => rowJson(r, view.asOf, tz)), alarms } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/compliance/attestations',
    summary: 'Attest a clause the system cannot see (OUT, E6.4 until doors are controlled, …): the responsible person, with their own badge + PIN and a note; valid ATTESTATION_VALID_MONTHS (default 12); journaled',
    description: 'Refused with nothing stored: a clause decided by the records or a missing note (400), someone without the responsible role or another person\'s badge (403), a wrong badge or PIN (400 signature_invalid; 423 when the PIN is locked).',
    tags: ['compliance'],
    access: 'compliance:write',
    transaction: false, // the PIN is checked first (a wrong one must count); then one transaction
    body: attestationBody,
    responses: {
      201: { description: 'Attested (a signed record)', schema: attestationSchema },
      400: error('Invalid, not attestable, a missing note, or signature_invalid (badge or PIN)'),
      403: error('Not the responsible person, or signing with someone else\'s badge'),
      423: error('The PIN is locked'),
    },
    handler: async ({ app, body, actor }) => {
      const row = await attestClause(app, body, actor!);
      return { status: 201, json: attestationJson({ ...row, signed_by_name: (await listAttestations(app.db.knex, row.clause_id)).find((a) => a.id === row.id)?.signed_by_name ?? '' }, new Date(), app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/compliance/attestations',
    summary: 'Attestations, newest first (optionally of one clause), with whether each has expired',
    tags: ['compliance'],
    access: 'compliance:read',
    query: z.strictObject({ clauseId: clauseIdSchema.optional() }),
    responses: { 200: { description: 'Attestations', schema: z.object({ items: z.array(attestationSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => {
      const now = new Date();
      return { json: { items: (await listAttestations(db, query.clauseId)).map((a) => attestationJson(a, now, app.config.displayTimeZone)), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/drills',
    summary: 'Record a drill: fire (E9.1) or migration to the standby site (E9.2) — date, leader, participants, findings; journaled (restore drills are recorded by tachiai restore-drill)',
    tags: ['compliance'],
    access: 'compliance:write',
    body: drillBody,
    responses: { 201: { description: 'Recorded', schema: drillSchema }, 400: error('Invalid, in the future, a participant twice, or the standby site missing (migration) / given (fire)'), 404: error('Unknown person') },
    handler: async ({ app, db, body, actor }) => ({ status: 201, json: drillJson(await recordDrill(db, body, actor!.accountId), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/drills',
    summary: 'Drills, newest first (optionally of one kind)',
    tags: ['compliance'],
    access: 'compliance:read',
    query: z.strictObject({ kind: z.enum(DRILL_KINDS).optional() }),
    responses: { 200: { description: 'Drills', schema: z.object({ items: z.array(drillSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => ({ json: { items: (await listDrills(db, { kind: query.kind })).map((d) => drillJson(d, app.config.displayTimeZone)), nextCursor: null } }),
  }),
];
