import { z } from 'zod';
import QRCode from 'qrcode';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams, idSchema, timestampInput } from '../shared/schemas.js';
import { displayDate, toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { html, printPage, raw } from '../shared/html.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { getPerson } from '../people/service.js';
import { hasValidConsent } from '../people/records.js';
import { badgeTokenFor } from './tokens.js';
import { identifyBadge, issueBadge, listBadgeEvents, recordCardPrinted, revokeBadge, REVOKE_REASONS } from './service.js';
import { badgeCard, badgesQuery, type BadgeListRow } from './badges.read-model.js';
import { badgeEventSchema, badgeSchema, newPinInput } from './schemas.js';
import { badgeJson, ROLE_LABELS } from './views.js';
import { changePin, setPinConfirmed } from './pins.js';
import { badgeInput, pinInput } from '../signatures/schemas.js';
import { enforceRate } from '../throttle/rate-limit.js';
import { clientIp } from '../shared/client-ip.js';

const error = (description: string) => ({ description, schema: errorSchema });

export const badgeRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/badges/events',
    summary: 'Badge issuances and PIN sets, resets and changes in a period, newest first (for the weekly access review, E4.2)',
    tags: ['badges'],
    access: 'accesslog:read',
    query: z.strictObject({ from: timestampInput.optional(), to: timestampInput.optional(), personId: idSchema.optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
    responses: { 200: { description: 'Events', schema: z.object({ items: z.array(badgeEventSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => {
      const rows = await listBadgeEvents(db, query);
      const tz = app.config.displayTimeZone;
      return { json: { items: rows.map((r) => ({ ...r, at: toRfc3339(r.at, tz) })), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/badges/pin/setup',
    summary: 'The holder sets (or resets) their PIN at the desk, with a confirmer present (two-person rule)',
    description:
      'The holder presents their badge and types the new PIN themselves; a confirmer — an administrator, responsible or authorised person who is neither ' +
      "the badge's issuer nor its holder (for an administrator's badge: another administrator) — confirms with their own badge and PIN that the holder is present. " +
      'Sets the first PIN of a new badge, or resets a forgotten or locked one (the lock is lifted). Journaled with the holder, the confirmer and who was signed in; ' +
      'the holder is shown it at their next sign-in. A confirmer\'s wrong PIN counts toward their own lockout.',
    tags: ['badges'],
    access: 'badges:pin',
    transaction: false, // the confirmer's wrong PIN must count although nothing changes
    body: z.strictObject({
      badge: badgeInput.describe("The holder's badge token or card UID, as the reader typed it"),
      newPin: newPinInput,
      confirmer: z.strictObject({ personId: idSchema, badge: badgeInput, pin: pinInput }).describe('The person confirming that the holder is present, with their own badge and PIN'),
    }),
    responses: {
      200: { description: 'The PIN is set; the badge now signs', schema: z.object({ badgeId: z.string(), personId: z.string(), reset: z.boolean() }) },
      400: error('pin_policy (too short, trivial, reused), confirmer_invalid (the holder, the issuer, or without a confirming role), or signature_invalid (a badge or the confirmer\'s PIN did not verify); nothing changed'),
      403: error("pin_change_required: the confirmer's own PIN is shorter than 6 digits and must be changed first"),
      404: error('Unknown confirmer'),
      423: error("The confirmer's PIN is locked"),
    },
    handler: async ({ app, body, actor }) => ({ json: await setPinConfirmed(app, { ...body, operator: { accountId: actor!.accountId, personId: actor!.personId } }) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/badges/pin/change',
    summary: 'The holder changes their PIN with the badge and the current PIN (no sign-in needed)',
    description:
      'Only the holder knows the current PIN, so presenting the badge and typing it proves who is changing it. This is also how a PIN shorter than 6 digits ' +
      '(answered 403 pin_change_required wherever it is used) is replaced. A wrong current PIN counts toward the badge\'s lockout. Limited per source address (429).',
    tags: ['badges'],
    access: 'public',
    transaction: false,
    body: z.strictObject({ badge: badgeInput, currentPin: pinInput, newPin: newPinInput }),
    responses: {
      200: { description: 'Changed', schema: z.object({ badgeId: z.string(), personId: z.string() }) },
      400: error('pin_policy (too short, trivial, reused) or signature_invalid (the badge or the current PIN did not verify, or the badge has no PIN yet)'),
      423: error('The PIN is locked'),
      429: error('Too many requests from this address'),
    },
    handler: async ({ app, body, req }) => {
      await enforceRate(app, { bucket: 'pin_change', limit: app.config.signinRatePerMinute, windowSeconds: 60 }, clientIp(req), 'Too many PIN changes from this address. Try again shortly.');
      return { json: await changePin(app, body) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/badges/identify',
    summary: 'Whose badge is this? For scan-first forms: a badge scanned into a person field names its holder',
    description:
      'Answers only for a badge that is valid now and whose holder has not left. Nothing is signed by it: a signature still needs the holder\'s PIN. ' +
      'POST so that the badge token never appears in an address or the access log.',
    tags: ['badges'],
    access: 'people:read',
    body: z.strictObject({ badge: badgeInput }),
    responses: {
      200: { description: 'The holder', schema: z.object({ badgeId: z.string(), person: z.object({ id: z.string(), name: z.string(), orgName: z.string(), roles: z.array(z.string()) }) }) },
      404: error('Unknown badge'),
      409: error('badge_revoked, badge_expired, badge_not_yet_valid or person_left'),
    },
    handler: async ({ app, db, body }) => {
      const { badgeId, person } = await identifyBadge(app, db, body.badge);
      return { json: { badgeId, person: { id: person.id, name: person.name, orgName: person.org_name, roles: person.roles } } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/badges',
    summary: 'Issue a badge (QR token, optional IC card UID) without a PIN: the holder sets the PIN in person',
    description:
      'The issuer never sets or sees the PIN (a `pin` here is refused with 400). The badge opens doors at once but signs nothing and is no second factor ' +
      'until its holder sets the PIN: at the desk with a confirmer (`POST /api/badges/pin/setup`). Only administrators issue badges for administrators. ' +
      'The holder is shown every issuance at their next sign-in.',
    tags: ['badges'],
    access: 'badges:write',
    body: z.strictObject({
      personId: idSchema,
      validUntil: timestampInput.optional(),
      cardUid: z.string().trim().regex(/^[0-9A-Fa-f:\s-]{4,64}$/, 'hex digits as the card reader types them').optional(),
    }),
    responses: {
      201: { description: 'Issued; `token` is what the QR code carries (shown here and on the printed card)', schema: badgeSchema.extend({ token: z.string() }) },
      400: error('Invalid, or a `pin` was given (the holder sets it)'),
      403: error('Only administrators issue badges for administrators'),
      404: error('Unknown person'),
      409: error('The person has left, the card UID is on another live badge, or a subcontractor has no consent (E8)'),
    },
    handler: async ({ app, db, body, actor }) => {
      const person = await getPerson(db, body.personId);
      // An administrator's badge is half of their sign-in (E2.17): only another administrator issues it.
      if (person.roles.includes('admin') && !actor!.roles.includes('admin')) {
        throw new ForbiddenError('forbidden', 'Only an administrator can issue a badge for an administrator.');
      }
      if (person.left_at) throw new ConflictError('person_left', `${person.name} has left; no badge can be issued.`);
      // E8: a subcontractor's people get badges only after the depositor's written consent.
      if (person.org_kind === 'subcontractor' && !(await hasValidConsent(db, person.org_id))) {
        throw new ConflictError('consent_missing', `${person.org_name} is a subcontractor without the depositor's written consent on file (E8).`);
      }
      const { rows } = await db.raw('SELECT now() AS now');
      if (body.validUntil && body.validUntil <= (rows[0] as { now: Date }).now) {
        throw new ValidationError('validUntil must be in the future.', [{ field: 'body.validUntil', code: 'in_past', message: 'must be in the future' }]);
      }
      const issued = await issueBadge(app, db, { personId: person.id, validUntil: body.validUntil ?? null, cardUid: body.cardUid ?? null, actor: actor!.accountId, actorPersonId: actor!.personId });
      const row = (await badgesQuery(db).where('b.id', issued.id).first()) as BadgeListRow;
      return { status: 201, json: { ...badgeJson(row, app.config.displayTimeZone), token: issued.token } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/badges',
    summary: 'Badges, newest first (optionally of one person)',
    tags: ['badges'],
    access: 'badges:read',
    query: z.strictObject({ personId: idSchema.optional() }),
    responses: { 200: { description: 'Badges', schema: z.object({ items: z.array(badgeSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => {
      const q = badgesQuery(db).limit(500);
      if (query.personId) q.where('b.person_id', query.personId);
      return { json: { items: ((await q) as BadgeListRow[]).map((r) => badgeJson(r, app.config.displayTimeZone)), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/badges/:id',
    summary: 'One badge',
    tags: ['badges'],
    access: 'badges:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: badgeSchema }, 404: error('Unknown id') },
    handler: async ({ app, db, params }) => {
      const row = (await badgesQuery(db).where('b.id', params.id).first()) as BadgeListRow | undefined;
      if (!row) throw new NotFoundError('badge');
      return { json: badgeJson(row, app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/badges/:id/revoke',
    summary: 'Revoke a badge (lost, returned, left, other)',
    tags: ['badges'],
    access: 'badges:write',
    params: idParams,
    body: z.strictObject({ reason: z.enum(REVOKE_REASONS) }),
    responses: { 200: { description: 'Revoked', schema: badgeSchema }, 404: error('Unknown id'), 409: error('Already revoked') },
    handler: async ({ app, db, params, body, actor }) => {
      await revokeBadge(db, params.id, body.reason, actor!.accountId);
      return { json: badgeJson((await badgesQuery(db).where('b.id', params.id).first()) as BadgeListRow, app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/badges/:id/card',
    summary: 'Printable badge card (credit-card size): name, organisation, role, validity, QR code (E6.3)',
    tags: ['badges'],
    access: 'badges:write',
    params: idParams,
    responses: { 200: { description: 'HTML page for printing', contentType: 'text/html' }, 404: error('Unknown id'), 409: error('Revoked badges are not printed') },
    handler: async ({ app, db, params, actor }) => {
      const row = await badgeCard(db, params.id);
      if (!row) throw new NotFoundError('badge');
      if (row.revoked_at) throw new ConflictError('badge_revoked', 'This badge is revoked; issue a new one instead of printing it.');
      const token = badgeTokenFor(row.token_nonce, app.secrets.badgeKey);
      const svg = await QRCode.toString(token, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      const tz = app.config.displayTimeZone;
      const date = (d: Date) => displayDate(d, tz, 'ja');
      await recordCardPrinted(app.db.knex, row, actor!.accountId);
      const roles = row.roles.map((r) => ROLE_LABELS[r] ?? r);
      const body = html`
<main class="card">
  <div class="card-head"><span class="brand">立会い Tachiai</span><span class="card-kind">入館証 / ID badge</span></div>
  <div class="card-body">
    <div class="photo">写真<br>Photo</div>
    <div class="who">
      <div class="name">${row.person_name}</div>
      <div class="org">${row.org_name}</div>
      <div class="role">${roles.join(' / ')}</div>
      <div class="valid">有効期間 Valid: ${date(row.valid_from)} – ${row.valid_until ? date(row.valid_until) : '無期限 no end'}</div>
    </div>
    <div class="qr">${raw(svg)}</div>
  </div>
  <div class="card-foot">No. ${row.id.slice(0, 8).toUpperCase()}${row.card_uid_hint ? ` · IC …${row.card_uid_hint}` : ''}</div>
</main>`;
      return { html: printPage({ lang: 'ja', title: `入館証 — ${row.person_name}`, bodyClass: 'print badge-card', body }) };
    },
  }),
];
