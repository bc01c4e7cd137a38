// Signed records: the JSON (for scripts and offline checks) and the printable receipt — one
// page per record, however many media it covers, with every signature and what an auditor
// needs to check each one offline with only the server's public key.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams } from '../shared/schemas.js';
import { displayDateTime, toRfc3339 } from '../shared/time.js';
import { html, printPage } from '../shared/html.js';
import { NotFoundError } from '../errors.js';
import { getSignedRecord } from './service.js';
import { presenceLine, RECORD_TITLES, recordJson, signatureRows, verificationBlock } from './views.js';
import { recordSchema } from './schemas.js';
import { roomNameAsOf } from '../rooms/service.js';
import { logOriginOf, siteOf } from '../system/site.js';
import { signedRecordProofFile } from './integrity.js';
import { requirePermission } from '../auth/permissions.js';
import { checkRecord } from './integrity.js';
import { recordReadPermission } from './service.js';
import { KIND_WORDS, type MediaKind } from '../media/rules.js';

const METHOD_WORDS: Record<string, string> = { hand_carry: '手持ち搬送 Hand carry', carrier: '運送業者 Carrier', post: '郵送 Post' };
const OUTCOME_WORDS: Record<string, string> = { returned_to_depositor: '預託者へ返却 Returned to the depositor', stored: '保管 Stored on site', held: '搬送先で保持 Held at the destination' };

const error = (description: string) => ({ description, schema: errorSchema });

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
    description: 'Each kind of record is read with the permission of its kind, whichever route reads it: destruction records and certificate prints need destructions:read, the others media:read.',
    tags: ['custody'],
    access: 'signed-in',
    params: idParams,
    responses: { 200: { description: 'Found', schema: recordSchema }, 403: error('Your role may not read this kind of record'), 404: error('Unknown id') },
    handler: async ({ app, db, params, actor }) => {
      const record = await getSignedRecord(db, params.id);
      if (!record) throw new NotFoundError('record');
      requirePermission(actor!, recordReadPermission(record.kind));
      return { json: recordJson(record, app.config.displayTimeZone, true) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/records/:id/receipt',
    summary: 'Printable A4 receipt of a signed record (checkout, return, handover, transfer, inspection)',
    description: 'Printed from the signed content, with names as they were when it was signed; says "does not match" when the record differs from what the journal recorded at signing. Read permission by kind, as for GET /api/records/:id.',
    tags: ['custody'],
    access: 'signed-in',
    params: idParams,
    responses: { 200: { description: 'HTML page for printing', contentType: 'text/html' }, 403: error('Your role may not read this kind of record'), 404: error('Unknown id') },
    handler: async ({ app, db, params, actor }) => {
      const record = await getSignedRecord(db, params.id);
      if (!record) throw new NotFoundError('record');
      requirePermission(actor!, recordReadPermission(record.kind));
      const tz = app.config.displayTimeZone;
      const site = await siteOf(app);
      const problem = await checkRecord(db, record, app.secrets.signing);
      const content = JSON.parse(record.content) as Record<string, unknown>;
      // The room's name as it was when the record was signed (review finding 12).
      const roomName = content.roomId ? ((content.roomName as string | undefined) ?? (await roomNameAsOf(db, content.roomId as string, record.at))) : null;
      const room = roomName !== null ? { name: roomName } : undefined;
      const title = RECORD_TITLES[record.kind] ?? { ja: '記録', en: 'Record' };
      const media = [...((content.media as ContentMedium[] | undefined) ?? []), ...((content.newMedia as ContentMedium[] | undefined) ?? [])];
      const party = (key: string) => {
        const p = content[key] as { name?: string; org?: string } | null | undefined;
        return p?.name ? `${p.name}${p.org ? `（${p.org}）` : ''}` : null;
      };
      const facts: Array<[string, string | null]> = [
        ['記録番号 Record', record.id],
        ['日時 Time', displayDateTime(record.at, tz)],
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
${problem ? html`<p class="verdict mismatch" data-status="mismatch"><strong>記録と一致しません — この記録は署名後に変更されています。</strong><br>This record does NOT match the journal: it was changed after it was signed.</p>` : ''}
<main class="a4 receipt">
  <header>
    <h1>${title.ja} <span class="en">${title.en}</span></h1>
    <p class="sub">${site.nameJa} / ${site.nameEn} · ${toRfc3339(record.at, tz)}</p>
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
  defineRoute({
    method: 'get',
    path: '/api/records/:id/proof',
    summary: "A signed record's proof file (c2sp.org/tlog-proof): its journal entry's inclusion in the journal's signed checkpoint",
    description:
      'For every kind of signed record (receipts, destruction records, weekly reviews, monthly reports, …), read with the permission of its kind as for GET /api/records/:id. ' +
      'The extra data carries the `records.signed` journal entry and the record; `tachiai verify-proof FILE --key LOG_KEY` checks it offline. A checkpoint is signed on demand when none covers the entry yet.',
    tags: ['custody'],
    access: 'signed-in',
    transaction: false,
    params: idParams,
    responses: {
      200: { description: 'The proof file (text/plain, as an attachment record-<id>.tlog-proof)', contentType: 'text/plain' },
      403: error('Your role may not read this kind of record'),
      404: error('Unknown id'),
      409: error('The record does not match the journal, or is not in a signed checkpoint yet'),
    },
    handler: async ({ app, db, params, actor }) => {
      const record = await getSignedRecord(db, params.id);
      if (!record) throw new NotFoundError('record');
      requirePermission(actor!, recordReadPermission(record.kind));
      const file = await signedRecordProofFile(app, db, await logOriginOf(app), record);
      return { text: file, contentType: 'text/plain; charset=utf-8', headers: { 'Content-Disposition': `attachment; filename="record-${record.id}.tlog-proof"` } };
    },
  }),
];
