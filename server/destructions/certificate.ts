// The destruction certificate (廃棄証明書 / Certificate of Destruction): one A4 page (more for many
// media: each page numbered, the media table's heading with the certificate number repeated),
// Japanese and English together, with the fields of a sanitization certificate (NIST SP 800-88
// Rev. 1 Appendix G; Rev. 2 asks for a record per medium): the person performing it, each medium, the
// sanitization (category, technique, tool, verification, destination), the validating witnesses,
// the depositor, the record's hash and a QR code to the public check page.
import QRCode from 'qrcode';
import { html, printPage, raw, type RawHtml } from '../shared/html.js';
import { wallClock } from '../shared/time.js';
import { presenceLine, signatureRows } from '../signatures/routes.js';
import type { StoredRecord } from '../signatures/service.js';
import { CATEGORY_WORDS, TECHNIQUE_WORDS } from './rules.js';
import type { DestroyedMediumRow, DestructionRow } from './service.js';
import { CLASSIFICATION_WORDS, KIND_WORDS, type MediaKind } from '../media/rules.js';


export interface CertificatePrint {
  printNo: number;
  printedAt: Date;
  printedBy: string;
  presentName: string;
}

export async function renderCertificate(opts: {
  destruction: DestructionRow;
  media: DestroyedMediumRow[];
  record: StoredRecord;
  verifyUrl: string;
  tz: string;
  print: CertificatePrint | null;
}): Promise<string> {
  const { destruction: d, media, record, tz, print } = opts;
  const qr = await QRCode.toString(opts.verifyUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  const technique = d.technique ?? `${TECHNIQUE_WORDS[d.method].ja} / ${TECHNIQUE_WORDS[d.method].en}`;
  const yesNo = (v: boolean | null, yes: string, no: string) => (v === null ? '—' : v ? yes : no);
  const where = d.room_name ?? d.place ?? '—';
  const reprint = print && print.printNo > 1;
  const rows: Array<[string, string | RawHtml]> = [
    ['区分 Category', `${CATEGORY_WORDS[d.category].ja} / ${CATEGORY_WORDS[d.category].en}`],
    ['方法 Technique', technique],
    ['基準・等級 Standard / level', [d.standard, d.security_level ? `DIN 66399 / ISO/IEC 21964 ${d.security_level}` : null].filter(Boolean).join(' · ') || '—'],
    ['ツール Tool (version)', d.tool ? `${d.tool}${d.tool_version ? ` (${d.tool_version})` : ''}${d.pattern ? ` · ${d.pattern}` : ''}` : '—'],
    ['検証 Verification', `${d.verification_method ?? '—'} · ${yesNo(d.verified, '検証済み Verified', '未検証 Not verified')}`],
    ['処理後 Destination after', d.destination_after ?? '—'],
    ['委託先 Disposal vendor', d.vendor_name ?? '—'],
    ['実施日時 Performed at', wallClock(d.performed_at, tz)],
  ];
  const body = html`
${print ? '' : html`<p class="print-refusal">プレビューは印刷できません。権限者の立会いのもと「証明書を印刷」から印刷してください（E2.14）。<br>A preview does not print: use "Print certificate" with an authorised person present (E2.14).</p>`}
<main class="a4 certificate${print ? '' : ' preview'}">
  <header class="cert-head">
    <div>
      <h1>廃棄証明書 <span class="en">Certificate of Destruction</span></h1>
      <p class="sub">証明書番号 Certificate No. <strong class="cert-no">${d.certificate_no}</strong>
      ${reprint ? html` · <strong class="reprint">再発行 / Reprint No. ${print!.printNo}</strong>` : ''}
      ${print ? '' : html` · <strong class="reprint">プレビュー（未発行） / Preview — not an issued print</strong>`}</p>
    </div>
    <div class="cert-qr">${raw(qr)}<div class="small">真正性の確認 Check online</div></div>
  </header>
  <p class="statement">下記の媒体を、下記の方法により、立会人の面前で復元不可能な状態に廃棄したことを証明します。<br>
  <span class="en">We certify that the media below were destroyed beyond recovery by the method stated, in the presence of the witnesses named.</span></p>
  <section class="cert-grid">
    <dl class="meta">
      <dt>預託者 Depositor</dt><dd>${d.depositor_names.join('、')}</dd>
      <dt>実施者 Performed by</dt><dd>${d.performer_name}${d.performer_title ? `（${d.performer_title}）` : ''}</dd>
      <dt>所属 Organisation</dt><dd>${d.performer_org}</dd>
      <dt>実施場所 Location</dt><dd>${where}</dd>
      <dt>連絡先 Contact</dt><dd>${d.performer_contact ?? '—'}</dd>
    </dl>
    <dl class="meta">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
  </section>
  ${d.method === 'degauss' ? html`<p class="small warn">NIST SP 800-88 Rev. 2 では消磁のみでは「破壊（Destroy）」と認められないため、区分はパージとして記録しています。 Under NIST SP 800-88 Rev. 2, degaussing alone is not accepted as Destroy; it is recorded as Purge.</p>` : ''}
  ${presenceLine(record, d.room_name, d.place)}
  <table class="media">
    <thead><tr class="cert-ref"><th colspan="8">証明書番号 Certificate No. ${d.certificate_no} — 廃棄した媒体 ${media.length} 件 / ${media.length} media destroyed</th></tr>
    <tr><th>#</th><th>管理番号 Property no.</th><th>種別 Type</th><th>製造元・型番 Make / model</th><th>製造番号 Serial no.</th><th>出所 Source</th><th>機密区分 Class</th><th>バックアップ Backup</th></tr></thead>
    <tbody>${media.map(
      (m) => html`<tr>
      <td>${m.position}</td><td>${m.label}</td><td>${KIND_WORDS[m.kind as MediaKind] ?? m.kind}</td>
      <td>${[m.manufacturer, m.model].filter(Boolean).join(' ') || '—'}</td><td>${m.serial_no ?? '—'}</td>
      <td>${m.source_medium_id ? '複製 Copy' : '原本 Original'}（${m.depositor_name}）</td>
      <td>${CLASSIFICATION_WORDS[m.classification] ?? m.classification}</td>
      <td>${m.backed_up === null ? '—' : m.backed_up ? `有 Yes${m.backup_location ? `: ${m.backup_location}` : ''}` : '無 No'}</td>
    </tr>`,
    )}</tbody>
  </table>
  <h2>立会人による確認 Validation by witnesses</h2>
  ${signatureRows(record, tz)}
  <footer class="cert-foot">
    <div class="seal"><span>責任者印<br>Seal</span></div>
    <div>記録ハッシュ Record SHA-256: <code>${record.contentHash}</code></div>
    <div>確認 Check: <code>${opts.verifyUrl}</code></div>
    ${print ? html`<div>出力 Printed ${wallClock(print.printedAt, tz)} · 出力者 by ${print.printedBy} · 立会い権限者 authorised person present: ${print.presentName}${reprint ? html` · <strong>再発行 / Reprint No. ${print.printNo}</strong>` : ''}</div>` : ''}
  </footer>
</main>`;
  return printPage({ lang: 'ja', title: `廃棄証明書 Certificate of Destruction ${d.certificate_no}`, bodyClass: 'print', body });
}
