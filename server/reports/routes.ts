// The depositor's monthly report (issue 18, part 3): its draft, signing by the responsible person,
// the list, the A4 page (ja/en), prints with the authorised person present (E2.14), and the public
// check behind the check code of its QR code.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams, idSchema } from '../shared/schemas.js';
import { displayDate, toRfc3339 } from '../shared/time.js';
import { html, printPage } from '../shared/html.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { AppContext } from '../context.js';
import { recordJson } from '../signatures/views.js';
import { enforceRate } from '../throttle/rate-limit.js';
import { clientIp } from '../shared/client-ip.js';
import { siteOf } from '../system/site.js';
import { checkReport, draftReport, listReports, recordReportPrint, reportCheckCode, reportPrintAsSigned, signedReport, signReport, type ReportRow } from './service.js';
import { langQuery, printBody, reportContentSchema, reportQuery, reportSchema, signReportBody } from './schemas.js';
import { renderReport } from './page.js';

const error = (description: string) => ({ description, schema: errorSchema });

/** How long after recording a print its page may be opened (by who recorded it). */
const PRINT_WINDOW_SECONDS = 600;

const pageUrl = (id: string) => `/api/monthly-reports/${id}/page`;

function reportJson(r: ReportRow, tz: string) {
  return { id: r.id, reportNo: r.report_no, depositorOrgId: r.depositor_org_id, month: r.month, signedBy: r.signed_by, signedAt: toRfc3339(r.signed_at, tz), recordId: r.record_id, pageUrl: pageUrl(r.id) };
}

/** The public check's address with the check code; null until PUBLIC_URL is set (never from the request's Host). */
function checkUrl(app: AppContext, reportNo: string, code: string): string | null {
  return app.config.publicUrl ? `${app.config.publicUrl}/verify/report/${encodeURIComponent(reportNo)}?c=${code}` : null;
}

export const reportRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/monthly-reports/draft',
    summary: 'The monthly report of one depositor as it would be signed now (nothing stored); format=html for its A4 page (ja/en)',
    description:
      'Media held at the month\'s end by status and location, rebuilt from the custody steps as they stood then; the receipts, handovers, transfers, copies and destructions of the month with their record and certificate numbers; ' +
      'inspections with discrepancies; the weekly reviews\' findings and dispositions that concern this depositor; appointments and leaves; trainings and drills; the compliance summary; notices sent. Nothing of another depositor.',
    tags: ['reports'],
    access: 'compliance:read',
    query: reportQuery.extend({ format: z.enum(['json', 'html']).default('json'), lang: langQuery }),
    responses: {
      200: { description: 'The content (JSON), or its page (format=html)', schema: reportContentSchema },
      400: error('Not a month, or a month in the future'),
      404: error('Unknown depositor (or an organisation of another kind)'),
    },
    handler: async ({ app, query }) => {
      const content = await draftReport(app, query.depositorOrgId, query.month);
      if (query.format === 'html') {
        return { html: await renderReport({ content, lang: query.lang, tz: app.config.displayTimeZone, site: await siteOf(app), record: null, check: null, print: null, problem: null }) };
      }
      return { json: content };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/monthly-reports',
    summary: 'Sign the monthly report of a depositor and a month that is over (the responsible person, own badge + PIN); allocates its number',
    tags: ['reports'],
    access: 'compliance:write',
    transaction: false, // the PIN is checked first (a wrong one counts), then one transaction
    body: signReportBody,
    responses: {
      201: { description: 'Signed', schema: reportSchema },
      400: error('Not a month, a month in the future, or the badge / PIN did not verify; nothing stored'),
      403: error('Not the responsible person, or someone else\'s badge'),
      404: error('Unknown depositor'),
      409: error('The month is not over yet, or its report is signed already'),
      423: error('The PIN is locked'),
    },
    handler: async ({ app, body, actor }) => {
      const { row, record, content } = await signReport(app, { depositorOrgId: body.depositorOrgId, month: body.month, signer: { personId: body.signer.personId, badge: body.signer.badge, pin: body.signer.pin } }, actor!);
      const tz = app.config.displayTimeZone;
      return { status: 201, json: { ...reportJson(row, tz), content, record: recordJson(record, tz, false) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/monthly-reports',
    summary: 'Signed monthly reports, newest month first (of one depositor with depositorOrgId)',
    tags: ['reports'],
    access: 'compliance:read',
    query: z.strictObject({ depositorOrgId: idSchema.optional() }),
    responses: { 200: { description: 'The reports', schema: z.object({ items: z.array(reportSchema) }) } },
    handler: async ({ app, db, query }) => ({ json: { items: (await listReports(db, query.depositorOrgId)).map((r) => reportJson(r, app.config.displayTimeZone)) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/monthly-reports/:id',
    summary: 'One signed monthly report with its content as signed',
    tags: ['reports'],
    access: 'compliance:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: reportSchema }, 404: error('Unknown report') },
    handler: async ({ app, db, params }) => {
      const { row, record, content } = await signedReport(app, db, params.id);
      const tz = app.config.displayTimeZone;
      const { reportId: _id, reportNo: _no, ...rest } = content;
      return { json: { ...reportJson(row, tz), content: rest, record: recordJson(record, tz, false) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/monthly-reports/:id/prints',
    summary: 'Record a print of the report with the authorised person present (E2.14); returns the print number',
    tags: ['reports'],
    access: 'compliance:write',
    transaction: false,
    params: idParams,
    body: printBody,
    responses: {
      201: { description: 'Recorded; open pageUrl to print', schema: z.object({ printNo: z.number(), reprint: z.boolean(), pageUrl: z.string() }) },
      400: error('Not an authorised person, or the badge / PIN did not verify'),
      404: error('Unknown report'),
      423: error('The PIN is locked'),
    },
    handler: async ({ app, params, body, actor }) => {
      const { printNo } = await recordReportPrint(app, { reportId: params.id, present: { personId: body.present.personId, badge: body.present.badge, pin: body.present.pin }, actor: actor!.accountId, actorPersonId: actor!.personId });
      return { status: 201, json: { printNo, reprint: printNo > 1, pageUrl: `${pageUrl(params.id)}?print=${printNo}` } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/monthly-reports/:id/page',
    summary: 'The signed report as A4 pages (lang=ja|en); ?print=N renders recorded print N (without it: an on-screen preview that does not print)',
    description: 'Rendered from the signed record; when the record no longer matches the journal the page says so. The QR code carries the public check\'s address with the check code (only when PUBLIC_URL is set).',
    tags: ['reports'],
    access: 'compliance:read',
    params: idParams,
    query: z.strictObject({ print: z.coerce.number().int().min(1).max(100_000).optional(), lang: langQuery }),
    responses: { 200: { description: 'HTML pages for printing', contentType: 'text/html' }, 404: error('Unknown report or print'), 409: error('The print was recorded by someone else or too long ago') },
    handler: async ({ app, db, params, query, actor }) => {
      const { row, record, content, problem } = await signedReport(app, db, params.id);
      // Rendered from the signed records only: the report's content and the print's, names as signed.
      const printRow = query.print ? await reportPrintAsSigned(db, row.id, query.print) : undefined;
      if (query.print && !printRow) throw new NotFoundError('print', 'No such print of this report: record the print first (POST …/prints).');
      if (printRow && (printRow.printed_by !== actor!.accountId || printRow.age_seconds > PRINT_WINDOW_SECONDS)) {
        throw new ConflictError('print_closed', 'This print was recorded by someone else or more than 10 minutes ago. To print again, record a reprint with an authorised person present.');
      }
      const code = reportCheckCode(row.id, app.secrets.badgeKey);
      const page = await renderReport({
        content,
        lang: query.lang,
        tz: app.config.displayTimeZone,
        site: await siteOf(app),
        record,
        check: { url: checkUrl(app, row.report_no, code), code },
        print: printRow ? { printNo: printRow.print_no, printedAt: printRow.printed_at, printedBy: printRow.printed_by_name, presentName: printRow.present_name } : null,
        problem,
      });
      return { html: page };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/verify/report/:reportNo',
    summary: 'Public check of a monthly report (no sign-in), behind the check code of its QR code: issued when, and intact — never its contents',
    description:
      'Without the right check code (`c`) every number answers "not found", whether a report has it or not: numbers cannot be enumerated. With it, the answer says that the report with this number was issued, on which day, ' +
      'and whether it still matches the journal — nothing of its contents (not even the depositor). Limited per source address (429 with Retry-After).',
    tags: ['reports'],
    access: 'public',
    params: z.object({ reportNo: z.string().max(40) }),
    query: z.strictObject({ c: z.string().max(64).optional().describe('The check code printed in the QR code'), format: z.enum(['html', 'json']).default('html') }),
    responses: {
      200: {
        description: 'The verdict — valid, not_found or mismatch — as a page (default) or JSON',
        schema: z.object({ reportNo: z.string(), status: z.enum(['valid', 'not_found', 'mismatch']), issuedOn: z.string().nullable() }),
      },
      429: error('Too many checks from this address'),
    },
    handler: async ({ app, db, params, query, req, res }) => {
      await enforceRate(app, { bucket: 'public_check', limit: app.config.publicRatePerMinute, windowSeconds: 60 }, clientIp(req), 'Too many checks from this address. Try again shortly.');
      const tz = app.config.displayTimeZone;
      const check = await checkReport(app, db, params.reportNo, query.c);
      res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
      const issuedOn = check.status === 'not_found' ? null : displayDate(check.issuedAt, tz, 'ja');
      if (query.format === 'json') return { json: { reportNo: params.reportNo, status: check.status, issuedOn } };
      const site = await siteOf(app);
      const verdict = {
        valid: { cls: 'valid', ja: '発行済みの報告書です。記録と一致しています（改ざんなし）。', en: 'This report was issued and is intact: it matches the tamper-evident journal.' },
        not_found: { cls: 'notfound', ja: 'この番号と確認コードの報告書はありません。', en: 'No report has this number and check code. Open this page from the report\'s QR code.' },
        mismatch: { cls: 'mismatch', ja: '記録と一致しません', en: 'This report does NOT match the journal. Do not rely on it; contact the issuer.' },
      }[check.status];
      const body = html`
<main class="a4 verify">
  <h1>月次報告書の確認 <span class="en">Monthly report check</span></h1>
  <p class="issuer">発行元 Issuer: ${site.nameJa} / ${site.nameEn}</p>
  <p class="verdict ${verdict.cls}" data-status="${check.status}"><strong>${verdict.ja}</strong><br>${verdict.en}</p>
  ${issuedOn ? html`<dl class="meta"><dt>報告書番号 Report No.</dt><dd class="report-no">${params.reportNo}</dd><dt>発行日 Issued on</dt><dd class="issued-on">${issuedOn}</dd></dl>` : ''}
  <p class="small">この確認ページは報告書の内容を表示しません。 This check never shows the report's contents.</p>
</main>`;
      return { html: printPage({ lang: 'ja', title: `月次報告書の確認 ${params.reportNo}`, bodyClass: 'print', body }) };
    },
  }),
];
