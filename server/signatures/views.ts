// Views of signed records, shared by every module that shows or prints them: the JSON form, the
// printed signature block (21 CFR Part 11 §11.50), the verification data for offline checks and
// the presence line. What is shown is what was signed: names come from the signed content (and,
// for records signed before names were part of it, from the journal's history), never from rows
// that can change later (security review, findings 3 and 12).
import { displayDateTime, toRfc3339 } from '../shared/time.js';
import { html, type RawHtml } from '../shared/html.js';
import { MEANINGS, signatureMessage } from './manifest.js';
import { signatureJson, type StoredRecord } from './service.js';

export const RECORD_TITLES: Record<string, { ja: string; en: string }> = {
  checkout: { ja: '持出し受領書', en: 'Checkout receipt' },
  checkin: { ja: '返却受領書', en: 'Return receipt' },
  handover: { ja: '受け渡し記録', en: 'Handover record' },
  transfer: { ja: '搬出記録', en: 'Transfer record' },
  transfer_receipt: { ja: '搬送品受領記録', en: 'Transfer receipt' },
  inspection: { ja: '月次点検記録', en: 'Monthly inspection record' },
  destruction: { ja: '廃棄記録', en: 'Destruction record' },
};

export const receiptUrl = (id: string) => `/api/records/${id}/receipt`;

export function recordJson(record: StoredRecord, tz: string, withContent: boolean) {
  return {
    id: record.id,
    kind: record.kind,
    at: toRfc3339(record.at, tz),
    contentHash: record.contentHash,
    presenceVerified: record.presenceVerified,
    receiptUrl: receiptUrl(record.id),
    signatures: record.signatures.map((s) => signatureJson(s, tz)),
    ...(withContent ? { content: record.content } : {}),
  };
}

const ROLE_WORDS: Record<string, string> = {
  admin: '管理者',
  responsible: '責任者',
  authorized: '権限者',
  staff: '担当者',
  guard: '受付',
  auditor: '監査',
  visitor: '来訪者',
};

/** The printed signature block (§11.50: printed name, date and time, meaning). Shared with certificates. */
/** The signers as the signed content names them (organisation and roles since the security review). */
function signedSigners(record: StoredRecord): Array<{ name?: string; org?: string; roles?: string[] }> {
  try {
    return ((JSON.parse(record.content) as { signers?: Array<{ name?: string; org?: string; roles?: string[] }> }).signers ?? []);
  } catch {
    return [];
  }
}

export function signatureRows(record: StoredRecord, tz: string): RawHtml {
  const signed = signedSigners(record);
  return html`<table class="signatures">
  <thead><tr><th>#</th><th>署名者 Signer</th><th>所属・役割 Organisation, role</th><th>意味 Meaning</th><th>日時 Signed at</th><th>手書き Drawn</th></tr></thead>
  <tbody>${record.signatures.map(
    (s, i) => html`<tr>
    <td>${s.manifest.position}</td>
    <td class="signer">${signed[i]?.name ?? s.manifest.signerName}</td>
    <td>${signed[i]?.org ?? s.signerOrg}<br><span class="roles">${(signed[i]?.roles ?? s.signerRoles).map((r) => `${ROLE_WORDS[r] ?? r} ${r}`).join(' / ')}</span></td>
    <td>${MEANINGS[s.manifest.meaning]?.ja ?? ''}<br>${s.manifest.meaning}</td>
    <td>${displayDateTime(new Date(s.manifest.signedAt), tz)}</td>
    <td class="drawn">${s.drawnImage ? html`<img alt="signature" src="${s.drawnImage}">` : '—'}</td>
  </tr>`,
  )}</tbody>
</table>`;
}

/** What an auditor needs to check every signature offline: the record's exact bytes and each signed message. */
export function verificationBlock(record: StoredRecord): RawHtml {
  return html`<section class="verification">
  <h2>電子署名の検証情報 Verification data</h2>
  <p class="small">検証方法: 下の記録本文（RFC 8785 正規化 JSON）の SHA-256 が各署名の recordHash と一致し、各署名メッセージが公開鍵（GET /api/signing-key）で Ed25519 検証できること。
  To verify offline: SHA-256 of the record content below equals each message's recordHash, and each message verifies under the public key (GET /api/signing-key) with Ed25519.</p>
  <p class="small">記録ハッシュ Record SHA-256: <code class="record-hash">${record.contentHash}</code></p>
  <pre class="record-content">${record.content}</pre>
  ${record.signatures.map(
    (s) => html`<div class="sig-block" data-position="${s.manifest.position}">
    <p class="small">署名 ${s.manifest.position} · key ${s.manifest.keyId}</p>
    <pre class="sig-message">${signatureMessage(s.manifest)}</pre>
    <p class="small">Ed25519: <code class="sig-value">${s.signature}</code></p>
  </div>`,
  )}
</section>`;
}

export function presenceLine(record: { presenceVerified: boolean }, roomName: string | null, place: string | null): RawHtml {
  return record.presenceVerified
    ? html`<p class="presence ok">在室確認済み: 全員が ${roomName ?? ''} に在室していたことを入退室記録で確認しました。 Presence verified: everyone was inside ${roomName ?? ''} according to the door log.</p>`
    : html`<p class="presence warn">在室は入退室記録で確認されていません（場所: ${place ?? '—'}）。 Presence was NOT verified by the door log (place: ${place ?? '—'}).</p>`;
}

