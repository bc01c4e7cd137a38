// The weekly access review (E4.2) under /api/reviews: compute a period's findings (JSON or CSV),
// save dispositions as drafts, sign a week, list, get, re-check and print signed reviews.
import { z } from 'zod';
import QRCode from 'qrcode';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { csvLangQuery, errorSchema, timestampInput } from '../shared/schemas.js';
import { CSV_BOM, csvHeaders, csvLine, csvTimeCells, csvWord } from '../shared/csv.js';
import { displayDate, displayDateTime, toRfc3339 } from '../shared/time.js';
import { html, printPage, raw } from '../shared/html.js';
import { getSignedRecord } from '../signatures/service.js';
import { signatureRows } from '../signatures/views.js';
import { siteOf } from '../system/site.js';
import type { Finding } from './rules.js';
import { clearDisposition, computeReview, draftDispositions, getSignedReview, listSignedReviews, overdueWeeks, recheckReview, resolvePeriod, saveDisposition, signReview, type ReviewRow, type SignedFinding } from './service.js';
import { computedSchema, dispositionBody, signBody, signedReviewSchema, weekParam } from './schemas.js';
import { DISPOSITION_WORDS, factsInWords, FINDING_TITLES, SEVERITY_WORDS } from './words.js';

const error = (description: string) => ({ description, schema: errorSchema });

function findingJson(f: Finding | SignedFinding, tz: string) {
  return { ...f, at: toRfc3339(new Date(f.at), tz) };
}

function signedJson(r: ReviewRow, tz: string) {
  return {
    week: r.week,
    period: { from: toRfc3339(r.period_from, tz), to: toRfc3339(r.period_to, tz) },
    rulesVersion: r.rules_version,
    counts: JSON.parse(r.counts),
    findings: (JSON.parse(r.findings) as SignedFinding[]).map((f) => findingJson(f, tz)),
    digestHash: r.digest_hash,
    recordId: r.record_id,
    signedBy: r.signed_by,
    signedAt: toRfc3339(r.signed_at, tz),
  };
}

const CSV_HEADERS = {
  en: ['Week', 'Severity', 'Kind', 'Finding', 'Time', 'Time (UTC)', 'Details', 'Evidence rows', 'Entry IDs', 'Access-log IDs', 'Journal seqs', 'Disposition', 'Comment', 'Key'],
  ja: ['週', '重要度', '種別', '所見', '日時', '日時（UTC）', '内容', '根拠の件数', '入退室記録ID', 'アクセスログID', '記録簿番号', '処置', 'コメント', 'キー'],
};

const periodQuery = z.strictObject({
  week: weekParam.optional(),
  from: timestampInput.optional(),
  to: timestampInput.optional(),
  format: z.enum(['json', 'csv']).default('json'),
  lang: csvLangQuery,
});

export const reviewRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/reviews/findings',
    summary: "Compute a period's findings from the records: an ISO week (week=2026-W49) or from/to up to 31 days; format=csv for the findings (UTF-8 with BOM)",
    description:
      'Each finding names its evidence (entry ids, access-log ids, journal sequence numbers) and whom it is about. `digest` covers every row of the period in each table read: ' +
      'send it back when signing, so the signature covers what was seen. Nothing is stored.',
    tags: ['reviews'],
    access: 'reviews:read',
    query: periodQuery,
    responses: { 200: { description: 'The findings (JSON) or CSV', schema: computedSchema }, 400: error('A period of more than 31 days, in the future, or ending before it begins (the field is named)') },
    handler: async ({ app, db, query }) => {
      const tz = app.config.displayTimeZone;
      const period = await resolvePeriod(app, db, query);
      const computed = await computeReview(app, period);
      const signedRow = period.week ? ((await db('reviews').where({ week: period.week }).first()) as ReviewRow | undefined) : undefined;
      const drafts = period.week ? await draftDispositions(db, period.week) : [];
      if (query.format === 'csv') {
        const signedByKey = new Map(signedRow ? (JSON.parse(signedRow.findings) as SignedFinding[]).map((f) => [f.key, f]) : []);
        const draftByKey = new Map(drafts.map((d) => [d.finding_key, d]));
        let out = CSV_BOM + csvLine(csvHeaders(CSV_HEADERS, query.lang));
        for (const f of computed.findings) {
          const d = signedByKey.get(f.key) ?? (draftByKey.get(f.key) ? { disposition: draftByKey.get(f.key)!.disposition, comment: draftByKey.get(f.key)!.comment } : null);
          out += csvLine([
            period.week ?? `${displayDate(period.from, tz, 'en')}–${displayDate(new Date(period.to.getTime() - 1), tz, 'en')}`,
            csvWord(f.severity, SEVERITY_WORDS, query.lang),
            f.kind,
            query.lang ? FINDING_TITLES[f.kind][query.lang] : f.kind,
            ...csvTimeCells(new Date(f.at), tz),
            factsInWords(f.facts, query.lang ?? null, tz),
            String(f.evidenceCount),
            f.evidence.entries.join(' '),
            f.evidence.accessLog.join(' '),
            f.evidence.journal.join(' '),
            d ? csvWord(d.disposition, DISPOSITION_WORDS, query.lang) : '',
            d?.comment ?? '',
            f.key,
          ]);
        }
        return { text: out, contentType: 'text/csv; charset=utf-8', headers: { 'Content-Disposition': `attachment; filename="review-${period.week ?? 'period'}.csv"` } };
      }
      return {
        json: {
          period: { from: toRfc3339(period.from, tz), to: toRfc3339(period.to, tz), week: period.week },
          rulesVersion: computed.rulesVersion,
          counts: computed.counts,
          findings: computed.findings.map((f) => findingJson(f, tz)),
          digest: computed.digest,
          digestHash: computed.digestHash,
          dispositions: drafts.map((d) => ({ key: d.finding_key, disposition: d.disposition, comment: d.comment, personId: d.person_id, updatedAt: toRfc3339(d.updated_at, tz) })),
          signed: signedRow ? { week: signedRow.week, signedAt: toRfc3339(signedRow.signed_at, tz), signedBy: signedRow.signed_by, recordId: signedRow.record_id } : null,
        },
      };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/reviews/:week/dispositions/:key',
    summary: "Save the disposition of one finding as a draft (explained, reported to the depositor, incident opened) with a comment; journaled",
    tags: ['reviews'],
    access: 'reviews:sign',
    transaction: false,
    params: z.object({ week: weekParam, key: z.string().min(3).max(300) }),
    body: dispositionBody,
    responses: {
      200: { description: 'Saved', schema: z.object({ key: z.string(), disposition: z.string(), comment: z.string(), personId: z.string(), updatedAt: z.string() }) },
      400: error('unknown_finding (not a finding of this week) or own_finding (it is about you)'),
      409: error('already_signed'),
    },
    handler: async ({ app, params, body, actor }) => {
      const d = await saveDisposition(app, params.week, params.key, { disposition: body.disposition, comment: body.comment ?? '' }, actor!);
      return { json: { key: d.finding_key, disposition: d.disposition, comment: d.comment, personId: d.person_id, updatedAt: toRfc3339(d.updated_at, app.config.displayTimeZone) } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/reviews/:week/dispositions/:key',
    summary: 'Clear a draft disposition',
    tags: ['reviews'],
    access: 'reviews:sign',
    transaction: false,
    params: z.object({ week: weekParam, key: z.string().min(3).max(300) }),
    responses: { 204: { description: 'Cleared' }, 404: error('No such draft'), 409: error('already_signed') },
    handler: async ({ app, params, actor }) => {
      await clearDisposition(app, params.week, params.key, actor!);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/reviews/:week/sign',
    summary: 'Sign a week\'s review (the responsible person, badge + PIN): stores the findings with their dispositions, the rules version and the digest of the period; reports what is marked reported',
    description:
      'The digest sent is the one the reviewer saw; if the records changed since, 409 records_changed names the tables and days. Every finding needs a disposition (400 dispositions_missing). ' +
      'One signed review per week: of two sign-offs at once, one is 201 and the other 409 already_signed.',
    tags: ['reviews'],
    access: 'reviews:sign',
    transaction: false,
    params: z.object({ week: weekParam }),
    body: signBody,
    responses: {
      201: { description: 'Signed', schema: signedReviewSchema },
      400: error('signature_invalid (badge or PIN), dispositions_missing, own_finding'),
      403: error('Not the responsible person, or signing with someone else\'s badge'),
      409: error('records_changed, already_signed, week_not_over'),
      423: error('The PIN is locked'),
    },
    handler: async ({ app, params, body, actor }) => ({ status: 201, json: signedJson(await signReview(app, params.week, body, actor!), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/reviews',
    summary: 'Signed reviews, newest first, and the weeks overdue (ended more than 7 days ago, not signed)',
    tags: ['reviews'],
    access: 'reviews:read',
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(52) }),
    responses: { 200: { description: 'Signed reviews', schema: z.object({ items: z.array(signedReviewSchema.omit({ findings: true })), overdue: z.array(z.string()), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => {
      const tz = app.config.displayTimeZone;
      return { json: { items: (await listSignedReviews(db, query.limit)).map((r) => ({ ...signedJson(r, tz), findings: undefined })), overdue: await overdueWeeks(app), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/reviews/status',
    summary: 'Weeks overdue for review (for the sign-in notice and the front desk)',
    tags: ['reviews'],
    access: 'reviews:read',
    responses: { 200: { description: 'Overdue weeks, newest first', schema: z.object({ overdue: z.array(z.string()) }) } },
    handler: async ({ app }) => ({ json: { overdue: await overdueWeeks(app) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/reviews/:week',
    summary: 'A signed review',
    tags: ['reviews'],
    access: 'reviews:read',
    params: z.object({ week: weekParam }),
    responses: { 200: { description: 'The signed review', schema: signedReviewSchema }, 404: error('Not signed') },
    handler: async ({ app, db, params }) => ({ json: signedJson(await getSignedReview(db, params.week), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/reviews/:week/check',
    summary: 'Re-check a signed review: recompute it with the rules of its version and say whether the records of its period changed since',
    description: 'Days of the access log removed since by its retention (older than ACCESS_LOG_RETENTION_MONTHS) are explained, not counted as tampering; so are findings that rested only on rows it removed, and addresses that look new because the 90 days they are compared with reach past it.',
    tags: ['reviews'],
    access: 'reviews:read',
    params: z.object({ week: weekParam }),
    responses: {
      200: {
        description: 'The re-check',
        schema: z.object({
          week: z.string(),
          unchanged: z.boolean(),
          rulesVersion: z.number().int(),
          differences: z.array(z.object({ table: z.string(), day: z.string(), signed: z.object({ count: z.number(), sum: z.string() }).nullable(), now: z.object({ count: z.number(), sum: z.string() }).nullable(), explainedBy: z.enum(['retention']).nullable() })),
          findings: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
        }),
      },
      404: error('Not signed'),
    },
    handler: async ({ app, params }) => ({ json: await recheckReview(app, params.week) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/reviews/:week/print',
    summary: 'The signed review as a printable A4 page: findings, dispositions, signatures and their manifests, a QR code to its record',
    tags: ['reviews'],
    access: 'reviews:read',
    params: z.object({ week: weekParam }),
    responses: { 200: { description: 'HTML page for printing', contentType: 'text/html' }, 404: error('Not signed') },
    handler: async ({ app, db, params }) => {
      const tz = app.config.displayTimeZone;
      const r = await getSignedReview(db, params.week);
      const record = await getSignedRecord(db, r.record_id);
      const site = await siteOf(app);
      const findings = JSON.parse(r.findings) as SignedFinding[];
      const counts = JSON.parse(r.counts) as Record<string, number>;
      const qrTarget = app.config.publicUrl ? `${app.config.publicUrl}/api/records/${r.record_id}/receipt` : null;
      const qr = qrTarget ? await QRCode.toString(qrTarget, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }) : null;
      const body = html`
<main class="a4 review">
  <header class="cert-head">
    <div>
      <h1>週次アクセス記録点検 <span class="en">Weekly access review</span></h1>
      <p class="sub">${site.nameJa} / ${site.nameEn} · ${r.week} · ${displayDate(r.period_from, tz, 'ja')} – ${displayDate(new Date(r.period_to.getTime() - 1), tz, 'ja')}</p>
    </div>
    ${qr ? html`<div class="cert-qr">${raw(qr)}<div class="small">記録の確認 Record</div></div>` : ''}
  </header>
  <dl class="meta">
    <dt>点検した記録 Records looked at</dt><dd>入退室 ${counts.entries} 件（拒否 ${counts.deniedEntries}）・アクセスログ ${counts.requests} 件（サインイン ${counts.signins}）・記録簿 ${counts.journalEntries} 件</dd>
    <dt>所見 Findings</dt><dd>${findings.length ? `${findings.length} 件` : '異常なし — nothing unusual'}</dd>
    <dt>規則の版 Rules version</dt><dd>${r.rules_version}</dd>
    <dt>記録のダイジェスト Digest</dt><dd><code>${r.digest_hash}</code></dd>
  </dl>
  ${findings.length
    ? html`<table class="findings">
    <thead><tr><th>#</th><th>重要度 Severity</th><th>所見 Finding</th><th>日時 Time</th><th>根拠 Evidence</th><th>処置 Disposition</th></tr></thead>
    <tbody>${findings.map(
      (f, i) => html`<tr>
      <td>${i + 1}</td>
      <td class="nowrap">${SEVERITY_WORDS[f.severity].ja}<br><span class="en">${SEVERITY_WORDS[f.severity].en}</span></td>
      <td>${FINDING_TITLES[f.kind].ja}<br><span class="en">${FINDING_TITLES[f.kind].en}</span><br><span class="small">${factsInWords(f.facts, 'ja', tz)}</span></td>
      <td class="nowrap">${displayDateTime(new Date(f.at), tz)}</td>
      <td class="small">${f.evidenceCount} 件${f.evidence.entries.length ? html`<br>入退室 ${f.evidence.entries.slice(0, 5).join(', ')}${f.evidence.entries.length > 5 ? '…' : ''}` : ''}${f.evidence.accessLog.length ? html`<br>ログ ${f.evidence.accessLog.slice(0, 5).join(', ')}${f.evidence.accessLog.length > 5 ? '…' : ''}` : ''}${f.evidence.journal.length ? html`<br>記録簿 ${f.evidence.journal.slice(0, 5).join(', ')}` : ''}</td>
      <td>${DISPOSITION_WORDS[f.disposition].ja}<br><span class="en">${DISPOSITION_WORDS[f.disposition].en}</span>${f.comment ? html`<br><span class="small">${f.comment}</span>` : ''}</td>
    </tr>`,
    )}</tbody>
  </table>`
    : html`<p class="empty">この週の記録に異常は見つかりませんでした。 Nothing unusual was found in this week's records.</p>`}
  <h2>署名 Signatures</h2>
  ${record ? signatureRows(record, tz) : ''}
  <footer>署名日時 Signed ${displayDateTime(r.signed_at, tz)} · 記録 Record ${r.record_id}${record ? html` · SHA-256 <code>${record.contentHash}</code>` : ''}</footer>
</main>`;
      return { html: printPage({ lang: 'ja', title: `週次アクセス記録点検 ${r.week}`, bodyClass: 'print', body }) };
    },
  }),
];

