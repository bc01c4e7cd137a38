// The destruction certificate (廃棄証明書 / Certificate of Destruction): one A4 page (more for many
// media: each page numbered, the media table's heading with the certificate number repeated),
// Japanese and English together, with the fields of a sanitization certificate (NIST SP 800-88
// Rev. 1 Appendix G; Rev. 2 asks for a record per medium): the person performing it, each medium, the
// sanitization (category, technique, tool, verification, destination), the validating witnesses,
// the depositor, the record's hash and a QR code to the public check page.
import QRCode from 'qrcode';
import { html, printPage, raw, type RawHtml } from '../shared/html.js';
import { displayDateTime } from '../shared/time.js';
import { presenceLine, signatureRows } from '../signatures/views.js';
import type { StoredRecord } from '../signatures/service.js';
import { CATEGORY_WORDS, TECHNIQUE_WORDS } from './rules.js';
import { depositorNames, type DestructionContent, type SignedMedium } from './record.js';
import type { Site } from '../system/site.js';
import { CLASSIFICATION_WORDS, KIND_WORDS, type MediaKind } from '../media/rules.js';


/** A medium's level as signed: its own, or (records signed before levels per medium) the destruction's. */
function levelOf(m: SignedMedium, d: DestructionContent): string | null {
  return m.securityLevel !== undefined ? m.securityLevel : d.securityLevel;
}

/** The distinct levels of a destruction's media. */
function levelsOf(d: DestructionContent): string[] {
  return [...new Set(d.media.map((m) => levelOf(m, d)).filter((l): l is string => !!l))];
}

export interface CertificatePrint {
  printNo: number;
  printedAt: Date;
  printedBy: string;
  presentName: string;
}

export interface CertificateCheckLink {
  /** The public check's address with the check code, for the QR code; null until PUBLIC_URL is set. */
  url: string | null;
  /** The check code (also printed in words, to type it on the check page). */
  code: string;
}

/**
 * The certificate as signed: every fact comes from the signed record's content (security review,
 * finding 3) — the room's name as it was then (finding 12) — with the signatures as recorded. When
 * today's rows or the record no longer match the journal, the page says so instead of certifying.
 */
export async function renderCertificate(opts: {
  content: DestructionContent;
  record: StoredRecord;
  roomName: string | null;
  check: CertificateCheckLink;
  problem: string | null;
  /** The issuing site (its display names and fixed id). */
  site: Site;
  tz: string;
  print: CertificatePrint | null;
}): Promise<string> {
  const { content: d, record, tz, print } = opts;
  const qr = opts.check.url ? await QRCode.toString(opts.check.url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }) : null;
  const technique = d.technique ?? `${TECHNIQUE_WORDS[d.method].ja} / ${TECHNIQUE_WORDS[d.method].en}`;
  const yesNo = (v: boolean | null, yes: string, no: string) => (v === null ? '—' : v ? yes : no);
  const where = opts.roomName ?? d.place ?? '—';
  const reprint = print && print.printNo > 1;
  const rows: Array<[string, string | RawHtml]> = [
    ['区分 Category', `${CATEGORY_WORDS[d.category].ja} / ${CATEGORY_WORDS[d.category].en}`],
    ['方法 Technique', technique],
    ['基準・等級 Standard / level', [d.standard, levelsOf(d).length === 1 ? `DIN 66399 / ISO/IEC 21964 ${levelsOf(d)[0]}` : levelsOf(d).length > 1 ? 'DIN 66399 / ISO/IEC 21964 媒体ごと（下表） per medium (below)' : null].filter(Boolean).join(' · ') || '—'],
    ['ツール Tool (version)', d.tool ? `${d.tool}${d.toolVersion ? ` (${d.toolVersion})` : ''}${d.pattern ? ` · ${d.pattern}` : ''}` : '—'],
    ['検証 Verification', `${d.verificationMethod ?? '—'} · ${yesNo(d.verified, '検証済み Verified', '未検証 Not verified')}`],
    ['処理後 Destination after', d.destinationAfter ?? '—'],
    ['委託先 Disposal vendor', d.vendor?.name ?? '—'],
    ['実施日時 Performed at', displayDateTime(new Date(d.performedAt), tz)],
  ];
  const body = html`
${print ? '' : html`<p class="print-refusal">プレビューは印刷できません。権限者の立会いのもと「証明書を印刷」から印刷してください（E2.14）。<br>A preview does not print: use "Print certificate" with an authorised person present (E2.14).</p>`}
${opts.problem ? html`<p class="verdict mismatch" data-status="mismatch"><strong>記録と一致しません — この証明書を発行・信頼しないでください。</strong><br>This certificate does NOT match the journal: its records were changed after signing. Do not issue or rely on it.</p>` : ''}
<main class="a4 certificate${print ? '' : ' preview'}${opts.problem ? ' mismatch' : ''}">
  <header class="cert-head">
    <div>
      <h1>廃棄証明書 <span class="en">Certificate of Destruction</span></h1>
      <p class="issuer">発行 Issued by: ${opts.site.nameJa} / ${opts.site.nameEn} <span class="mono">(${opts.site.id})</span></p>
      <p class="sub">証明書番号 Certificate No. <strong class="cert-no">${d.certificateNo}</strong>
      ${reprint ? html` · <strong class="reprint">再発行 / Reprint No. ${print!.printNo}</strong>` : ''}
      ${print ? '' : html` · <strong class="reprint">プレビュー（未発行） / Preview — not an issued print</strong>`}</p>
    </div>
    <div class="cert-qr">${qr
      ? html`${raw(qr)}<div class="small">真正性の確認 Check online</div>`
      : html`<div class="qr-missing small">確認用URLが未設定のためQRコードを印刷できません（管理者: PUBLIC_URL を設定）。<br>No QR code: the site's public address (PUBLIC_URL) is not configured.</div>`}</div>
  </header>
  <p class="statement">下記の媒体を、下記の方法により、立会人の面前で復元不可能な状態に廃棄したことを証明します。<br>
  <span class="en">We certify that the media below were destroyed beyond recovery by the method stated, in the presence of the witnesses named.</span></p>
  <section class="cert-grid">
    <dl class="meta">
      <dt>預託者 Depositor</dt><dd>${depositorNames(d).join('、')}</dd>
      <dt>実施者 Performed by</dt><dd>${d.performer.name}${d.performer.title ? `（${d.performer.title}）` : ''}</dd>
      <dt>所属 Organisation</dt><dd>${d.performer.org}</dd>
      <dt>実施場所 Location</dt><dd>${where}</dd>
      <dt>連絡先 Contact</dt><dd>${d.performer.contact ?? '—'}</dd>
    </dl>
    <dl class="meta">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
  </section>
  ${d.method === 'degauss' ? html`<p class="small warn">NIST SP 800-88 Rev. 2 では消磁のみでは「破壊（Destroy）」と認められないため、区分はパージとして記録しています。 Under NIST SP 800-88 Rev. 2, degaussing alone is not accepted as Destroy; it is recorded as Purge.</p>` : ''}
  ${presenceLine(record, opts.roomName, d.place)}
  <table class="media">
    <thead><tr class="cert-ref"><th colspan="9">証明書番号 Certificate No. ${d.certificateNo} — 廃棄した媒体 ${d.media.length} 件 / ${d.media.length} media destroyed</th></tr>
    <tr><th>#</th><th>管理番号 Property no.</th><th>種別 Type</th><th>製造元・型番 Make / model</th><th>製造番号 Serial no.</th><th>出所 Source</th><th>機密区分 Class</th><th>等級 Level</th><th>バックアップ Backup</th></tr></thead>
    <tbody>${d.media.map(
      (m, i) => html`<tr>
      <td>${i + 1}</td><td>${m.label}</td><td>${KIND_WORDS[m.kind as MediaKind] ?? m.kind}</td>
      <td>${[m.manufacturer, m.model].filter(Boolean).join(' ') || '—'}</td><td>${m.serialNo ?? '—'}</td>
      <td>${m.source === 'original' ? '原本 Original' : '複製 Copy'}（${m.depositor.name}）</td>
      <td>${CLASSIFICATION_WORDS[m.classification] ?? m.classification}</td>
      <td class="level">${levelOf(m, d) ?? '—'}</td>
      <td>${m.backedUp === null ? '—' : m.backedUp ? `有 Yes${m.backupLocation ? `: ${m.backupLocation}` : ''}` : '無 No'}</td>
    </tr>`,
    )}</tbody>
  </table>
  <h2>立会人による確認 Validation by witnesses</h2>
  ${signatureRows(record, tz)}
  <footer class="cert-foot">
    <div class="seal"><span>責任者印<br>Seal</span></div>
    <div>記録ハッシュ Record SHA-256: <code>${record.contentHash}</code></div>
    <div>確認コード Check code: <code class="check-code">${opts.check.code}</code>${opts.check.url ? html` · <code>${opts.check.url}</code>` : ''}</div>
    ${print ? html`<div>出力 Printed ${displayDateTime(print.printedAt, tz)} · 出力者 by ${print.printedBy} · 立会い権限者 authorised person present: ${print.presentName}${reprint ? html` · <strong>再発行 / Reprint No. ${print.printNo}</strong>` : ''}</div>` : ''}
  </footer>
</main>`;
  return printPage({ lang: 'ja', title: `廃棄証明書 Certificate of Destruction ${d.certificateNo}`, bodyClass: 'print', body });
}
