import { z } from 'zod';
import { occupants } from '../door/presence.read-model.js';
import { mediaHeldBy } from '../media/service.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams, idSchema, text } from '../shared/schemas.js';
import { toRfc3339 } from '../shared/time.js';
import { html, printPage } from '../shared/html.js';
import { displayDateTime } from '../shared/time.js';
import {
  createRoom,
  getRoom,
  grantRoomAccess,
  listRoomAccess,
  listRooms,
  revokeRoomAccess,
  ROOM_KINDS,
  roomHours,
  roomRules,
  setRoomRules,
  updateRoom,
  DEFAULT_TWO_PERSON_WINDOW_SECONDS,
  type RoomRow,
} from './service.js';

const error = (description: string) => ({ description, schema: errorSchema });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00–23:59');
const hoursSchema = z
  .strictObject({
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7).refine((d) => new Set(d).size === d.length, 'days must not repeat'),
    from: hhmm,
    to: hhmm,
  })
  .refine((h) => h.from < h.to, { message: 'from must be before to (hours do not cross midnight)', path: ['to'] })
  .describe('Opening hours in the site time zone; days are ISO weekdays, 1 = Monday');

const rulesSchema = z
  .object({
    twoPerson: z.object({ enabled: z.boolean(), windowSeconds: z.number().int() }).describe('The two-person rule (二人制): a lone first entry waits for a second authorised person within the window'),
    occupancyLimit: z.number().int().nullable().describe('At most this many people inside; null: no limit'),
    antiPassbackHours: z.number().int().nullable().describe('Timed anti-passback: a presence older than this many hours no longer blocks re-entry; null: off'),
  })
  .meta({ id: 'RoomRules' });

const rulesBody = z.strictObject({
  twoPerson: z.strictObject({ enabled: z.boolean(), windowSeconds: z.number().int().min(1).max(120).default(DEFAULT_TWO_PERSON_WINDOW_SECONDS) }),
  occupancyLimit: z.number().int().min(1).max(10_000).nullable(),
  antiPassbackHours: z.number().int().min(1).max(24 * 31).nullable(),
}).refine((b) => !(b.twoPerson.enabled && b.occupancyLimit !== null && b.occupancyLimit < 2), {
  message: 'the two-person rule lets two people in together: the occupancy limit must be at least 2',
  path: ['occupancyLimit'],
});

const roomSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(ROOM_KINDS),
    hours: z.object({ days: z.array(z.number()), from: z.string(), to: z.string() }).nullable(),
    requiresTraining: z.boolean(),
    rules: rulesSchema,
    inside: z.number().int().optional(),
    createdAt: z.string(),
  })
  .meta({ id: 'Room' });

function roomJson(row: RoomRow & { inside?: string }, tz: string) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    hours: roomHours(row),
    requiresTraining: row.requires_training,
    rules: roomRules(row),
    ...(row.inside !== undefined ? { inside: Number(row.inside) } : {}),
    createdAt: toRfc3339(row.created_at, tz),
  };
}

const occupancySchema = z.object({
  roomId: z.string(),
  roomName: z.string(),
  count: z.number().int(),
  limit: z.number().int().nullable().describe('The room\'s occupancy limit (null: none)'),
  twoPerson: z.boolean().describe('The two-person rule (二人制) is on'),
  occupants: z.array(
    z.object({ personId: z.string(), name: z.string(), orgName: z.string(), roles: z.array(z.string()), since: z.string(), entryId: z.string(), heldMedia: z.array(z.object({ id: z.string(), label: z.string() })) }),
  ),
});

export const roomRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/rooms',
    summary: 'Create a room (secure or reception) with optional opening hours',
    tags: ['rooms'],
    access: 'rooms:write',
    body: z.strictObject({ name: text(200), kind: z.enum(ROOM_KINDS), hours: hoursSchema.optional(), requiresTraining: z.boolean().optional() }),
    responses: { 201: { description: 'Created', schema: roomSchema }, 400: error('Invalid') },
    handler: async ({ app, db, body, actor }) => ({ status: 201, json: roomJson(await createRoom(db, body, actor!.accountId), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/rooms',
    summary: 'All rooms with how many people are inside',
    tags: ['rooms'],
    access: 'rooms:read',
    responses: { 200: { description: 'Rooms', schema: z.object({ items: z.array(roomSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db }) => ({ json: { items: (await listRooms(db)).map((r) => roomJson(r, app.config.displayTimeZone)), nextCursor: null } }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/rooms/:id',
    summary: 'One room',
    tags: ['rooms'],
    access: 'rooms:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: roomSchema }, 404: error('Unknown id') },
    handler: async ({ app, db, params }) => ({ json: roomJson(await getRoom(db, params.id), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/rooms/:id',
    summary: 'Change a room’s name, opening hours (null = always open) or training requirement',
    tags: ['rooms'],
    access: 'rooms:write',
    params: idParams,
    body: z.strictObject({ name: text(200).optional(), hours: hoursSchema.nullable().optional(), requiresTraining: z.boolean().optional() }),
    responses: { 200: { description: 'Updated', schema: roomSchema }, 404: error('Unknown id') },
    handler: async ({ app, db, params, body, actor }) => ({ json: roomJson(await updateRoom(db, params.id, body, actor!.accountId), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'put',
    path: '/api/rooms/:id/rules',
    summary: 'Set the room’s rules beyond the access list: two-person rule (二人制) and its window, occupancy limit, timed anti-passback; journaled',
    description: 'Every field is given; null turns the limit or the timed anti-passback off. The next scan at any door or desk of the room, on every server, follows them (docs/contract.md, "Room rules").',
    tags: ['rooms'],
    access: 'stations:write', // administrators (the door's devices and rules)
    params: idParams,
    body: rulesBody,
    responses: { 200: { description: 'Set', schema: roomSchema }, 400: error('Invalid'), 404: error('Unknown id') },
    handler: async ({ app, db, params, body, actor }) => ({ json: roomJson(await setRoomRules(db, params.id, body, actor!.accountId), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/rooms/:id/access',
    summary: 'Put a person on the room’s access list (E6.1)',
    tags: ['rooms'],
    access: 'rooms:write',
    params: idParams,
    body: z.strictObject({ personId: idSchema }),
    responses: { 201: { description: 'Granted', schema: z.object({ roomId: z.string(), personId: z.string() }) }, 404: error('Unknown room or person'), 409: error('Already on the list, or the person has left') },
    handler: async ({ db, params, body, actor }) => {
      await grantRoomAccess(db, params.id, body.personId, actor!.accountId);
      return { status: 201, json: { roomId: params.id, personId: body.personId } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/rooms/:id/access/:personId',
    summary: 'Take a person off the room’s access list',
    tags: ['rooms'],
    access: 'rooms:write',
    params: z.object({ id: idSchema, personId: idSchema }),
    responses: { 204: { description: 'Removed' }, 404: error('Unknown room, or not on the list') },
    handler: async ({ db, params, actor }) => {
      await revokeRoomAccess(db, params.id, params.personId, actor!.accountId);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/rooms/:id/access',
    summary: 'The room’s access list',
    tags: ['rooms'],
    access: 'rooms:read',
    params: idParams,
    responses: {
      200: { description: 'Access list', schema: z.object({ items: z.array(z.object({ personId: z.string(), name: z.string(), roles: z.array(z.string()), orgName: z.string(), grantedAt: z.string() })), nextCursor: z.null() }) },
      404: error('Unknown id'),
    },
    handler: async ({ app, db, params }) => {
      const rows = await listRoomAccess(db, params.id);
      return { json: { items: rows.map((r) => ({ personId: r.person_id, name: r.name, roles: r.roles, orgName: r.org_name, grantedAt: toRfc3339(r.granted_at, app.config.displayTimeZone) })), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/rooms/:id/occupancy',
    summary: 'Who is inside now, since when, holding which media',
    tags: ['rooms'],
    access: 'rooms:read',
    params: idParams,
    responses: { 200: { description: 'Occupancy', schema: occupancySchema }, 404: error('Unknown id') },
    handler: async ({ app, db, params }) => {
      const room = await getRoom(db, params.id);
      const people = await occupants(db, room.id);
      const held = await mediaHeldBy(db, people.map((o) => o.person_id));
      return {
        json: {
          roomId: room.id,
          roomName: room.name,
          count: people.length,
          limit: roomRules(room).occupancyLimit,
          twoPerson: room.two_person,
          occupants: people.map((o) => ({ personId: o.person_id, name: o.name, orgName: o.org_name, roles: o.roles, since: toRfc3339(o.entered_at, app.config.displayTimeZone), entryId: String(o.entry_id), heldMedia: held.get(o.person_id) ?? [] })),
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/rooms/:id/muster',
    summary: 'Printable evacuation (muster) list of who is inside now, A4 (E9.1)',
    tags: ['rooms'],
    access: 'rooms:read',
    params: idParams,
    query: z.strictObject({ lang: z.enum(['ja', 'en']).default('ja') }),
    responses: { 200: { description: 'HTML page for printing', contentType: 'text/html' }, 404: error('Unknown id') },
    handler: async ({ app, db, params, query }) => {
      const room = await getRoom(db, params.id);
      const people = await occupants(db, room.id);
      const tz = app.config.displayTimeZone;
      const { rows } = await db.raw('SELECT now() AS now');
      const printedAt = (rows[0] as { now: Date }).now;
      const ja = query.lang === 'ja';
      const body = html`
<main class="a4 muster">
  <header>
    <h1>${ja ? '避難者確認リスト（在室者一覧）' : 'Evacuation list (people inside)'}</h1>
    <p class="sub">${ja ? 'Evacuation list' : '避難者確認リスト'}</p>
    <dl class="meta">
      <dt>${ja ? '部屋' : 'Room'}</dt><dd>${room.name}（${room.kind === 'secure' ? (ja ? 'セキュリティ区画' : 'secure') : ja ? '応接室' : 'reception'}）</dd>
      <dt>${ja ? '印刷日時' : 'Printed at'}</dt><dd>${displayDateTime(printedAt, tz)} (${tz})</dd>
      <dt>${ja ? '在室人数' : 'People inside'}</dt><dd>${people.length}${room.occupancy_limit !== null ? (ja ? ` / 定員 ${room.occupancy_limit}` : ` / limit ${room.occupancy_limit}`) : ''}</dd>
    </dl>
  </header>
  ${
    people.length === 0
      ? html`<p class="empty">${ja ? '印刷時点で在室者はいません。' : 'Nobody was inside when this list was printed.'}</p>`
      : html`<table>
    <thead><tr><th class="check">✓</th><th>#</th><th>${ja ? '氏名' : 'Name'}</th><th>${ja ? '所属' : 'Organisation'}</th><th>${ja ? '入室時刻' : 'Inside since'}</th></tr></thead>
    <tbody>${people.map((o, i) => html`<tr><td class="check"><span class="box"></span></td><td>${i + 1}</td><td>${o.name}</td><td>${o.org_name}</td><td>${displayDateTime(o.entered_at, tz)}</td></tr>`)}</tbody>
  </table>`
  }
  <footer>${ja ? '避難完了を確認したら ✓ を記入してください。この一覧は印刷時点の入退室記録に基づきます。' : 'Tick each person once they are accounted for. This list reflects the door log at the time of printing.'}</footer>
</main>`;
      return { html: printPage({ lang: query.lang, title: `${ja ? '避難者確認リスト' : 'Evacuation list'} — ${room.name}`, bodyClass: 'print', body }) };
    },
  }),
];
