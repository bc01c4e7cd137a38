import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { decodeCursor, encodeCursor, errorSchema, idParams, idSchema, limitQuery, text } from '../shared/schemas.js';
import { ValidationError } from '../errors.js';
import { ROLES } from '../auth/permissions.js';
import { passwordInputSchema, usernameSchema } from '../auth/accounts.js';
import { createOrg, createPerson, getOrg, getPerson, listOrgs, listPeople, ORG_KINDS, orgJson, personJson } from './service.js';

const error = (description: string) => ({ description, schema: errorSchema });

const orgSchema = z.object({ id: z.string(), name: z.string(), kind: z.enum(ORG_KINDS), createdAt: z.string() }).meta({ id: 'Organisation' });
const personSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    orgId: z.string(),
    orgName: z.string(),
    orgKind: z.enum(ORG_KINDS),
    roles: z.array(z.string()),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    birthday: z.string().nullable(),
    username: z.string().nullable(),
    leftAt: z.string().nullable(),
    leftReason: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Person' });

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
    path: '/api/people',
    summary: 'Register a person, optionally with a sign-in account',
    tags: ['people'],
    access: 'people:write',
    body: z.strictObject({
      name: text(200),
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
      const row = await createPerson(app, db, body, actor!.accountId);
      return { status: 201, json: personJson(row, app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/people',
    summary: 'People, newest first',
    tags: ['people'],
    access: 'people:read',
    query: listQuery.extend({ orgId: idSchema.optional() }),
    responses: { 200: { description: 'A page', schema: z.object({ items: z.array(personSchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ app, db, query }) => {
      const rows = await listPeople(db, query.limit, afterFromCursor(query.cursor), query.orgId);
      const { items, nextCursor } = page(rows, query.limit);
      return { json: { items: items.map((r) => personJson(r, app.config.displayTimeZone)), nextCursor } };
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
    handler: async ({ app, db, params }) => ({ json: personJson(await getPerson(db, params.id), app.config.displayTimeZone) }),
  }),
];
