// Signed records: the JSON (for scripts and offline checks) and the printable receipt — one
// page per record, however many media it covers, with every signature and what an auditor
// needs to check each one offline with only the server's public key.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams } from '../shared/schemas.js';
import { toRfc3339, wallClock } from '../shared/time.js';
import { html, printPage, type RawHtml } from '../shared/html.js';
import { NotFoundError } from '../errors.js';
import { MEANINGS, signatureMessage } from './manifest.js';
import { getSignedRecord, signatureJson, type StoredRecord } from './service.js';
import { recordSchema } from './schemas.js';
import { getRoom } from '../rooms/service.js';
import { KIND_WORDS, type MediaKind } from '../media/rules.js';

const METHOD_WORDS: Record<string, string> = { hand_carry: '手持ち搬送 Hand carry', carrier: '運送業者 Carrier', post: '郵送 Post' };
const OUTCOME_WORDS: Record<string, string> = { returned_to_depositor: '預託者へ返却 Returned to the depositor', stored: '保管 Stored on site', held: '搬送先で保持 Held at the destination' };

const error = (description: string) => ({ description, schema: errorSchema });

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
export function signatureRows(record: StoredRecord, tz: string): RawHtml {
  return html`<table class="signatures">
  <thead><tr><th>#</th><th>署名者 Signer</th><th>所属・役割 Organisation, role</th><th>意味 Meaning</th><th>日時 Signed at</th><th>手書き Drawn</th></tr></thead>
  <tbody>${record.signatures.map(
    (s) => html`<tr>
    <td>${s.manifest.position}</td>
    <td class="signer">${s.manifest.signerName}</td>
    <td>${s.signerOrg}<br><span class="roles">${s.signerRoles.map((r) => `${ROLE_WORDS[r] ?? r} ${r}`).join(' / ')}</span></td>
    <td>${MEANINGS[s.manifest.meaning]?.ja ?? ''}<br>${s.manifest.meaning}</td>
    <td>${wallClock(new Date(s.manifest.signedAt), tz, true)}</td>
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

interface ContentMedium {
  id: string;
  label: string;
  kind?: string;
}

export const recordRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/records/:id',
    summary: 'A signed record: its canonical content and every signature on it (for offline checks)',
    tags: ['custody'],
    access: 'media:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: recordSchema }, 404: error('Unknown id') },
    handler: async ({ app, db, params }) => {
      const record = await getSignedRecord(db, params.id);
      if (!record) throw new NotFoundError('record');
      return { json: recordJson(record, app.config.displayTimeZone, true) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/records/:id/receipt',
    summary: 'Printable A4 receipt of a signed record (checkout, return, handover, transfer, inspection)',
    tags: ['custody'],
    access: 'media:read',
    params: idParams,
    responses: { 200: { description: 'HTML page for printing', contentType: 'text/html' }, 404: error('Unknown id') },
    handler: async ({ app, db, params }) => {
      const record = await getSignedRecord(db, params.id);
      if (!record) throw new NotFoundError('record');
      const tz = app.config.displayTimeZone;
      const content = JSON.parse(record.content) as Record<string, unknown>;
      const room = content.roomId ? await getRoom(db, content.roomId as string) : undefined;
      const title = RECORD_TITLES[record.kind] ?? { ja: '記録', en: 'Record' };
      const media = [...((content.media as ContentMedium[] | undefined) ?? []), ...((content.newMedia as ContentMedium[] | undefined) ?? [])];
      const party = (key: string) => {
        const p = content[key] as { name?: string; org?: string } | null | undefined;
        return p?.name ? `${p.name}${p.org ? `（${p.org}）` : ''}` : null;
      };
      const facts: Array<[string, string | null]> = [
        ['記録番号 Record', record.id],
        ['日時 Time', wallClock(record.at, tz, true)],
        ['場所 Where', room?.name ?? (content.place as string | null) ?? null],
        ['渡し手 From', party('from')],
        ['受け手 To', party('to')],
        ['保持者 Holder', party('holder')],
        ['保管場所 Location', (content.location as { name?: string } | null | undefined)?.name ?? null],
        ['搬送先 Destination', (content.destination as string | undefined) ?? null],
        ['方法 Method', content.method ? (METHOD_WORDS[content.method as string] ?? (content.method as string)) : null],
        ['結果 Outcome', content.outcome ? (OUTCOME_WORDS[content.outcome as string] ?? (content.outcome as string)) : null],
        ['受領者 Received by', (content.receivedByName as string | undefined) ?? null],
        ['同行者 Escort', party('escort')],
        ['備考 Note', (content.note as string | null | undefined) ?? null],
      ];
      const body = html`
<main class="a4 receipt">
  <header>
    <h1>${title.ja} <span class="en">${title.en}</span></h1>
    <p class="sub">立会い Tachiai · ${toRfc3339(record.at, tz)}</p>
  </header>
  <dl class="meta">${facts.filter(([, v]) => v).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
  ${presenceLine(record, room?.name ?? null, (content.place as string | null) ?? null)}
  ${media.length > 0
    ? html`<table class="media"><thead><tr><th>#</th><th>媒体 Label</th><th>種別 Kind</th><th>ID</th></tr></thead>
    <tbody>${media.map((m, i) => html`<tr><td>${i + 1}</td><td>${m.label}</td><td>${m.kind ? (KIND_WORDS[m.kind as MediaKind] ?? m.kind) : ''}</td><td class="mono">${m.id ?? '（新規 new）'}</td></tr>`)}</tbody></table>`
    : ''}
  <h2>署名 Signatures</h2>
  ${signatureRows(record, tz)}
  ${verificationBlock(record)}
</main>`;
      return { html: printPage({ lang: 'ja', title: `${title.ja} ${title.en} — ${record.id.slice(0, 8)}`, bodyClass: 'print', body }) };
    },
  }),
];
