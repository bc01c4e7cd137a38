import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { decodeCursor, encodeCursor, errorSchema, idParams, idSchema, limitQuery, text } from '../shared/schemas.js';
import { ValidationError } from '../errors.js';
import { ROLES, rolesAllow } from '../auth/permissions.js';
import { passwordInputSchema, usernameSchema } from '../auth/accounts.js';
import { assertMayGrantRoles, createOrg, createPerson, getOrg, getPerson, listAppointments, listOrgs, listPeople, ORG_KINDS, orgJson, personJson, setOrgApproval, setRoles, updatePersonDetails } from './service.js';
import { orgSchema, personSchema } from './schemas.js';
import { READING_PATTERN, TRAINING_TOPICS } from './rules.js';
import { appointFireManager, appointForDepositor, appointmentJson, appointmentWithInterviews, DEPOSITOR_ROLES, fireManagerJson, listDepositorAppointments, listFireManagers, recordInterview } from './duties.js';
import { appointmentSchema, fireManagerSchema, trainingSchema } from './schemas.js';
import { hasValidConsent, listNdas, listTrainings, ndaJson, recordConsent, recordNda, recordTraining, trainingJson } from './records.js';
import { acknowledgeNotification, listNotifications, notificationJson } from './notifications.js';
import { timestampInput } from '../shared/schemas.js';
import { toRfc3339 } from '../shared/time.js';

const error = (description: string) => ({ description, schema: errorSchema });

const cursorShape = z.tuple([idSchema]);
const listQuery = z.strictObject({ limit: limitQuery, cursor: z.string().max(200).optional() });

function afterFromCursor(cursor: string | undefined): string | null {
  if (cursor === undefined) return null;
  const decoded = decodeCursor(cursor, cursorShape);
  if (!decoded) throw new ValidationError('The cursor is not valid.', [{ field: 'query.cursor', code: 'invalid_cursor', message: 'not a cursor from this list' }]);
  return decoded[0] as string;
}

function page<T extends { id: string }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1]!.id]) : null };
}

/** Furigana: kana or Latin letters; stored in katakana. */
const readingInput = text(200).refine((r) => READING_PATTERN.test(r.normalize('NFKC')), 'kana or Latin letters only');

const isoDate = z.iso.date().refine((d) => d >= '1900-01-01' && d <= '2100-12-31', 'out of range');

export const peopleRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/orgs',
    summary: 'Register an organisation (depositor, contractor, carrier, …)',
    tags: ['people'],
    access: 'orgs:write',
    body: z.strictObject({ name: text(200), kind: z.enum(ORG_KINDS) }),
    responses: { 201: { description: 'Created', schema: orgSchema }, 400: error('Invalid') },
    handler: async ({ app, db, body, actor }) => {
      const row = await createOrg(db, body, actor!.accountId);
      return { status: 201, json: orgJson(row, app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/orgs',
    summary: 'Organisations, newest first',
    tags: ['people'],
    access: 'orgs:read',
    query: listQuery.extend({ kind: z.enum(ORG_KINDS).optional() }),
    responses: { 200: { description: 'A page', schema: z.object({ items: z.array(orgSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ app, db, query }) => {
      const rows = await listOrgs(db, query.limit, afterFromCursor(query.cursor), query.kind);
      const { items, nextCursor } = page(rows, query.limit);
      return { json: { items: items.map((r) => orgJson(r, app.config.displayTimeZone)), nextCursor } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/orgs/:id',
    summary: 'One organisation',
    tags: ['people'],
    access: 'orgs:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: orgSchema }, 404: error('Unknown id') },
    handler: async ({ app, db, params }) => ({ json: orgJson(await getOrg(db, params.id), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/orgs/:id/approval',
    summary: 'Put an organisation on the approved list (trustworthy carrier or vendor, E1.3), or take it off',
    tags: ['people'],
    access: 'orgs:write',
    params: idParams,
    body: z.strictObject({ approved: z.boolean(), note: text(500).optional() }),
    responses: { 200: { description: 'Updated', schema: orgSchema }, 404: error('Unknown id'), 409: error('Already in that state') },
    handler: async ({ app, db, params, body, actor }) => ({
      json: orgJson(await setOrgApproval(db, params.id, body.approved, body.note ?? null, actor!.accountId), app.config.displayTimeZone),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/people',
    summary: 'Register a person, optionally with a sign-in account',
    tags: ['people'],
    access: 'people:write',
    body: z.strictObject({
      name: text(200),
      reading: readingInput.optional(),
      orgId: idSchema,
      roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length).refine((r) => new Set(r).size === r.length, 'roles must not repeat'),
      email: z.email().max(254).optional(),
      phone: z.string().trim().regex(/^\+?[0-9][0-9 ()-]{3,30}$/, 'digits, spaces, ( ) - and a leading + only').optional(),
      birthday: isoDate.optional(),
      account: z.strictObject({ username: usernameSchema, password: passwordInputSchema }).optional(),
    }),
    responses: {
      201: { description: 'Created', schema: personSchema },
      400: error('Invalid, or the password breaks the policy (password_policy)'),
      404: error('Unknown organisation'),
      409: error('username_taken'),
    },
    handler: async ({ app, db, body, actor }) => {
      assertMayGrantRoles(actor!.roles, body.roles);
      const row = await createPerson(app, db, body, actor!.accountId, actor!.personId);
      return { status: 201, json: personJson(row, app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/people',
    summary: 'People, newest first; for pickers, by name / reading / organisation (q), role, presence in a room, and not left',
    tags: ['people'],
    access: 'people:read',
    query: listQuery.extend({
      orgId: idSchema.optional(),
      q: z.string().trim().min(1).max(100).optional().describe('Name, reading (furigana) or organisation contains this; case, width, hiragana/katakana and spaces do not matter'),
      role: z.enum(ROLES).optional(),
      insideRoomId: idSchema.optional().describe('Only people inside this room now'),
      active: z.enum(['true', 'false']).optional().describe('true: only people who have not left'),
    }),
    responses: { 200: { description: 'A page', schema: z.object({ items: z.array(personSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ app, db, query, actor }) => {
      const rows = await listPeople(db, query.limit, afterFromCursor(query.cursor), { ...query, active: query.active === 'true' });
      const { items, nextCursor } = page(rows, query.limit);
      const personal = rolesAllow(actor!.roles, 'people:personal');
      return { json: { items: items.map((r) => personJson(r, app.config.displayTimeZone, personal)), nextCursor } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/people/:id',
    summary: 'One person',
    tags: ['people'],
    access: 'people:read',
    params: idParams,
    responses: { 200: { description: 'Found', schema: personSchema }, 404: error('Unknown id') },
    handler: async ({ app, db, params, actor }) => ({ json: personJson(await getPerson(db, params.id), app.config.displayTimeZone, rolesAllow(actor!.roles, 'people:personal')) }),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/people/:id',
    summary: "Set or correct a person's reading (furigana), e-mail address or notice language; null clears the first two (journaled)",
    tags: ['people'],
    access: 'people:write',
    params: idParams,
    body: z
      .strictObject({ reading: readingInput.nullable().optional(), email: z.email().max(254).nullable().optional(), noticeLang: z.enum(['ja', 'en']).optional() })
      .refine((b) => Object.keys(b).length > 0, 'give at least one of reading, email, noticeLang'),
    responses: { 200: { description: 'Updated', schema: personSchema }, 400: error('Invalid'), 404: error('Unknown id') },
    handler: async ({ app, db, params, body, actor }) => ({ json: personJson(await updatePersonDetails(db, params.id, body, actor!.accountId), app.config.displayTimeZone, rolesAllow(actor!.roles, 'people:personal')) }),
  }),
  defineRoute({
    method: 'put',
    path: '/api/people/:id/roles',
    summary: 'Appoint or dismiss roles (責任者, 担当者, …); the change is kept in the appointment history (E1.1)',
    tags: ['people'],
    access: 'people:write',
    params: idParams,
    body: z.strictObject({
      roles: z.array(z.enum(ROLES)).max(ROLES.length).refine((r) => new Set(r).size === r.length, 'roles must not repeat'),
      note: text(500).optional(),
    }),
    responses: { 200: { description: 'Updated', schema: personSchema }, 403: error('Only administrators change the admin role'), 404: error('Unknown id'), 409: error('The person has left') },
    handler: async ({ app, db, params, body, actor }) => ({
      json: personJson(await setRoles(db, params.id, body.roles, body.note ?? null, actor!), app.config.displayTimeZone),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/people/:id/appointments',
    summary: 'Appointment history: who appointed or dismissed whom in which role, when (E1.1)',
    tags: ['people'],
    access: 'people:read',
    params: idParams,
    responses: {
      200: {
        description: 'Oldest first',
        schema: z.object({
          items: z.array(z.object({ id: z.string(), role: z.string(), change: z.enum(['appointed', 'dismissed']), at: z.string(), note: z.string().nullable(), byPersonId: z.string().nullable(), byName: z.string().nullable(), byActor: z.string() })),
          nextCursor: z.null(),
        }),
      },
      404: error('Unknown id'),
    },
    handler: async ({ app, db, params }) => {
      const rows = await listAppointments(db, params.id);
      return {
        json: {
          items: rows.map((r) => ({ id: String(r.id), role: r.role, change: r.change, at: toRfc3339(r.at, app.config.displayTimeZone), note: r.note, byPersonId: r.by_person_id, byName: r.by_name, byActor: r.by_actor })),
          nextCursor: null,
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/ndas',
    summary: 'Record a non-disclosure agreement (秘密保持契約 / 念書) on file (M6.3)',
    tags: ['people'],
    access: 'people:write',
    body: z.strictObject({ personId: idSchema, signedAt: timestampInput, expiresAt: timestampInput.optional(), documentRef: text(500) }),
    responses: { 201: { description: 'Recorded', schema: z.object({ id: z.string(), personId: z.string(), signedAt: z.string(), expiresAt: z.string().nullable(), documentRef: z.string(), createdAt: z.string() }) }, 404: error('Unknown person') },
    handler: async ({ app, db, body, actor }) => ({ status: 201, json: ndaJson(await recordNda(db, body, actor!.accountId), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/ndas',
    summary: 'NDAs on file (optionally of one person)',
    tags: ['people'],
    access: 'people:read',
    query: z.strictObject({ personId: idSchema.optional() }),
    responses: { 200: { description: 'NDAs', schema: z.object({ items: z.array(z.object({ id: z.string(), personId: z.string(), signedAt: z.string(), expiresAt: z.string().nullable(), documentRef: z.string(), createdAt: z.string() })), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => ({ json: { items: (await listNdas(db, query.personId)).map((r) => ndaJson(r, app.config.displayTimeZone)), nextCursor: null } }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/trainings',
    summary: 'Record a security training: date, instructor, method, content, participants (E5)',
    tags: ['people'],
    access: 'people:write',
    body: z.strictObject({
      title: text(300),
      heldAt: timestampInput,
      instructor: text(200),
      method: text(200),
      content: text(5000),
      participantIds: z.array(idSchema).min(1).max(1000),
      topics: z.array(z.enum(TRAINING_TOPICS)).max(TRAINING_TOPICS.length).optional().describe('E5.2: the topics a–f the training covered (a the guidelines, b monitoring, c privacy, d viruses, e software, f discipline)'),
    }),
    responses: { 201: { description: 'Recorded', schema: trainingSchema }, 400: error('Invalid, or a topic listed twice'), 404: error('Unknown participant') },
    handler: async ({ app, db, body, actor }) => ({ status: 201, json: trainingJson(await recordTraining(db, body, actor!.accountId), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/trainings',
    summary: 'Training records, newest first (optionally of one participant)',
    tags: ['people'],
    access: 'people:read',
    query: z.strictObject({ personId: idSchema.optional() }),
    responses: { 200: { description: 'Trainings', schema: z.object({ items: z.array(trainingSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => ({ json: { items: (await listTrainings(db, query.personId)).map((r) => trainingJson(r, app.config.displayTimeZone)), nextCursor: null } }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/orgs/:id/consents',
    summary: "Record the depositor's written consent for a subcontractor or disposal vendor (E8)",
    tags: ['people'],
    access: 'orgs:write',
    params: idParams,
    body: z.strictObject({ depositorOrgId: idSchema.optional(), grantedAt: timestampInput, expiresAt: timestampInput.optional(), documentRef: text(500) }),
    responses: { 201: { description: 'Recorded', schema: z.object({ id: z.string(), orgId: z.string(), validNow: z.boolean() }) }, 404: error('Unknown organisation'), 409: error('Not a subcontractor or disposal vendor') },
    handler: async ({ db, params, body, actor }) => {
      const row = await recordConsent(db, params.id, body, actor!.accountId);
      return { status: 201, json: { id: row.id, orgId: row.org_id, validNow: await hasValidConsent(db, row.org_id) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/notifications',
    summary: 'Notifications to the depositor (personnel changes, E1.1); open=true lists those not yet acknowledged',
    tags: ['people'],
    access: 'people:read',
    query: z.strictObject({ open: z.enum(['true', 'false']).transform((v) => v === 'true').optional(), limit: limitQuery }),
    responses: {
      200: {
        description: 'Newest first',
        schema: z.object({ items: z.array(z.object({ id: z.string(), kind: z.string(), depositorOrgId: z.string().nullable(), depositorName: z.string().nullable(), personId: z.string().nullable(), message: z.string(), details: z.record(z.string(), z.unknown()), createdAt: z.string(), acknowledgedAt: z.string().nullable(), acknowledgedBy: z.string().nullable() })), nextCursor: z.null() }),
      },
    },
    handler: async ({ app, db, query }) => ({ json: { items: (await listNotifications(db, query.open, query.limit)).map((r) => notificationJson(r, app.config.displayTimeZone)), nextCursor: null } }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/notifications/:id/acknowledge',
    summary: 'Acknowledge a notification (it leaves the front desk list)',
    tags: ['people'],
    access: 'people:write',
    params: idParams,
    responses: { 200: { description: 'Acknowledged', schema: z.object({ id: z.string(), acknowledgedAt: z.string().nullable() }) }, 404: error('Unknown id'), 409: error('Already acknowledged') },
    handler: async ({ app, db, params, actor }) => {
      const row = await acknowledgeNotification(db, params.id, actor!);
      return { json: notificationJson(row, app.config.displayTimeZone) };
    },
  }),
  // ---- E1.1: the responsible person and staff member per depositor, with their interviews ----
  defineRoute({
    method: 'post',
    path: '/api/depositor-appointments',
    summary: 'Appoint the responsible person (責任者) or the staff member (担当者) for a depositor (E1.1); the current one is ended as replaced; journaled',
    tags: ['people'],
    access: 'people:write',
    body: z.strictObject({
      depositorOrgId: idSchema,
      personId: idSchema,
      role: z.enum(DEPOSITOR_ROLES),
      appointedAt: timestampInput.optional().describe('Default: now; never in the future'),
      note: text(500).optional(),
    }),
    responses: {
      201: { description: 'Appointed', schema: appointmentSchema },
      400: error('Invalid, not a depositor, in the future, or before the current appointment'),
      404: error('Unknown depositor or person'),
      409: error('role_not_held, not_contractor, person_left, already_appointed'),
    },
    handler: async ({ app, db, body, actor }) => {
      const row = await appointForDepositor(db, body, actor!.accountId);
      return { status: 201, json: appointmentJson(await appointmentWithInterviews(db, row.id), app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/depositor-appointments',
    summary: 'Appointments per depositor with their interviews, newest first (current=true: only those not ended)',
    tags: ['people'],
    access: 'people:read',
    query: z.strictObject({ depositorOrgId: idSchema.optional(), current: z.enum(['true', 'false']).optional() }),
    responses: { 200: { description: 'Appointments', schema: z.object({ items: z.array(appointmentSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => ({
      json: { items: (await listDepositorAppointments(db, { depositorOrgId: query.depositorOrgId, current: query.current === 'true' })).map((r) => appointmentJson(r, app.config.displayTimeZone)), nextCursor: null },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/depositor-appointments/:id/interviews',
    summary: "Record the interview (面談) of an appointee with the depositor's contact (E1.1): when, who of the depositor, who of ours (the appointee among them); journaled",
    tags: ['people'],
    access: 'people:write',
    params: idParams,
    body: z.strictObject({
      heldAt: timestampInput,
      depositorParticipants: z.array(text(200)).min(1).max(20).describe("The depositor's people who took part (names as they gave them)"),
      participantIds: z.array(idSchema).min(1).max(50).describe('Our people who took part; the appointee among them'),
      note: text(2000).optional(),
    }),
    responses: { 201: { description: 'Recorded; the appointment with its interviews', schema: appointmentSchema }, 400: error('Invalid, in the future, a person twice, or without the appointee'), 404: error('Unknown appointment or person') },
    handler: async ({ app, db, params, body, actor }) => {
      await recordInterview(db, params.id, body, actor!.accountId);
      return { status: 201, json: appointmentJson(await appointmentWithInterviews(db, params.id), app.config.displayTimeZone) };
    },
  }),
  // ---- E9.1: the fire-prevention manager ----
  defineRoute({
    method: 'post',
    path: '/api/fire-prevention-managers',
    summary: 'Appoint the fire-prevention manager (防火管理者, E9.1); the current one is ended; journaled',
    tags: ['people'],
    access: 'people:write',
    body: z.strictObject({ personId: idSchema, appointedAt: timestampInput.optional(), certificateRef: text(200).optional().describe('e.g. the number of the 防火管理講習 certificate'), note: text(500).optional() }),
    responses: { 201: { description: 'Appointed', schema: fireManagerSchema }, 400: error('Invalid, or in the future'), 404: error('Unknown person'), 409: error('person_left, already_appointed') },
    handler: async ({ app, db, body, actor }) => {
      const row = await appointFireManager(db, body, actor!.accountId);
      return { status: 201, json: fireManagerJson({ ...row, person_name: (await getPerson(db, row.person_id)).name }, app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/fire-prevention-managers',
    summary: 'Fire-prevention managers, the current one first (ended: null)',
    tags: ['people'],
    access: 'people:read',
    responses: { 200: { description: 'Newest first', schema: z.object({ items: z.array(fireManagerSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db }) => ({ json: { items: (await listFireManagers(db)).map((r) => fireManagerJson(r, app.config.displayTimeZone)), nextCursor: null } }),
  }),
];
