// The monthly report as A4 pages (ja or en): rendered from the signed content (or, for a draft,
// from the content as it would be signed), every page numbered, every table's heading repeated with
// the report's number, the QR code to the public check, the signatures as recorded.
import QRCode from 'qrcode';
import { escapeHtml, html, raw, type RawHtml } from '../shared/html.js';
import { displayDate, displayDateTime } from '../shared/time.js';
import { signatureRows } from '../signatures/views.js';
import type { StoredRecord } from '../signatures/service.js';
import type { Site } from '../system/site.js';
import { CLASSIFICATION_WORDS, KIND_NAMES, type MediaKind } from '../media/rules.js';
import { DISPOSITION_WORDS, FINDING_TITLES, SEVERITY_WORDS } from '../reviews/words.js';
import type { ReportContent } from './content.js';

export type Lang = 'ja' | 'en';

const W = {
  title: { ja: '月次報告書', en: 'Monthly report' },
  to: { ja: '御中', en: '' },
  month: { ja: '対象月', en: 'Month' },
  reportNo: { ja: '報告書番号', en: 'Report No.' },
  issuer: { ja: '発行', en: 'Issued by' },
  draft: { ja: '下書き（未署名・未発行）', en: 'Draft — not signed, not issued' },
  preview: { ja: 'プレビュー（未発行）', en: 'Preview — not an issued print' },
  reprint: { ja: '再発行', en: 'Reprint' },
  holdings: { ja: '1. 月末の保管状況（保管記録から再構成）', en: '1. Media held at the end of the month (rebuilt from the custody records)' },
  status: { ja: '状態', en: 'Status' },
  place: { ja: '場所・保持者', en: 'Location / holder' },
  count: { ja: '件数', en: 'Count' },
  label: { ja: '管理番号', en: 'Label' },
  kind: { ja: '種別', en: 'Kind' },
  classification: { ja: '機密区分', en: 'Class' },
  noneHeld: { ja: '月末に保管している媒体はありません。', en: 'No media were held at the end of the month.' },
  gone: { ja: '月末までに当拠点を離れた媒体', en: 'Media no longer held at the end of the month' },
  events: { ja: '2. 当月の受領・受け渡し・搬送・複製・廃棄', en: '2. Receipts, handovers, transfers, copies and destructions of the month' },
  date: { ja: '日時', en: 'Date' },
  event: { ja: '区分', en: 'Event' },
  mediaTitle: { ja: '媒体', en: 'Media' },
  number: { ja: '記録番号・証明書番号', en: 'Record / certificate No.' },
  noEvents: { ja: '当月の記録はありません。', en: 'Nothing was recorded this month.' },
  stepCounts: { ja: '持出し {checkout} 件・返却 {checkin} 件（保管記録 計 {steps} 件）', en: '{checkout} check-out(s), {checkin} check-in(s) ({steps} custody steps in all)' },
  inspectionsTitle: { ja: '3. 点検と差異', en: '3. Inspections and discrepancies' },
  location: { ja: '場所', en: 'Location' },
  inspector: { ja: '点検者', en: 'Inspector' },
  expected: { ja: '対象', en: 'Expected' },
  missing: { ja: '不足', en: 'Missing' },
  unexpected: { ja: '想定外', en: 'Unexpected' },
  noInspections: { ja: '当月の点検記録はありません。', en: 'No inspection was recorded this month.' },
  reviewsTitle: { ja: '4. 週次点検の指摘と処置', en: '4. Weekly reviews: findings and dispositions' },
  week: { ja: '週', en: 'Week' },
  finding: { ja: '指摘', en: 'Finding' },
  severity: { ja: '重要度', en: 'Severity' },
  disposition: { ja: '処置', en: 'Disposition' },
  siteWide: { ja: '拠点全体', en: 'site-wide' },
  noFindings: { ja: '該当する指摘はありません。', en: 'No findings concern this depositor.' },
  noReviews: { ja: '当月に署名された週次点検はありません。', en: 'No weekly review of this month has been signed.' },
  peopleTitle: { ja: '5. 責任者・担当者の選任と退任', en: '5. People appointed and who left' },
  role: { ja: '役割', en: 'Role' },
  name: { ja: '氏名', en: 'Name' },
  appointed: { ja: '選任', en: 'Appointed' },
  ended: { ja: '解任', en: 'Ended' },
  left: { ja: '退職', en: 'Left' },
  noPeople: { ja: '当月の選任・退任はありません。', en: 'No one was appointed or left this month.' },
  trainingsTitle: { ja: '6. 教育と訓練', en: '6. Trainings and drills' },
  training: { ja: '教育', en: 'Training' },
  participants: { ja: '参加者数', en: 'Participants' },
  drill: { ja: '訓練', en: 'Drill' },
  findings: { ja: '所見', en: 'Findings' },
  noTrainings: { ja: '当月の教育・訓練はありません。', en: 'No training or drill this month.' },
  compliance: { ja: '7. 遵守状況の概要', en: '7. Compliance summary' },
  asOf: { ja: '判定日時', en: 'As of' },
  clause: { ja: '条項', en: 'Clause' },
  allOk: { ja: 'すべての条項が満たされています。', en: 'Every clause is met.' },
  noticesTitle: { ja: '8. 送付した通知', en: '8. Notices sent' },
  subject: { ja: '件名', en: 'Subject' },
  recipient: { ja: '宛先', en: 'Recipient' },
  noNotices: { ja: '当月の通知はありません。', en: 'No notice was sent this month.' },
  signaturesTitle: { ja: '署名', en: 'Signature' },
  hash: { ja: '記録ハッシュ', en: 'Record SHA-256' },
  checkCode: { ja: '確認コード', en: 'Check code' },
  checkOnline: { ja: '真正性の確認', en: 'Check online' },
  noQr: { ja: '確認用URLが未設定のためQRコードを印刷できません（PUBLIC_URL）。', en: 'No QR code: the site\'s public address (PUBLIC_URL) is not configured.' },
  printed: { ja: '出力 {at}・出力者 {by}・立会い権限者 {present}', en: 'Printed {at} by {by}; authorised person present: {present}' },
  refusal: { ja: 'プレビューは印刷できません。権限者の立会いのもと「報告書を印刷」から印刷してください（E2.14）。', en: 'A preview does not print: record a print with an authorised person present (E2.14).' },
  mismatch: { ja: '記録と一致しません — この報告書を発行・信頼しないでください。', en: 'This report does NOT match the journal. Do not issue or rely on it.' },
} as const;

const STATUS: Record<string, { ja: string; en: string }> = {
  stored: { ja: '保管中', en: 'Stored' },
  checked_out: { ja: '持出し中', en: 'Checked out' },
  in_transit: { ja: '搬送中', en: 'In transit' },
  returned_to_depositor: { ja: '返却済み', en: 'Returned to the depositor' },
  destroyed: { ja: '廃棄済み', en: 'Destroyed' },
};
const EVENT: Record<string, { ja: string; en: string }> = {
  registered: { ja: '受入登録', en: 'Registered' },
  received_from_depositor: { ja: '預託者から受領', en: 'Received from the depositor' },
  handover: { ja: '受け渡し', en: 'Handover' },
  return_to_depositor: { ja: '預託者へ返却', en: 'Returned to the depositor' },
  redeposit: { ja: '再預託', en: 'Deposited again' },
  transfer_send: { ja: '搬出', en: 'Sent off site' },
  transfer_receive: { ja: '搬送先で受領', en: 'Received at destination' },
  copied: { ja: '複製', en: 'Copy made' },
  copy_made: { ja: '複製', en: 'Copy made' },
  destroy: { ja: '廃棄', en: 'Destroyed' },
};
const ROLE: Record<string, { ja: string; en: string }> = { responsible: { ja: '責任者', en: 'Responsible person' }, staff: { ja: '担当者', en: 'Staff member' } };
const ENDED: Record<string, { ja: string; en: string }> = { resigned: { ja: '退職', en: 'resigned' }, transferred: { ja: '異動', en: 'transferred' }, replaced: { ja: '交代', en: 'replaced' }, other: { ja: 'その他', en: 'other' } };
const DRILL: Record<string, { ja: string; en: string }> = { fire: { ja: '消防訓練', en: 'Fire drill' }, migration: { ja: '移行訓練', en: 'Migration drill' } };
const CSTATUS: Record<string, { ja: string; en: string }> = {
  attention: { ja: '要対応', en: 'Attention' },
  missing: { ja: '記録なし', en: 'Missing' },
  unknown: { ja: '不明', en: 'Unknown' },
  manual: { ja: '要表明', en: 'Manual' },
  ok: { ja: '適合', en: 'OK' },
};
const NSTATUS: Record<string, { ja: string; en: string }> = { queued: { ja: '送信待ち', en: 'queued' }, sending: { ja: '送信中', en: 'sending' }, sent: { ja: '送信済み', en: 'sent' }, failed: { ja: '失敗', en: 'failed' } };

const fill = (s: string, v: Record<string, string | number>) => s.replace(/\{(\w+)\}/g, (_, k: string) => String(v[k] ?? ''));
const word = (m: Record<string, { ja: string; en: string }>, k: string, lang: Lang) => m[k]?.[lang] ?? k;

/** '極秘 Top secret' → 極秘 or Top secret. */
function classWord(c: string, lang: Lang): string {
  const [ja, ...en] = (CLASSIFICATION_WORDS[c] ?? c).split(' ');
  return lang === 'ja' ? (ja ?? c) : en.join(' ') || c;
}

export interface ReportPrint {
  printNo: number;
  printedAt: Date;
  printedBy: string;
  presentName: string;
}

export async function renderReport(opts: {
  content: ReportContent & { reportNo?: string };
  lang: Lang;
  tz: string;
  site: Site;
  /** The signed record (null: a draft). */
  record: StoredRecord | null;
  check: { url: string | null; code: string } | null;
  print: ReportPrint | null;
  problem: string | null;
}): Promise<string> {
  const { content: c, lang: L, tz, record, print } = opts;
  const w = (k: keyof typeof W) => W[k][L];
  const day = (iso: string) => displayDate(new Date(iso), tz, L);
  const when = (iso: string) => displayDateTime(new Date(iso), tz);
  const no = c.reportNo ?? w('draft');
  const qr = opts.check?.url ? await QRCode.toString(opts.check.url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }) : null;
  const preview = !print;
  /** A table whose heading (with the report's number) repeats on every page it reaches. */
  const table = (cls: string, cols: string[], rows: RawHtml[]) =>
    html`<table class="${cls}"><thead><tr class="ref"><th colspan="${cols.length}">${w('title')} ${no} · ${c.depositorName} · ${c.month}</th></tr><tr>${cols.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
  const empty = (k: keyof typeof W) => html`<p class="empty">${w(k)}</p>`;
  const gone = Object.entries(c.holdings.gone);
  const fromDay = day(c.from);
  const toDay = day(new Date(new Date(c.to).getTime() - 1).toISOString());
  const findings = c.reviews.flatMap((r) => r.findings.map((f) => ({ week: r.week, ...f })));

  const body = html`
${preview ? html`<p class="print-refusal">${w('refusal')}</p>` : ''}
${opts.problem ? html`<p class="verdict mismatch" data-status="mismatch"><strong>${w('mismatch')}</strong></p>` : ''}
<main class="a4 monthly-report${preview ? ' preview' : ''}" data-lang="${L}">
  <header class="report-head">
    <div>
      <h1>${w('title')}${L === 'ja' ? html` <span class="en">Monthly report</span>` : ''}</h1>
      <p class="sub"><strong class="depositor">${c.depositorName}</strong> ${w('to')}</p>
      <dl class="meta">
        <dt>${w('month')}</dt><dd>${c.month}（${fromDay} – ${toDay}）</dd>
        <dt>${w('reportNo')}</dt><dd><strong class="report-no">${no}</strong>${print && print.printNo > 1 ? html` · <strong class="reprint">${w('reprint')} ${print.printNo}</strong>` : ''}${record && preview ? html` · <strong class="reprint">${w('preview')}</strong>` : ''}</dd>
        <dt>${w('issuer')}</dt><dd>${opts.site.nameJa} / ${opts.site.nameEn}</dd>
      </dl>
    </div>
    ${record ? html`<div class="report-qr">${qr ? html`${raw(qr)}<div class="small">${w('checkOnline')}</div>` : html`<div class="small">${w('noQr')}</div>`}</div>` : ''}
  </header>

  <h2>${w('holdings')}</h2>
  ${c.holdings.groups.length === 0
    ? empty('noneHeld')
    : table('groups', [w('status'), w('place'), w('count')], c.holdings.groups.map((g) => html`<tr><td>${word(STATUS, g.status, L)}</td><td>${g.place || '—'}</td><td class="num">${g.count}</td></tr>`))}
  ${gone.length ? html`<p class="small">${w('gone')}: ${gone.map(([s, n]) => `${word(STATUS, s, L)} ${n}`).join(' · ')}</p>` : ''}
  ${c.holdings.media.length
    ? table(
        'held-media',
        ['#', w('label'), w('kind'), w('classification'), w('status'), w('place')],
        c.holdings.media.map(
          (m, i) => html`<tr><td class="num">${i + 1}</td><td class="nowrap">${m.label}</td><td>${KIND_NAMES[m.kind as MediaKind]?.[L] ?? m.kind}</td><td>${classWord(m.classification, L)}</td><td>${word(STATUS, m.status, L)}</td><td>${m.place || '—'}</td></tr>`,
        ),
      )
    : ''}

  <h2>${w('events')}</h2>
  <p class="small step-counts">${fill(w('stepCounts'), { checkout: c.counts.checkout ?? 0, checkin: c.counts.checkin ?? 0, steps: c.counts.steps ?? 0 })}</p>
  ${c.events.length === 0
    ? empty('noEvents')
    : table(
        'events',
        [w('date'), w('event'), w('mediaTitle'), w('number')],
        c.events.map(
          (e) => html`<tr><td class="nowrap">${when(e.at)}</td><td>${word(EVENT, e.action, L)}${e.destination ? html`<br><span class="small">→ ${e.destination}</span>` : ''}</td><td>${e.labels.join(', ')}</td><td class="mono">${e.certificateNo ? html`<strong>${e.certificateNo}</strong><br>` : ''}${e.recordId ?? '—'}</td></tr>`,
        ),
      )}

  <h2>${w('inspectionsTitle')}</h2>
  ${c.inspections.length === 0
    ? empty('noInspections')
    : table(
        'inspection-list',
        [w('date'), w('location'), w('inspector'), w('expected'), w('missing'), w('unexpected')],
        c.inspections.map(
          (i) => html`<tr class="${i.missing.length || i.unexpected.length ? 'discrepancy' : ''}"><td class="nowrap">${when(i.at)}</td><td>${i.location}</td><td>${i.inspector}</td><td class="num">${i.expected}</td><td>${i.missing.join(', ') || '—'}</td><td>${i.unexpected.join(', ') || '—'}</td></tr>`,
        ),
      )}

  <h2>${w('reviewsTitle')}</h2>
  ${c.reviews.length === 0
    ? empty('noReviews')
    : findings.length === 0
      ? empty('noFindings')
      : table(
          'findings',
          [w('week'), w('date'), w('finding'), w('severity'), w('disposition'), w('mediaTitle')],
          findings.map(
            (f) => html`<tr><td class="nowrap">${f.week}</td><td class="nowrap">${day(f.at)}</td><td>${word(FINDING_TITLES, f.kind, L)}</td><td>${word(SEVERITY_WORDS, f.severity, L)}</td><td>${word(DISPOSITION_WORDS, f.disposition, L)}</td><td>${f.siteWide ? w('siteWide') : f.labels.join(', ') || '—'}</td></tr>`,
          ),
        )}

  <h2>${w('peopleTitle')}</h2>
  ${c.people.length === 0
    ? empty('noPeople')
    : table(
        'people-list',
        [w('role'), w('name'), w('appointed'), w('ended'), w('left')],
        c.people.map((p) => html`<tr><td>${word(ROLE, p.role, L)}</td><td>${p.name}</td><td>${p.appointedAt ? day(p.appointedAt) : '—'}</td><td>${p.endedAt ? `${day(p.endedAt)}${p.endedReason ? `（${word(ENDED, p.endedReason, L)}）` : ''}` : '—'}</td><td>${p.leftAt ? day(p.leftAt) : '—'}</td></tr>`),
      )}

  <h2>${w('trainingsTitle')}</h2>
  ${c.trainings.length === 0 && c.drills.length === 0
    ? empty('noTrainings')
    : table('training-list', [w('date'), w('event'), w('findings'), w('participants')], [
        ...c.trainings.map((t) => html`<tr><td class="nowrap">${day(t.heldAt)}</td><td>${w('training')}: ${t.title}</td><td>${t.method}</td><td class="num">${t.participants}</td></tr>`),
        ...c.drills.map((d) => html`<tr><td class="nowrap">${day(d.heldAt)}</td><td>${word(DRILL, d.kind, L)}${d.standbySite ? ` → ${d.standbySite}` : ''}</td><td>${d.findings}</td><td class="num">—</td></tr>`),
      ])}

  <h2>${w('compliance')}</h2>
  ${c.compliance
    ? html`<p class="small">${w('asOf')}: ${when(c.compliance.asOf)} · ${Object.entries(c.compliance.summary).map(([s, n]) => `${word(CSTATUS, s, L)} ${n}`).join(' · ')}</p>
      ${c.compliance.rows.length === 0 ? empty('allOk') : table('compliance', [w('clause'), w('status')], c.compliance.rows.map((r) => html`<tr><td><span class="nowrap">${r.id}</span> ${L === 'ja' ? r.ja : r.en}</td><td class="nowrap">${word(CSTATUS, r.status, L)}</td></tr>`))}`
    : ''}

  <h2>${w('noticesTitle')}</h2>
  ${c.notices.length === 0
    ? empty('noNotices')
    : table('notice-list', [w('date'), w('subject'), w('recipient'), w('status')], c.notices.map((n) => html`<tr><td class="nowrap">${when(n.createdAt)}</td><td>${n.subject}</td><td>${n.recipient}</td><td>${word(NSTATUS, n.status, L)}</td></tr>`))}

  ${record
    ? html`<section class="report-sign"><h2>${w('signaturesTitle')}</h2>${signatureRows(record, tz)}
  <footer class="report-foot">
    <div>${w('hash')}: <code>${record.contentHash}</code></div>
    ${opts.check ? html`<div>${w('checkCode')}: <code class="check-code">${opts.check.code}</code>${opts.check.url ? html` · <code>${opts.check.url}</code>` : ''}</div>` : ''}
    ${print ? html`<div class="printed">${fill(w('printed'), { at: displayDateTime(print.printedAt, tz), by: print.printedBy, present: print.presentName })}</div>` : ''}
  </footer></section>`
    : ''}
</main>`;
  return `<!doctype html>
<html lang="${L}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(`${W.title[L]} ${no} — ${c.depositorName} ${c.month}`)}</title>
<link rel="stylesheet" href="/assets/print.css">
<link rel="stylesheet" href="/assets/report-print.css">
</head>
<body class="print">
${body.html}
</body>
</html>
`;
}
