// @ts-check
// The registration forms, described: admin.js builds each form from its description, checks and
// sends it, and shows the answer. A field: n (its name; label key admin.<task>.<n>), type (text
// unless said), api (its path in the request body, to place the API's error details; '-' for
// none; n unless said), src (a list from the server: people, orgs, rooms, badges, …) or opts
// (fixed values, labelled by optKey + value), def() (the value to begin with), when(values)
// (shown only then), attrs of the control.
import { ROLE_CODES } from './i18n.js';
import { siteNow, siteTime } from './screen.js';
import { countOrNull } from './admin-room-rules.js';

const ORG_KINDS = ['depositor', 'contractor', 'subcontractor', 'carrier', 'disposal_vendor', 'visitor_company'];

/**
 * "No. 1A2B3C4D", as printed on the card.
 * @param {string} id
 */
export const badgeNo = (id) => String(id).slice(0, 8).toUpperCase();
const opt = (v) => (v === '' || v === undefined ? undefined : v);

/**
 * @typedef {{ n: string, type?: string, api?: string, src?: string, opts?: () => string[], optKey?: string, placeholder?: boolean,
 *   inline?: boolean, def?: () => string, when?: (values) => boolean, attrs?: Record<string, string | number> }} FieldSpec
 */
/**
 * What a form says once done: the message (key, params; reasonKey words params.reason), and the
 * badge to print, if any.
 * @typedef {{ ok: boolean, key: string, params: Record<string, unknown>, reasonKey?: string, print?: string }} Status
 */
/**
 * A form: its fields; check(values), a local check (field → message key, or null); body(values),
 * the request's body; send(body, values), the request; done(answer, values), the message once
 * recorded; after(answer, values), what to load again; focus(), where the focus goes once done
 * (the form's first field unless said); keep, the fields kept for the next one; secret, the fields
 * cleared after every answer.
 * @typedef {{ fields: FieldSpec[], check?: (values) => Record<string, string | undefined> | null, body: (values) => object,
 *   send: (body, values) => Promise<import('./page-types.js').ApiResult>, done: (answer, values) => Omit<Status, 'ok'>,
 *   after?: (answer, values) => unknown, focus?: () => HTMLElement | null, keep?: string[], secret?: string[] }} FormSpec
 */

/**
 * The forms, by task. ctx: { api, tz(), isAdmin(), personName(id), roomName(id), orgName(id),
 * setValue(task, name, value), loadPeople(), loadOrgs(), loadBadges(), loadNotifications(), loadAppointments(),
 * loadAccess(), reloadRooms(), fillSources(), render(), stationRegistered(answer), doorRegistered(answer),
 * roomRulesSaved() }.
 * @returns {Record<string, FormSpec>}
 */
export function formSpecs(ctx) {
  const { api, tz, isAdmin, personName, roomName, orgName, setValue, loadPeople, loadOrgs, loadBadges, loadNotifications, loadAppointments, loadAccess, reloadRooms, fillSources, render, stationRegistered, doorRegistered, roomRulesSaved } = ctx;
  /**
   * A device registered at one room (a door station, a door's controller): a room and a name; its
   * credentials are shown once above the form (`admin-<kind>-issued-title` takes the focus).
   * @param {string} kind @param {string} path @param {(answer: any) => void} registered
   */
  const deviceOfRoom = (kind, path, registered) => ({
    fields: [
      { n: 'roomId', type: 'select', src: 'rooms' },
      { n: 'name', attrs: { maxlength: 100, autocomplete: 'off' } },
    ],
    keep: ['roomId'],
    check: (/** @type {Record<string, any>} */ v) => (v.roomId ? null : { roomId: 'admin.error.select' }),
    body: (/** @type {Record<string, any>} */ v) => ({ roomId: v.roomId, name: v.name }),
    send: (/** @type {unknown} */ body) => api('POST', path, { body }),
    done: (/** @type {any} */ d) => ({ key: `admin.${kind}.done`, params: { name: d.name, room: roomName(d.roomId) } }),
    after: registered,
    focus: () => document.getElementById(`admin-${kind}-issued-title`),
  });
  return {
    person: {
      fields: [
        { n: 'name', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'orgId', type: 'select', src: 'orgs' },
        { n: 'roles', type: 'checks', opts: () => ROLE_CODES.filter((r) => r !== 'admin' || isAdmin()), optKey: 'role.' },
        { n: 'email', type: 'email', attrs: { maxlength: 254, autocomplete: 'off' } },
        { n: 'phone', type: 'tel', attrs: { maxlength: 32, autocomplete: 'off' } },
        { n: 'birthday', type: 'date' },
        { n: 'withAccount', type: 'checkbox' },
        { n: 'username', api: 'account.username', when: (v) => v.withAccount, attrs: { maxlength: 64, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' } },
        { n: 'password', type: 'password', api: 'account.password', when: (v) => v.withAccount, attrs: { maxlength: 256, autocomplete: 'new-password' } },
      ],
      body: (v) => ({
        name: v.name,
        orgId: opt(v.orgId),
        roles: v.roles,
        email: opt(v.email),
        phone: opt(v.phone),
        birthday: opt(v.birthday),
        account: v.withAccount ? { username: v.username, password: v.password } : undefined,
      }),
      send: (body) => api('POST', '/api/people', { body }),
      done: (d) => ({ key: 'admin.person.done', params: { name: d.name } }),
      after: async (d) => {
        await loadPeople();
        for (const task of ['badge', 'nda']) setValue(task, 'personId', d.id);
      },
    },
    badge: {
      fields: [
        { n: 'personId', type: 'select', src: 'people' },
        { n: 'validUntil', type: 'date' },
        // Like the scan input: what the card reader types stays off the screen and away from the IME.
        { n: 'cardUid', type: 'password', attrs: { maxlength: 64, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' } },
      ],
      // The issuer never chooses the PIN (security review, finding 1): the holder sets it under "pin".
      body: (v) => ({ personId: opt(v.personId), validUntil: v.validUntil ? siteTime(`${v.validUntil}T23:59:59`, tz()) : undefined, cardUid: opt(v.cardUid) }),
      send: (body) => api('POST', '/api/badges', { body }),
      done: (d) => ({ key: 'admin.badge.done', params: { name: d.personName, no: badgeNo(d.id) }, print: d.id }),
      after: async (d) => {
        await loadBadges();
        setValue('access', 'personId', d.personId);
      },
    },
    // Two-person PIN setting: the holder types the PIN, a confirmer signs with their own badge and PIN.
    pin: {
      fields: [
        { n: 'badge', type: 'password', attrs: { maxlength: 512, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' } },
        { n: 'newPin', type: 'pin' },
        { n: 'newPinConfirm', type: 'pin', api: '-' },
        { n: 'confirmerId', type: 'select', src: 'confirmers', api: 'confirmer.personId' },
        { n: 'confirmerBadge', type: 'password', api: 'confirmer.badge', attrs: { maxlength: 512, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' } },
        { n: 'confirmerPin', type: 'pin', api: 'confirmer.pin' },
      ],
      // Secrets never stay on screen: every answer, success or refusal, clears them.
      secret: ['badge', 'newPin', 'newPinConfirm', 'confirmerBadge', 'confirmerPin'],
      check: (v) => (v.newPin !== v.newPinConfirm ? { newPinConfirm: 'admin.error.pin_mismatch' } : v.confirmerId ? null : { confirmerId: 'admin.error.select' }),
      body: (v) => ({ badge: v.badge, newPin: v.newPin, confirmer: { personId: opt(v.confirmerId), badge: v.confirmerBadge, pin: v.confirmerPin } }),
      send: (body) => api('POST', '/api/badges/pin/setup', { body }),
      done: (d) => ({ key: d.reset ? 'admin.pin.done_reset' : 'admin.pin.done', params: { name: personName(d.personId) } }),
      after: () => loadBadges(),
    },
    access: {
      fields: [
        { n: 'roomId', type: 'select', src: 'rooms', api: '-' },
        { n: 'personId', type: 'select', src: 'people' },
      ],
      keep: ['roomId'],
      body: (v) => ({ personId: opt(v.personId) }),
      send: (body, v) => api('POST', `/api/rooms/${encodeURIComponent(v.roomId)}/access`, { body }),
      check: (v) => (v.roomId ? null : { roomId: 'admin.error.select' }),
      done: (d, v) => ({ key: 'admin.access.done', params: { name: personName(v.personId), room: roomName(v.roomId) } }),
      after: () => loadAccess(),
    },
    nda: {
      fields: [
        { n: 'personId', type: 'select', src: 'people' },
        { n: 'signedAt', type: 'date', def: () => siteNow(tz()).date },
        { n: 'expiresAt', type: 'date' },
        { n: 'documentRef', attrs: { maxlength: 500, autocomplete: 'off' } },
      ],
      body: (v) => ({
        personId: opt(v.personId),
        signedAt: v.signedAt ? siteTime(`${v.signedAt}T00:00:00`, tz()) : undefined,
        expiresAt: v.expiresAt ? siteTime(`${v.expiresAt}T23:59:59`, tz()) : undefined,
        documentRef: v.documentRef,
      }),
      send: (body) => api('POST', '/api/ndas', { body }),
      done: (d, v) => ({ key: 'admin.nda.done', params: { name: personName(v.personId) } }),
    },
    // E8.1–E8.3: a subcontractor's people get badges only once the depositor's written consent
    // is on file (the server refuses the badge with consent_missing until then).
    consent: {
      fields: [
        { n: 'orgId', type: 'select', src: 'consentOrgs', api: '-' },
        { n: 'depositorOrgId', type: 'select', src: 'depositors' },
        { n: 'grantedAt', type: 'date', def: () => siteNow(tz()).date },
        { n: 'expiresAt', type: 'date' },
        { n: 'documentRef', attrs: { maxlength: 500, autocomplete: 'off' } },
      ],
      check: (v) => (v.orgId ? null : { orgId: 'admin.error.select' }),
      body: (v) => ({
        depositorOrgId: opt(v.depositorOrgId),
        grantedAt: v.grantedAt ? siteTime(`${v.grantedAt}T00:00:00`, tz()) : undefined,
        expiresAt: v.expiresAt ? siteTime(`${v.expiresAt}T23:59:59`, tz()) : undefined,
        documentRef: v.documentRef,
      }),
      send: (body, v) => api('POST', `/api/orgs/${encodeURIComponent(v.orgId)}/consents`, { body }),
      done: (d, v) => ({ key: d.validNow ? 'admin.consent.done' : 'admin.consent.done_later', params: { org: orgName(v.orgId) } }),
    },
    training: {
      fields: [
        { n: 'title', attrs: { maxlength: 300, autocomplete: 'off' } },
        { n: 'heldAt', type: 'datetime', def: () => siteNow(tz()).time },
        { n: 'instructor', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'method', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'content', type: 'textarea', attrs: { maxlength: 5000, rows: 3 } },
        // E5.2 a–f: the topics this training covered (the compliance view checks everyone's).
        { n: 'topics', type: 'checks', opts: () => ['a', 'b', 'c', 'd', 'e', 'f'], optKey: 'admin.training.topic.' },
        { n: 'participantIds', type: 'checks', src: 'people' },
      ],
      body: (v) => ({ ...v, heldAt: v.heldAt ? siteTime(v.heldAt, tz()) : undefined }),
      send: (body) => api('POST', '/api/trainings', { body }),
      done: (d) => ({ key: 'admin.training.done', params: { title: d.title, n: d.participantIds.length } }),
    },
    // E1.1: the responsible person (責任者) and the staff member (担当者) appointed per depositor.
    appointment: {
      fields: [
        { n: 'depositorOrgId', type: 'select', src: 'depositors' },
        { n: 'role', type: 'select', opts: () => ['responsible', 'staff'], optKey: 'admin.appointment.role.' },
        { n: 'personId', type: 'select', src: 'people' },
        { n: 'appointedAt', type: 'date', def: () => siteNow(tz()).date },
        { n: 'note', attrs: { maxlength: 500, autocomplete: 'off' } },
      ],
      body: (v) => ({
        depositorOrgId: opt(v.depositorOrgId),
        role: v.role,
        personId: opt(v.personId),
        appointedAt: v.appointedAt ? siteTime(`${v.appointedAt}T${v.appointedAt === siteNow(tz()).date ? siteNow(tz()).time.slice(11) : '09:00'}:00`, tz()) : undefined,
        note: opt(v.note),
      }),
      send: (body) => api('POST', '/api/depositor-appointments', { body }),
      done: (d) => ({ key: 'admin.appointment.done', params: { depositor: d.depositorName ?? '', name: d.personName ?? '' }, reasonKey: `admin.appointment.role.${d.role}` }),
      after: () => loadAppointments(),
      keep: ['depositorOrgId'],
    },
    // E1.1: the interview (面談) of an appointee with the depositor's contact.
    interview: {
      fields: [
        { n: 'appointmentId', type: 'select', src: 'appointments', api: '-' },
        { n: 'heldAt', type: 'datetime', def: () => siteNow(tz()).time },
        { n: 'depositorParticipants', attrs: { maxlength: 1000, autocomplete: 'off' } },
        { n: 'participantIds', type: 'checks', src: 'people' },
        { n: 'note', type: 'textarea', attrs: { maxlength: 2000, rows: 2 } },
      ],
      check: (v) => (v.appointmentId ? null : { appointmentId: 'admin.error.select' }),
      body: (v) => ({
        heldAt: v.heldAt ? siteTime(v.heldAt, tz()) : undefined,
        // Names as the depositor gave them, separated by 、 or commas.
        depositorParticipants: String(v.depositorParticipants ?? '').split(/[、,，]/).map((x) => x.trim()).filter(Boolean),
        participantIds: v.participantIds,
        note: opt(v.note),
      }),
      send: (body, v) => api('POST', `/api/depositor-appointments/${encodeURIComponent(v.appointmentId)}/interviews`, { body }),
      done: (d) => ({ key: 'admin.interview.done', params: { depositor: d.depositorName ?? '', name: d.personName ?? '' } }),
      after: () => loadAppointments(),
    },
    // E1.1: an appointment per depositor ends — its person moved to other work (異動), resigned
    // (退職) or for another reason; a resignation or transfer is notified to the depositor by the
    // server at once (退職や人事異動があった場合、直ちに連絡すること). Someone leaving the company is recorded
    // under "leave" instead, which ends their appointments and notifies the depositors itself.
    appointmentEnd: {
      fields: [
        { n: 'appointmentId', type: 'select', src: 'appointments', api: '-' },
        { n: 'reason', type: 'select', opts: () => ['transferred', 'resigned', 'other'], optKey: 'admin.appointmentEnd.reason.', placeholder: true },
        { n: 'endedAt', type: 'date', def: () => siteNow(tz()).date },
        { n: 'note', attrs: { maxlength: 500, autocomplete: 'off' } },
      ],
      check: (v) => (!v.appointmentId ? { appointmentId: 'admin.error.select' } : !v.reason ? { reason: 'admin.error.select' } : null),
      body: (v) => ({
        reason: v.reason,
        // Today: now (the server's clock; never before an appointment made earlier today). Another
        // day: its last second (a day in the future is refused by the server, at this field).
        endedAt: v.endedAt && v.endedAt !== siteNow(tz()).date ? siteTime(`${v.endedAt}T23:59:59`, tz()) : undefined,
        note: opt(v.note),
      }),
      send: (body, v) => api('POST', `/api/depositor-appointments/${encodeURIComponent(v.appointmentId)}/end`, { body }),
      done: (d) => ({ key: d.endedReason === 'resigned' || d.endedReason === 'transferred' ? 'admin.appointmentEnd.doneNotified' : 'admin.appointmentEnd.done', params: { depositor: d.depositorName ?? '', name: d.personName ?? '', role: d.role }, reasonKey: `admin.appointmentEnd.reason.${d.endedReason}` }),
      after: () => loadAppointments(),
    },
    // E9.1: the fire-prevention manager (防火管理者).
    fireManager: {
      fields: [
        { n: 'personId', type: 'select', src: 'people' },
        { n: 'appointedAt', type: 'date', def: () => siteNow(tz()).date },
        { n: 'certificateRef', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'note', attrs: { maxlength: 500, autocomplete: 'off' } },
      ],
      body: (v) => ({
        personId: opt(v.personId),
        appointedAt: v.appointedAt ? siteTime(`${v.appointedAt}T${v.appointedAt === siteNow(tz()).date ? siteNow(tz()).time.slice(11) : '09:00'}:00`, tz()) : undefined,
        certificateRef: opt(v.certificateRef),
        note: opt(v.note),
      }),
      send: (body) => api('POST', '/api/fire-prevention-managers', { body }),
      done: (d) => ({ key: 'admin.fireManager.done', params: { name: d.personName ?? '' } }),
    },
    revoke: {
      fields: [
        { n: 'badgeId', type: 'select', src: 'badges', api: '-' },
        { n: 'reason', type: 'select', opts: () => ['lost', 'returned', 'left', 'other'], optKey: 'admin.revoke.reason.', placeholder: true },
      ],
      check: (v) => (v.badgeId ? null : { badgeId: 'admin.error.select' }),
      body: (v) => ({ reason: opt(v.reason) }),
      send: (body, v) => api('POST', `/api/badges/${encodeURIComponent(v.badgeId)}/revoke`, { body }),
      done: (d) => ({ key: 'admin.revoke.done', params: { name: d.personName, no: badgeNo(d.id) } }),
      after: () => loadBadges(),
    },
    leave: {
      fields: [
        { n: 'personId', type: 'select', src: 'people', api: '-' },
        { n: 'reason', type: 'select', opts: () => ['resigned', 'transferred'], optKey: 'admin.leave.reason.', placeholder: true },
        { n: 'effectiveAt', type: 'datetime' },
        { n: 'confirm', type: 'checkbox', api: '-' },
      ],
      check: (v) => (!v.personId ? { personId: 'admin.error.select' } : !v.confirm ? { confirm: 'admin.error.confirm' } : null),
      body: (v) => ({ reason: opt(v.reason), effectiveAt: v.effectiveAt ? siteTime(v.effectiveAt, tz()) : undefined }),
      send: (body, v) => api('POST', `/api/people/${encodeURIComponent(v.personId)}/leave`, { body }),
      done: (d, v) => ({
        key: 'admin.leave.done',
        params: { name: d.person.name, badges: d.revokedBadges, access: d.removedRoomAccess },
        reasonKey: `admin.leave.noun.${v.reason}`,
      }),
      after: async () => {
        await Promise.all([loadPeople(), loadBadges(), loadNotifications(), loadAccess()]);
        render();
      },
    },
    org: {
      fields: [
        { n: 'name', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'kind', type: 'select', opts: () => ORG_KINDS, optKey: 'org.kind.', placeholder: true },
      ],
      body: (v) => ({ name: v.name, kind: opt(v.kind) }),
      send: (body) => api('POST', '/api/orgs', { body }),
      done: (d) => ({ key: 'admin.org.done', params: { name: d.name } }),
      after: async (d) => {
        await loadOrgs();
        setValue('person', 'orgId', d.id);
        setValue('consent', 'orgId', d.id);
      },
    },
    room: {
      fields: [
        { n: 'name', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'kind', type: 'select', opts: () => ['secure', 'reception'], optKey: 'door.room.kind.' },
        { n: 'days', type: 'checks', opts: () => ['1', '2', '3', '4', '5', '6', '7'], optKey: 'day.', api: 'hours.days', inline: true },
        { n: 'from', type: 'time', api: 'hours.from' },
        { n: 'to', type: 'time', api: 'hours.to' },
        { n: 'requiresTraining', type: 'checkbox' },
      ],
      body: (v) => ({
        name: v.name,
        kind: v.kind,
        hours: v.days.length || v.from || v.to ? { days: v.days.map(Number), from: v.from, to: v.to } : undefined,
        requiresTraining: v.requiresTraining,
      }),
      send: (body) => api('POST', '/api/rooms', { body }),
      done: (d) => ({ key: 'admin.room.done', params: { name: d.name } }),
      after: async () => {
        await reloadRooms();
        fillSources();
      },
    },
    // A door station (issue 14, item 1): a kiosk or reader at one room's door. Its credential is
    // shown once, above the form (admin-stations.js), and the focus goes there.
    station: deviceOfRoom('station', '/api/door-stations', (d) => stationRegistered(d)),
    // A door with its controller (issue 20): its broker password and command key are shown once,
    // above the form (admin-doors.js), and the focus goes there.
    door: deviceOfRoom('door', '/api/doors', (d) => doorRegistered(d)),
    // A room's rules (issue 20): what is sent is what holds, so every field is sent; empty is off.
    roomRules: {
      fields: [
        { n: 'roomId', type: 'select', src: 'rooms', api: '-' },
        { n: 'twoPerson', type: 'checkbox', api: 'twoPerson.enabled' },
        { n: 'windowSeconds', api: 'twoPerson.windowSeconds', when: (v) => v.twoPerson, attrs: { inputmode: 'numeric', maxlength: 3, autocomplete: 'off' } },
        { n: 'occupancyLimit', attrs: { inputmode: 'numeric', maxlength: 5, autocomplete: 'off' } },
        { n: 'antiPassbackHours', attrs: { inputmode: 'numeric', maxlength: 3, autocomplete: 'off' } },
      ],
      keep: ['roomId'],
      check: (v) => {
        if (!v.roomId) return { roomId: 'admin.error.select' };
        if (v.twoPerson && v.windowSeconds === '') return { windowSeconds: 'admin.error.required' };
        // Two people enter together under the rule: a limit of 1 would let nobody in (the server refuses it too).
        if (v.twoPerson && v.occupancyLimit === '1') return { occupancyLimit: 'admin.roomRules.occupancyLimit.twoPerson' };
        return null;
      },
      body: (v) => ({
        // With the rule off, its window is kept when it is one the server takes (nothing to refuse in a hidden field).
        twoPerson: { enabled: v.twoPerson, windowSeconds: v.twoPerson || /^\d+$/.test(v.windowSeconds) && Number(v.windowSeconds) >= 1 && Number(v.windowSeconds) <= 120 ? (countOrNull(v.windowSeconds) ?? undefined) : undefined },
        occupancyLimit: countOrNull(v.occupancyLimit),
        antiPassbackHours: countOrNull(v.antiPassbackHours),
      }),
      send: (body, v) => api('PUT', `/api/rooms/${encodeURIComponent(v.roomId)}/rules`, { body }),
      done: (d) => ({ key: 'admin.roomRules.done', params: { room: d.name } }),
      after: () => roomRulesSaved(),
    },
  };
}
