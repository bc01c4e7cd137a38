// Locations, media, their printable labels and the chain of custody.
import { z } from 'zod';
import QRCode from 'qrcode';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { decodeCursor, encodeCursor, errorSchema, idParams, idSchema, limitQuery, text } from '../shared/schemas.js';
import { displayDateTime, toRfc3339 } from '../shared/time.js';
import { html, printPage, raw } from '../shared/html.js';
import { ValidationError } from '../errors.js';
import { recordReadPermission, signaturesOf, signatureJson } from '../signatures/service.js';
import { rolesAllow } from '../auth/permissions.js';
import { signatureSchema } from '../signatures/schemas.js';
import { MEANINGS } from '../signatures/manifest.js';
import { receiptUrl } from '../signatures/views.js';
import { CLASSIFICATION_WORDS, CLASSIFICATIONS, KIND_WORDS, LOCATION_KINDS, MEDIA_KINDS, MEDIA_STATUSES, mediumCode, STATUS_PRINT_WORDS } from './rules.js';
import { custodyStepSchema, locationSchema, mediumSchema, newMediumFields } from './schemas.js';
import { recordLabelPrinted, createLocation, custodySteps, getLocation, getMedium, listLocations, listMedia, locationJson, mediumJson, registerMedium } from './service.js';

const error = (description: string) => ({ description, schema: errorSchema });

const ACTION_WORDS: Record<string, { ja: string; en: string }> = {
  registered: { ja: '登録・保管', en: 'Registered and stored' },
  received_from_depositor: { ja: '預託者から受領', en: 'Received from the depositor' },
  copied: { ja: '複製として作成', en: 'Created as an approved copy' },
  copy_made: { ja: '複製を作成', en: 'Approved copy made from it' },
  checkout: { ja: '持出し', en: 'Checked out' },
  checkin: { ja: '返却・保管', en: 'Checked in' },
  handover: { ja: '受け渡し', en: 'Handed over' },
  return_to_depositor: { ja: '預託者へ返却', en: 'Returned to the depositor' },
  redeposit: { ja: '再預託', en: 'Deposited again' },
  transfer_send: { ja: '搬出', en: 'Sent off site' },
  transfer_receive: { ja: '搬送先で受領', en: 'Received at destination' },
  inspection_seen: { ja: '月次点検で確認', en: 'Seen at monthly inspection' },
  inspection_missing: { ja: '月次点検で不在', en: 'MISSING at monthly inspection' },
  destroy: { ja: '廃棄', en: 'Destroyed' },
};

async function custodyJson(db: import('knex').Knex, mediumId: string, tz: string, readerRoles: readonly string[]) {
  // A step's signed record is shown only to who may read its kind (review finding 8): staff see
  // that a medium was destroyed, not the destruction record and its witnesses.
  const steps = (await custodySteps(db, mediumId)).map((s) =>
    s.record_id && !rolesAllow(readerRoles, recordReadPermission(s.record_kind!)) ? { ...s, record_id: null } : s,
  );
  const sigs = await signaturesOf(db, [...new Set(steps.map((s) => s.record_id).filter((id): id is string => id !== null))]);
  return steps.map((s) => ({
    id: String(s.id),
    action: s.action,
    fromStatus: s.from_status,
    toStatus: s.to_status,
    at: toRfc3339(s.at, tz),
    actor: s.actor,
    holder: s.holder_person_id ? { id: s.holder_person_id, name: s.holder_name ?? '' } : null,
    location: s.location_id ? { id: s.location_id, name: s.location_name ?? '' } : null,
    details: JSON.parse(s.details) as Record<string, unknown>,
    record: s.record_id
      ? { id: s.record_id, kind: s.record_kind!, contentHash: s.content_hash!, presenceVerified: s.presence_verified!, roomId: s.record_room_id, roomName: s.record_room_name, place: s.record_place, receiptUrl: receiptUrl(s.record_id) }
      : null,
    signatures: (s.record_id ? (sigs.get(s.record_id) ?? []) : []).map((sig) => signatureJson(sig, tz)),
  }));
}

const mediaQuerySchema = z.strictObject({
  status: z.enum(MEDIA_STATUSES).optional(),
  locationId: idSchema.optional(),
  roomId: idSchema.optional(),
  holderPersonId: idSchema.optional(),
  depositorOrgId: idSchema.optional(),
  label: z.string().trim().min(1).max(80).optional(),
  q: z.string().trim().min(1).max(80).optional().describe('The label contains this (case, width and spaces do not matter)'),
  sort: z.enum(['newest', 'label']).default('newest').describe('newest first, or by label (A→Z, byte order)'),
  limit: limitQuery,
  cursor: z.string().max(200).optional(),
});

export const mediaRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/locations',
    summary: 'Create a storage location (cabinet, safe, vault) inside a room (E1.2)',
    tags: ['media'],
    access: 'media:write',
    body: z.strictObject({ name: text(120), kind: z.enum(LOCATION_KINDS), roomId: idSchema }),
    responses: { 201: { description: 'Created', schema: locationSchema }, 400: error('Invalid'), 404: error('Unknown room') },
    handler: async ({ app, db, body, actor }) => ({ status: 201, json: locationJson(await createLocation(db, body, actor!.accountId), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/locations',
    summary: 'Storage locations with how many media are stored in each',
    tags: ['media'],
    access: 'media:read',
    query: z.strictObject({ roomId: idSchema.optional() }),
    responses: { 200: { description: 'Locations', schema: z.object({ items: z.array(locationSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => ({ json: { items: (await listLocations(db, query.roomId)).map((l) => locationJson(l, app.config.displayTimeZone)), nextCursor: null } }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/locations/:id',
    summary: 'One storage location',
    tags: ['media'],
    access: 'media:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: locationSchema }, 404: error('Unknown id') },
    handler: async ({ app, db, params }) => ({ json: locationJson(await getLocation(db, params.id), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/media',
    summary: 'Register a medium, stored in a location',
    tags: ['media'],
    access: 'media:write',
    body: z.strictObject({ ...newMediumFields, depositorOrgId: idSchema }),
    responses: { 201: { description: 'Registered, status stored', schema: mediumSchema }, 400: error('Invalid'), 404: error('Unknown depositor or location'), 409: error('Label already used') },
    handler: async ({ app, db, body, actor }) => {
      const { rows } = await db.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
      const row = await registerMedium(db, body, { action: 'registered', recordId: null, actor: actor!.accountId, at: (rows[0] as { now: Date }).now });
      return { status: 201, json: mediumJson(row, app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/media',
    summary: 'Media, newest first or by label; by status, location, room, holder, depositor, exact label or a part of it (q)',
    tags: ['media'],
    access: 'media:read',
    query: mediaQuerySchema,
    responses: { 200: { description: 'Media', schema: z.object({ items: z.array(mediumSchema), nextCursor: z.string().nullable() }) }, 400: error('Invalid filter or cursor') },
    handler: async ({ app, db, query }) => {
      // A cursor carries its order's key: the time for newest first, the label for by label.
      const decoded =
        query.sort === 'label'
          ? decodeCursor(query.cursor, z.tuple([z.literal('label'), z.string().max(200), idSchema]))?.slice(1)
          : decodeCursor(query.cursor, z.tuple([z.iso.datetime({ offset: true }), idSchema]));
      if (query.cursor && !decoded) throw new ValidationError('The cursor is not valid.', [{ field: 'query.cursor', code: 'invalid_cursor', message: 'not a cursor from this list' }]);
      const rows = await listMedia(db, query, query.limit, (decoded ?? null) as [string, string] | null);
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      const key = (m: (typeof page)[number]) => (query.sort === 'label' ? ['label', m.label, m.id] : [m.created_at.toISOString(), m.id]);
      return {
        json: {
          items: page.map((m) => mediumJson(m, app.config.displayTimeZone)),
          nextCursor: rows.length > query.limit && last ? encodeCursor(key(last)) : null,
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/media/:id',
    summary: 'One medium',
    tags: ['media'],
    access: 'media:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: mediumSchema }, 404: error('Unknown id') },
    handler: async ({ app, db, params }) => ({ json: mediumJson(await getMedium(db, params.id), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/media/:id/custody',
    summary: 'The chain of custody, oldest first, each step with its signatures',
    tags: ['media'],
    access: 'media:read',
    params: idParams,
    responses: { 200: { description: 'Chain of custody', schema: z.object({ medium: mediumSchema, steps: z.array(custodyStepSchema) }) }, 404: error('Unknown id') },
    handler: async ({ app, db, params, actor }) => {
      const medium = await getMedium(db, params.id);
      return { json: { medium: mediumJson(medium, app.config.displayTimeZone), steps: await custodyJson(db, medium.id, app.config.displayTimeZone, actor!.roles) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/media/:id/custody/print',
    summary: 'The chain of custody as a printable A4 page',
    tags: ['media'],
    access: 'media:read',
    params: idParams,
    responses: { 200: { description: 'HTML page for printing', contentType: 'text/html' }, 404: error('Unknown id') },
    handler: async ({ app, db, params, actor }) => {
      const tz = app.config.displayTimeZone;
      const m = await getMedium(db, params.id);
      const steps = await custodyJson(db, m.id, tz, actor!.roles);
      const { rows } = await db.raw('SELECT now() AS now');
      const body = html`
<main class="a4 custody">
  <header>
    <h1>管理履歴 <span class="en">Chain of custody</span></h1>
    <p class="sub">${m.label} · ${m.depositor_name} · 印刷 Printed ${displayDateTime((rows[0] as { now: Date }).now, tz)}</p>
  </header>
  <dl class="meta">
    <dt>媒体 Label</dt><dd>${m.label}（${KIND_WORDS[m.kind]}）</dd>
    <dt>預託者 Depositor</dt><dd>${m.depositor_name}</dd>
    <dt>現在の状態 Status</dt><dd>${STATUS_PRINT_WORDS[m.status]}${m.holder_name ? ` — ${m.holder_name}` : ''}${m.location_name ? ` — ${m.location_name}` : ''}</dd>
    <dt>保管場所 Home</dt><dd>${m.room_name} / ${m.home_location_name}</dd>
  </dl>
  <table class="steps">
    <thead><tr><th>#</th><th>日時 Time</th><th>内容 Step</th><th>保持者・場所 Holder / location</th><th>署名 Signatures</th></tr></thead>
    <tbody>${steps.map(
      (s, i) => html`<tr>
      <td>${i + 1}</td>
      <td>${displayDateTime(new Date(s.at), tz)}</td>
      <td>${ACTION_WORDS[s.action]?.ja ?? s.action}<br><span class="en">${ACTION_WORDS[s.action]?.en ?? s.action}</span>${s.record && !s.record.presenceVerified ? html`<br><span class="warn">在室未確認 presence not verified${s.record.place ? ` (${s.record.place})` : ''}</span>` : ''}</td>
      <td>${s.holder?.name ?? ''}${s.location ? ` ${s.location.name}` : ''}</td>
      <td>${s.signatures.map((g) => html`<div>${g.signerName} — ${MEANINGS[g.meaning as keyof typeof MEANINGS]?.ja ?? g.meaning} (${displayDateTime(new Date(g.signedAt), tz)})</div>`)}${s.record ? html`<div class="mono small">${s.record.contentHash.slice(0, 16)}…</div>` : ''}</td>
    </tr>`,
    )}</tbody>
  </table>
</main>`;
      return { html: printPage({ lang: 'ja', title: `管理履歴 Chain of custody — ${m.label}`, bodyClass: 'print', body }) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/media/:id/label',
    summary: 'Printable label with a QR code; the front desk opens the medium when it is scanned',
    tags: ['media'],
    access: 'media:read',
    params: idParams,
    responses: { 200: { description: 'HTML page for printing', contentType: 'text/html' }, 404: error('Unknown id') },
    handler: async ({ app, db, params, actor }) => {
      const m = await getMedium(db, params.id);
      const svg = await QRCode.toString(mediumCode(m.id), { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      await recordLabelPrinted(app.db.knex, m, actor!.accountId);
      const body = html`
<main class="media-label">
  <div class="qr">${raw(svg)}</div>
  <div class="what">
    <div class="label-text">${m.label}</div>
    <div>${m.depositor_name}</div>
    <div>${KIND_WORDS[m.kind]} · ${CLASSIFICATION_WORDS[m.classification] ?? m.classification}</div>
    <div>${m.room_name} / ${m.home_location_name}</div>
  </div>
</main>`;
      return { html: printPage({ lang: 'ja', title: `媒体ラベル — ${m.label}`, bodyClass: 'print medium-label', body }) };
    },
  }),
];
