// Destruction events, their certificates (printed with an authorised person present, E2.14),
// lists and CSV for the depositor, a depositor-facing summary, and the public check page.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { csvLangQuery, decodeCursor, encodeCursor, errorSchema, idParams, idSchema, limitQuery, text, timestampInput } from '../shared/schemas.js';
import { displayDate, displayDateTime, siteDay, toRfc3339 } from '../shared/time.js';
import { html, printPage } from '../shared/html.js';
import { CSV_BOM, csvHeaders, csvLine, csvTimeCells, csvWord, CSV_TIME_HEADERS } from '../shared/csv.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { AppContext } from '../context.js';
import { getOrg } from '../people/service.js';
import { signerInput, recordSummarySchema } from '../signatures/schemas.js';
import { getSignedRecord } from '../signatures/service.js';
import { recordJson } from '../signatures/views.js';
import { CATEGORIES, CATEGORY_WORDS, CERTIFICATE_NO, DESTRUCTION_METHODS, LEVEL_REQUIRED, MATERIAL_CLASS, METHOD_FITS, TECHNIQUE_WORDS } from './rules.js';
import { KIND_NAMES, MEDIA_KINDS } from '../media/rules.js';
import { certificateProofFile, checkCertificate, destroyedMedia, filteredDestructions, getDestruction, getPrint, recordDestruction, recordPrint, signedDestruction, type DestroyedMediumRow, type DestructionRow } from './service.js';
import { checkCodeFor, depositorNames } from './record.js';
import { roomNameAsOf } from '../rooms/service.js';
import { enforceRate } from '../throttle/rate-limit.js';
import { clientIp } from '../shared/client-ip.js';
import { logOriginOf, siteOf } from '../system/site.js';
import { renderCertificate } from './certificate.js';

const error = (description: string) => ({ description, schema: errorSchema });

/** How long after recording a print its page may be opened (by who recorded it). */
const PRINT_WINDOW_SECONDS = 600;

const destructionSchema = z
  .object({
    id: z.string(),
    certificateNo: z.string(),
    method: z.enum(DESTRUCTION_METHODS),
    category: z.enum(CATEGORIES),
    standard: z.string().nullable(),
    securityLevel: z.string().nullable(),
    technique: z.string().nullable(),
    tool: z.string().nullable(),
    toolVersion: z.string().nullable(),
    verified: z.boolean().nullable(),
    verificationMethod: z.string().nullable(),
    destinationAfter: z.string().nullable(),
    vendorOrgId: z.string().nullable(),
    vendorName: z.string().nullable(),
    performedById: z.string(),
    performerName: z.string(),
    roomId: z.string().nullable(),
    place: z.string().nullable(),
    presenceVerified: z.boolean(),
    performedAt: z.string(),
    depositorNames: z.array(z.string()),
    mediaIds: z.array(z.string()),
    media: z.array(z.object({ id: z.string(), label: z.string(), kind: z.string(), securityLevel: z.string().nullable() })),
    note: z.string().nullable(),
    certificateUrl: z.string(),
    record: recordSummarySchema.optional(),
  })
  .meta({ id: 'Destruction' });

function destructionJson(d: DestructionRow, media: DestroyedMediumRow[], tz: string) {
  return {
    id: d.id,
    certificateNo: d.certificate_no,
    method: d.method,
    category: d.category,
    standard: d.standard,
    securityLevel: d.security_level,
    technique: d.technique,
    tool: d.tool,
    toolVersion: d.tool_version,
    verified: d.verified,
    verificationMethod: d.verification_method,
    destinationAfter: d.destination_after,
    vendorOrgId: d.vendor_org_id,
    vendorName: d.vendor_name,
    performedById: d.performed_by_person_id,
    performerName: d.performer_name,
    roomId: d.room_id,
    place: d.place,
    presenceVerified: d.room_id !== null,
    performedAt: toRfc3339(d.performed_at, tz),
    depositorNames: d.depositor_names,
    mediaIds: media.filter((m) => m.destruction_id === d.id).map((m) => m.id),
    media: media.filter((m) => m.destruction_id === d.id).map((m) => ({ id: m.id, label: m.label, kind: m.kind, securityLevel: m.security_level })),
    note: d.note,
    certificateUrl: `/api/destructions/${d.id}/certificate`,
  };
}

/**
 * The public check's address with the check code, for the QR code; null until PUBLIC_URL is set.
 * Never built from the request's Host header (security review, finding 11): a forged Host would
 * end up printed on a certificate.
 */
function checkUrl(app: AppContext, number: string, code: string): string | null {
  return app.config.publicUrl ? `${app.config.publicUrl}/verify/${encodeURIComponent(number)}?c=${code}` : null;
}

const listQuery = z.strictObject({
  from: timestampInput.optional(),
  to: timestampInput.optional(),
  depositorOrgId: idSchema.optional(),
  method: z.enum(DESTRUCTION_METHODS).optional(),
  format: z.enum(['json', 'csv']).default('json'),
  lang: csvLangQuery,
  limit: limitQuery,
  cursor: z.string().max(200).optional(),
});

const CSV_HEADERS = {
  en: ['certificate_no', ...CSV_TIME_HEADERS.en, 'depositor', 'label', 'kind', 'manufacturer', 'model', 'serial_no', 'method', 'category', 'standard', 'security_level', 'tool', 'verified', 'vendor', 'performed_by', 'place', 'witnesses'],
  ja: ['証明書番号', ...CSV_TIME_HEADERS.ja, '預託者', '管理番号', '種別', '製造元', '型番', '製造番号', '方法', '区分', '基準', '等級', 'ツール', '検証', '委託先', '実施者', '場所', '立会人'],
};

const VERIFIED_WORDS = { true: { ja: '検証済み', en: 'verified' }, false: { ja: '未検証', en: 'not verified' } };

export const destructionRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/destructions',
    summary: 'Record a destruction witnessed on the spot (E7.1–E7.4); allocates the certificate number',
    tags: ['destructions'],
    access: 'destructions:write',
    transaction: false, // witnesses' PINs are checked first (wrong ones count), then one transaction
    body: z.strictObject({
      mediaIds: z.array(idSchema).min(1).max(200),
      method: z.enum(DESTRUCTION_METHODS),
      category: z.enum(CATEGORIES).optional().describe('NIST SP 800-88 category; stated for wipes (clear or purge), derived otherwise'),
      standard: text(200).optional().describe('e.g. "NIST SP 800-88 Rev. 2 Purge", "DIN 66399"'),
      securityLevel: z.string().trim().max(8).optional().describe('DIN 66399 / ISO/IEC 21964 level, e.g. P-4 (required for shred and physical); its material class must fit every medium (P paper, F film, O optical, T magnetic cards/tapes, H hard disks, E electronic)'),
      levels: z
        .array(z.strictObject({ mediumId: idSchema, securityLevel: z.string().trim().max(8) }))
        .max(200)
        .optional()
        .describe('Each medium\'s own level, when media of different material classes are destroyed together (e.g. a USB stick E-3 and a hard disk H-5)'),
      technique: text(200).optional(),
      tool: text(200).optional(),
      toolVersion: text(100).optional(),
      pattern: text(200).optional().describe('Wipe pattern, e.g. "1 pass zeros", "ATA Secure Erase"'),
      verified: z.boolean().optional(),
      verificationMethod: text(200).optional(),
      destinationAfter: text(200).optional().describe('e.g. the recycling vendor'),
      vendorOrgId: idSchema.optional(),
      performedById: idSchema,
      performerTitle: text(100).optional(),
      performerContact: text(200).optional(),
      witnesses: z.array(signerInput).min(1).max(10),
      roomId: idSchema.optional(),
      place: text(200).optional(),
      performedAt: timestampInput.optional(),
      note: text(1000).optional(),
      mediaDetails: z.array(z.strictObject({ mediumId: idSchema, backedUp: z.boolean(), backupLocation: text(200).optional() })).max(200).optional(),
    }),
    responses: {
      201: { description: 'Recorded; the certificate number is allocated', schema: destructionSchema },
      400: error('Invalid (method details, witnesses, room and place, vendor) or a badge / PIN did not verify; nothing recorded'),
      404: error('Unknown medium, person, organisation or room'),
      409: error('A medium is destroyed already or away on a transfer (its status is named), or someone is not inside the room'),
      423: error('A PIN is locked'),
    },
    handler: async ({ app, body, actor }) => {
      const done = await recordDestruction(app, { ...body, actor: actor!.accountId });
      const db = app.db.knex;
      const row = await getDestruction(db, done.id);
      return { status: 201, json: { ...destructionJson(row, await destroyedMedia(db, [row.id]), app.config.displayTimeZone), record: recordJson(done.record, app.config.displayTimeZone, false) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/destructions/rules',
    summary: 'Which method fits which kind of medium, and the DIN 66399 material class of each kind (the form offers only what fits)',
    description: 'The same matrix the server enforces (NIST SP 800-88 media tables and DIN 66399 / ISO/IEC 21964), so that the form never offers what the server would refuse.',
    tags: ['destructions'],
    access: 'destructions:read',
    responses: {
      200: {
        description: 'The rules',
        schema: z.object({
          methodFits: z.record(z.enum(DESTRUCTION_METHODS), z.record(z.enum(MEDIA_KINDS), z.boolean())),
          materialClass: z.record(z.enum(MEDIA_KINDS), z.enum(['P', 'F', 'O', 'T', 'H', 'E']).nullable()).describe('null: any class (the level says which)'),
          levelRequired: z.array(z.enum(DESTRUCTION_METHODS)),
          levels: z.array(z.number().int()).describe('Levels 1–7'),
        }),
      },
    },
    handler: async () => ({ json: { methodFits: METHOD_FITS, materialClass: MATERIAL_CLASS, levelRequired: [...LEVEL_REQUIRED], levels: [1, 2, 3, 4, 5, 6, 7] } }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/destructions',
    summary: 'Destructions, newest first, by period, depositor or method; format=csv gives one row per medium (UTF-8 with BOM)',
    tags: ['destructions'],
    access: 'destructions:read',
    query: listQuery,
    responses: {
      200: { description: 'Destructions (JSON) or CSV', schema: z.object({ items: z.array(destructionSchema), nextCursor: z.string().nullable() }) },
      400: error('Invalid filter or cursor'),
    },
    handler: async ({ app, db, query }) => {
      const tz = app.config.displayTimeZone;
      if (query.format === 'csv') {
        const rows = (await filteredDestructions(db, query).limit(100_000)) as DestructionRow[];
        const media = await destroyedMedia(db, rows.map((r) => r.id));
        const sigs = new Map<string, string>();
        for (const r of rows) {
          const rec = await getSignedRecord(db, r.record_id);
          sigs.set(r.id, (rec?.signatures ?? []).map((s) => s.manifest.signerName).join(' / '));
        }
        let out = CSV_BOM + csvLine(csvHeaders(CSV_HEADERS, query.lang));
        for (const r of rows) {
          for (const m of media.filter((x) => x.destruction_id === r.id)) {
            if (query.depositorOrgId && m.depositor_org_id !== query.depositorOrgId) continue;
            out += csvLine([
              r.certificate_no,
              ...csvTimeCells(r.performed_at, tz),
              m.depositor_name,
              m.label,
              csvWord(m.kind, KIND_NAMES, query.lang),
              m.manufacturer ?? '',
              m.model ?? '',
              m.serial_no ?? '',
              csvWord(r.method, TECHNIQUE_WORDS, query.lang),
              csvWord(r.category, CATEGORY_WORDS, query.lang),
              r.standard ?? '',
              m.security_level ?? r.security_level ?? '',
              r.tool ?? '',
              r.verified === null ? '' : csvWord(String(r.verified), VERIFIED_WORDS, query.lang),
              r.vendor_name ?? '',
              r.performer_name,
              r.room_name ?? r.place ?? '',
              sigs.get(r.id) ?? '',
            ]);
          }
        }
        return { text: out, contentType: 'text/csv; charset=utf-8', headers: { 'Content-Disposition': 'attachment; filename="destructions.csv"' } };
      }
      const after = decodeCursor(query.cursor, z.tuple([z.iso.datetime({ offset: true }), idSchema]));
      if (query.cursor && !after) throw new ValidationError('The cursor is not valid.', [{ field: 'query.cursor', code: 'invalid_cursor', message: 'not a cursor from this list' }]);
      const q = filteredDestructions(db, query).limit(query.limit + 1);
      if (after) q.whereRaw('(d.performed_at, d.id) < (?::timestamptz, ?::uuid)', after as [string, string]);
      const rows = (await q) as DestructionRow[];
      const page = rows.slice(0, query.limit);
      const media = await destroyedMedia(db, page.map((r) => r.id));
      const last = page[page.length - 1];
      return {
        json: {
          items: page.map((r) => destructionJson(r, media, tz)),
          nextCursor: rows.length > query.limit && last ? encodeCursor([last.performed_at.toISOString(), last.id]) : null,
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/destructions/summary',
    summary: 'A depositor-facing summary of everything destroyed for it in a period (printable A4)',
    tags: ['destructions'],
    access: 'destructions:read',
    query: z.strictObject({ depositorOrgId: idSchema, from: timestampInput, to: timestampInput }),
    responses: { 200: { description: 'HTML page for printing', contentType: 'text/html' }, 400: error('Invalid period'), 404: error('Unknown depositor') },
    handler: async ({ app, db, query }) => {
      if (query.to <= query.from) throw new ValidationError('The period ends before it starts.', [{ field: 'query.to', code: 'before_from', message: 'to must be after from' }]);
      const tz = app.config.displayTimeZone;
      const depositor = await getOrg(db, query.depositorOrgId);
      const rows = (await filteredDestructions(db, query).limit(10_000)) as DestructionRow[];
      const media = (await destroyedMedia(db, rows.map((r) => r.id))).filter((m) => m.depositor_org_id === depositor.id);
      const byId = new Map(rows.map((r) => [r.id, r]));
      const body = html`
<main class="a4 summary">
  <header>
    <h1>廃棄実施報告 <span class="en">Destruction summary</span></h1>
    <p class="sub">${depositor.name} 御中 · ${displayDateTime(query.from, tz)} – ${displayDateTime(query.to, tz)}</p>
  </header>
  <dl class="meta"><dt>証明書 Certificates</dt><dd>${new Set(media.map((m) => m.destruction_id)).size}</dd><dt>媒体 Media destroyed</dt><dd>${media.length}</dd></dl>
  ${media.length === 0
    ? html`<p class="empty">この期間に廃棄された媒体はありません。 Nothing was destroyed for this depositor in this period.</p>`
    : html`<table class="media"><thead><tr><th>証明書番号 Certificate</th><th>実施日時 Performed</th><th>管理番号 Label</th><th>種別 Kind</th><th>方法 Method</th><th>区分 Category</th></tr></thead>
  <tbody>${media.map((m) => {
    const d = byId.get(m.destruction_id)!;
    return html`<tr><td>${d.certificate_no}</td><td>${displayDateTime(d.performed_at, tz)}</td><td>${m.label}</td><td>${m.kind}</td><td>${TECHNIQUE_WORDS[d.method].ja} ${TECHNIQUE_WORDS[d.method].en}</td><td>${CATEGORY_WORDS[d.category].en}</td></tr>`;
  })}</tbody></table>`}
</main>`;
      return { html: printPage({ lang: 'ja', title: `廃棄実施報告 — ${depositor.name}`, bodyClass: 'print', body }) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/destructions/:id',
    summary: 'One destruction with its signatures',
    tags: ['destructions'],
    access: 'destructions:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: destructionSchema }, 404: error('Unknown id') },
    handler: async ({ app, db, params }) => {
      const row = await getDestruction(db, params.id);
      const record = await getSignedRecord(db, row.record_id);
      return { json: { ...destructionJson(row, await destroyedMedia(db, [row.id]), app.config.displayTimeZone), record: recordJson(record!, app.config.displayTimeZone, false) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/destructions/:id/prints',
    summary: 'Record a print of the certificate with the authorised person present (E2.14); returns the print number',
    tags: ['destructions'],
    access: 'destructions:write',
    transaction: false,
    params: idParams,
    body: z.strictObject({ present: signerInput.describe('The responsible or authorised person present, signing with badge + PIN') }),
    responses: {
      201: { description: 'Recorded; open certificateUrl to print', schema: z.object({ printNo: z.number(), reprint: z.boolean(), certificateUrl: z.string() }) },
      400: error('Not an authorised person, or the badge / PIN did not verify'),
      404: error('Unknown destruction'),
      423: error('The PIN is locked'),
    },
    handler: async ({ app, params, body, actor }) => {
      const { printNo } = await recordPrint(app, { destructionId: params.id, present: body.present, actor: actor!.accountId, actorPersonId: actor!.personId });
      return { status: 201, json: { printNo, reprint: printNo > 1, certificateUrl: `/api/destructions/${params.id}/certificate?print=${printNo}` } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/destructions/:id/certificate',
    summary: 'The certificate (廃棄証明書 / Certificate of Destruction) as one A4 page; ?print=N renders recorded print N (later prints say Reprint)',
    description:
      'Rendered from the signed record, never from rows that can change; when those rows or the record no longer match the journal, the page says so. ' +
      'The QR code carries the public check\'s address with the certificate\'s check code; it is printed only when PUBLIC_URL is configured (never an address taken from the request).',
    tags: ['destructions'],
    access: 'destructions:read',
    params: idParams,
    query: z.strictObject({ print: z.coerce.number().int().min(1).max(100_000).optional() }),
    responses: { 200: { description: 'HTML page for printing (without print: an on-screen preview that does not print)', contentType: 'text/html' }, 404: error('Unknown destruction or print'), 409: error('The print was recorded by someone else or too long ago') },
    handler: async ({ app, db, params, query, actor }) => {
      const signed = await signedDestruction(app, db, params.id);
      const printRow = query.print ? await getPrint(db, params.id, query.print) : undefined;
      if (query.print && !printRow) throw new NotFoundError('print', 'No such print of this certificate: record the print first (POST …/prints).');
      // E2.14: a recorded print is printed once, by who recorded it, right away; printing again
      // is a reprint, recorded with the authorised person present.
      if (printRow && (printRow.printed_by !== actor!.accountId || printRow.age_seconds > PRINT_WINDOW_SECONDS)) {
        throw new ConflictError('print_closed', 'This print was recorded by someone else or more than 10 minutes ago. To print again, record a reprint with an authorised person present.');
      }
      const code = checkCodeFor(params.id, app.secrets.badgeKey);
      const page = await renderCertificate({
        content: signed.content,
        record: signed.record,
        roomName: signed.content.roomId ? (signed.content.roomName ?? (await roomNameAsOf(db, signed.content.roomId, signed.record.at))) : null,
        check: { url: checkUrl(app, signed.content.certificateNo, code), code },
        problem: signed.problem,
        site: await siteOf(app),
        tz: app.config.displayTimeZone,
        print: printRow ? { printNo: printRow.print_no, printedAt: printRow.printed_at, printedBy: printRow.printed_by_name, presentName: printRow.present_name } : null,
      });
      return { html: page };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/verify/:certificateNo',
    summary: 'Public check of a certificate (no sign-in): valid, not found, or does not match the journal',
    description:
      'Without the check code printed in the certificate\'s QR code (`c`), the answer says only whether a certificate with this number exists and is intact, and its date — ' +
      'no names, labels or depositor, so numbers cannot be enumerated for their contents. With the right code it also shows the certificate\'s facts, as they were signed. ' +
      'Limited per source address (429 with Retry-After).',
    tags: ['destructions'],
    access: 'public',
    params: z.object({ certificateNo: z.string().max(40) }),
    query: z.strictObject({ c: z.string().max(64).optional().describe('The check code printed in the QR code'), format: z.enum(['html', 'json']).default('html') }),
    responses: {
      200: {
        description:
          'The verdict — valid, not_found or mismatch (does not match the journal) — as a page for people (default) or, with format=json, as JSON. The check itself always succeeds; the verdict is its answer.',
        schema: z.object({
          certificateNo: z.string(),
          status: z.enum(['valid', 'not_found', 'mismatch']),
          performedOn: z.string().nullable().describe('The day it was performed (site time), when the certificate exists'),
          detailed: z.boolean().describe('True when the check code was right and the facts are shown'),
        }),
      },
      429: error('Too many checks from this address'),
    },
    handler: async ({ app, db, params, query, req, res }) => {
      await enforceRate(app, { bucket: 'public_check', limit: app.config.publicRatePerMinute, windowSeconds: 60 }, clientIp(req), 'Too many certificate checks from this address. Try again shortly.');
      const tz = app.config.displayTimeZone;
      const site = await siteOf(app);
      // A malformed number is simply one that does not exist (answered with the same page).
      const check = CERTIFICATE_NO.test(params.certificateNo) ? await checkCertificate(app, db, params.certificateNo, query.c) : ({ status: 'not_found' } as const);
      const detailed = check.status === 'valid' && check.codeMatches && check.content !== null;
      // Facts behind a check code are private to its holder: never cached, never sent on as a referrer.
      res.set(query.c ? { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } : { 'Cache-Control': 'public, max-age=60' });
      const day = check.status === 'not_found' ? null : siteDay(check.performedAt, tz);
      if (query.format === 'json') return { json: { certificateNo: params.certificateNo, status: check.status, performedOn: day, detailed } };
      const verdict = {
        valid: { cls: 'valid', ja: '有効な証明書です', en: 'This certificate is valid: it matches the tamper-evident journal.' },
        not_found: { cls: 'notfound', ja: 'この番号の証明書はありません', en: 'No certificate has this number.' },
        mismatch: { cls: 'mismatch', ja: '記録と一致しません', en: 'This certificate does NOT match the journal. Do not rely on it; contact the issuer.' },
      }[check.status];
      let facts = html``;
      if (check.status !== 'not_found') {
        facts = html`<dl class="meta"><dt>証明書番号 Certificate No.</dt><dd>${params.certificateNo}</dd><dt>実施日 Performed on</dt><dd>${displayDate(check.performedAt, tz, 'ja')}</dd></dl>`;
      }
      if (detailed) {
        const d = check.content!;
        const record = check.record!;
        facts = html`<dl class="meta">
          <dt>証明書番号 Certificate No.</dt><dd>${d.certificateNo}</dd>
          <dt>預託者 Depositor</dt><dd>${depositorNames(d).join('、')}</dd>
          <dt>実施日時 Performed at</dt><dd>${displayDateTime(new Date(d.performedAt), tz)}</dd>
          <dt>方法 Method</dt><dd>${TECHNIQUE_WORDS[d.method].ja} / ${TECHNIQUE_WORDS[d.method].en} · ${CATEGORY_WORDS[d.category].en}</dd>
          <dt>媒体 Media</dt><dd>${d.media.map((m) => m.label).join('、')}</dd>
          <dt>立会人 Witnesses</dt><dd>${record.signatures.map((s) => s.manifest.signerName).join('、')}</dd>
          <dt>記録ハッシュ Record SHA-256</dt><dd><code>${record.contentHash}</code></dd>
        </dl>
        <p class="proof-file"><a href="/verify/${encodeURIComponent(d.certificateNo)}/proof?c=${encodeURIComponent(query.c ?? '')}" download="${d.certificateNo}.tlog-proof" rel="noreferrer">証明ファイル（.tlog-proof）をダウンロード / Download the proof file</a><br>
        <span class="small">改ざん検知記録（ジャーナル）に含まれることの証明です。<code>npx tachiai verify-proof FILE --key LOG_KEY</code> で、サーバーに接続せずに確認できます。 It proves that this certificate is in the signed journal; check it offline with <code>npx tachiai verify-proof FILE --key LOG_KEY</code> and the log key you were given.</span></p>
        <form id="proof-check" class="proof-check" data-testid="proof-check">
          <h2>このブラウザで確認 <span class="en">Check in this browser</span></h2>
          <p class="small">便利のための確認です。この確認の仕組みも発行元のサーバーから届くため、独立した確認にはコマンドを使ってください。 A convenience: this check is itself served by the issuer; for an independent check, use the command above.</p>
          <label>証明ファイル Proof file <input type="file" name="file" accept=".tlog-proof,text/plain" data-testid="proof-check-file"></label>
          <label>検証鍵（発行元から受け取ったもの） Verifier key (vkey) you were given <input type="text" name="vkey" autocomplete="off" spellcheck="false" data-testid="proof-check-vkey"></label>
          <button type="submit" data-testid="proof-check-run">確認する Check</button>
          <div role="status" data-testid="proof-check-result"></div>
        </form>`;
      } else if (check.status === 'valid') {
        facts = html`${facts}<p class="small">${query.c ? '確認コードが一致しません。証明書のQRコードから開いてください。 The check code does not match: open this page from the certificate\'s QR code.' : '証明書の内容は、証明書のQRコード（確認コード付き）から開いた場合にのみ表示されます。 The certificate\'s contents are shown only when this page is opened from its QR code (with the check code).'}</p>`;
      }
      const body = html`
<main class="a4 verify">
  <h1>廃棄証明書の確認 <span class="en">Certificate check</span></h1>
  <p class="issuer">発行元 Issuer: ${site.nameJa} / ${site.nameEn}</p>
  <p class="verdict ${verdict.cls}" data-status="${check.status}"><strong>${verdict.ja}</strong><br>${verdict.en}</p>
  ${facts}
</main>`;
      return { html: printPage({ lang: 'ja', title: `廃棄証明書の確認 ${params.certificateNo}`, bodyClass: 'print', body, ...(detailed ? { scripts: ['proof-check.js'] } : {}) }) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/verify/:certificateNo/proof',
    summary: "A certificate's proof file (c2sp.org/tlog-proof), with its check code (no sign-in)",
    description:
      'The inclusion proof of the destruction\'s journal entry in the journal\'s newest signed checkpoint, with the entry and the signed record as extra data; checked offline by `tachiai verify-proof FILE --key LOG_KEY`. ' +
      'Only with the check code printed in the certificate\'s QR code: without it, or for a number that does not exist, 404 alike. Limited per source address (429 with Retry-After).',
    tags: ['destructions'],
    access: 'public',
    transaction: false,
    params: z.object({ certificateNo: z.string().max(40) }),
    query: z.strictObject({ c: z.string().min(1).max(64).describe('The check code printed in the QR code') }),
    responses: {
      200: { description: 'The proof file (text/plain, as an attachment NNNN-NNNNNN.tlog-proof)', contentType: 'text/plain' },
      404: error('No such certificate, or not this check code'),
      409: error('The certificate does not match the journal, or is not in a signed checkpoint yet'),
      429: error('Too many checks from this address'),
    },
    handler: async ({ app, db, params, query, req }) => {
      await enforceRate(app, { bucket: 'public_check', limit: app.config.publicRatePerMinute, windowSeconds: 60 }, clientIp(req), 'Too many certificate checks from this address. Try again shortly.');
      if (!CERTIFICATE_NO.test(params.certificateNo)) throw new NotFoundError('proof', 'No proof file for this certificate number and check code.');
      const file = await certificateProofFile(app, db, await logOriginOf(app), params.certificateNo, query.c);
      return { text: file, contentType: 'text/plain; charset=utf-8', headers: { 'Content-Disposition': `attachment; filename="${params.certificateNo}.tlog-proof"`, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } };
    },
  }),
];
