// Contacts of organisations and the outbox of notices (issue 15).
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { decodeCursor, encodeCursor, errorSchema, idParams, idSchema, limitQuery } from '../shared/schemas.js';
import { ValidationError } from '../errors.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { getOrg } from '../people/service.js';
import { NOTICE_KINDS, NOTICE_STATUSES } from './rules.js';
import { addContact, changeContact, getContact, getNotice, listContacts, listNotices, removeContact, retryNotice, type ContactRow, type NoticeRow } from './service.js';
import { contactBody, contactPatch, contactSchema, noticeSchema } from './schemas.js';

const error = (description: string) => ({ description, schema: errorSchema });

function contactJson(c: ContactRow, tz: string) {
  return { id: c.id, orgId: c.org_id, name: c.name, email: c.email, lang: c.lang, kinds: c.kinds, createdAt: toRfc3339(c.created_at, tz) };
}

function noticeJson(n: NoticeRow, tz: string) {
  return {
    id: n.id,
    kind: n.kind,
    cause: { subject: n.cause_subject, action: n.cause_action },
    orgId: n.org_id,
    contactId: n.contact_id,
    personId: n.person_id,
    recipient: { name: n.recipient_name, email: n.recipient_email },
    lang: n.lang,
    subject: n.subject,
    text: n.body_text,
    messageId: n.message_id,
    status: n.status,
    attempts: n.attempts,
    nextAttemptAt: n.status === 'queued' ? toRfc3339(n.next_attempt_at, tz) : null,
    lastError: n.last_error,
    createdAt: toRfc3339(n.created_at, tz),
    sentAt: toRfc3339OrNull(n.sent_at, tz),
    failedAt: toRfc3339OrNull(n.failed_at, tz),
  };
}

export const noticeRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/orgs/:id/contacts',
    summary: "An organisation's contact persons: their e-mail address, language and the kinds of notice they receive",
    tags: ['notices'],
    access: 'notices:read',
    params: idParams,
    responses: { 200: { description: 'Contacts', schema: z.object({ items: z.array(contactSchema), nextCursor: z.null() }) }, 404: error('Unknown organisation') },
    handler: async ({ app, db, params }) => {
      await getOrg(db, params.id);
      return { json: { items: (await listContacts(db, params.id)).map((c) => contactJson(c, app.config.displayTimeZone)), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/orgs/:id/contacts',
    summary: 'Add a contact person (journaled); notices go only to addresses on file',
    tags: ['notices'],
    access: 'contacts:write',
    params: idParams,
    body: contactBody,
    responses: { 201: { description: 'Added', schema: contactSchema }, 400: error('Invalid (e.g. body.email)'), 404: error('Unknown organisation') },
    handler: async ({ app, db, params, body, actor }) => {
      await getOrg(db, params.id);
      return { status: 201, json: contactJson(await addContact(db, params.id, body, actor!.accountId), app.config.displayTimeZone) };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/contacts/:id',
    summary: "Change a contact person's name, address, language or kinds of notice (the journal keeps the previous address)",
    tags: ['notices'],
    access: 'contacts:write',
    params: idParams,
    body: contactPatch,
    responses: { 200: { description: 'Changed', schema: contactSchema }, 400: error('Invalid'), 404: error('Unknown contact') },
    handler: async ({ app, db, params, body, actor }) => ({ json: contactJson(await changeContact(db, params.id, body, actor!.accountId), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'delete',
    path: '/api/contacts/:id',
    summary: 'Remove a contact person (journaled); notices already written stay in the outbox',
    tags: ['notices'],
    access: 'contacts:write',
    params: idParams,
    responses: { 204: { description: 'Removed' }, 404: error('Unknown contact') },
    handler: async ({ db, params, actor }) => {
      await getContact(db, params.id);
      await removeContact(db, params.id, actor!.accountId);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/notices',
    summary: 'The outbox, newest first: every notice with its status, attempts, last error and text',
    tags: ['notices'],
    access: 'notices:read',
    query: z.strictObject({
      status: z.enum(NOTICE_STATUSES).optional(),
      kind: z.enum(NOTICE_KINDS).optional(),
      orgId: idSchema.optional(),
      limit: limitQuery,
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'Notices', schema: z.object({ items: z.array(noticeSchema), nextCursor: z.string().nullable(), smtpConfigured: z.boolean() }) }, 400: error('Invalid filter or cursor') },
    handler: async ({ app, db, query }) => {
      const after = decodeCursor(query.cursor, z.tuple([z.iso.datetime({ offset: true }), idSchema]));
      if (query.cursor && !after) throw new ValidationError('The cursor is not valid.', [{ field: 'query.cursor', code: 'invalid_cursor', message: 'not a cursor from this list' }]);
      const rows = await listNotices(db, query, query.limit, after as [string, string] | null);
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        json: {
          items: page.map((n) => noticeJson(n, app.config.displayTimeZone)),
          nextCursor: rows.length > query.limit && last ? encodeCursor([last.created_at.toISOString(), last.id]) : null,
          smtpConfigured: Boolean(app.config.smtpUrl),
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/notices/:id',
    summary: 'One notice',
    tags: ['notices'],
    access: 'notices:read',
    params: idParams,
    responses: { 200: { description: 'The notice', schema: noticeSchema }, 404: error('Unknown notice') },
    handler: async ({ app, db, params }) => ({ json: noticeJson(await getNotice(db, params.id), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/notices/:id/retry',
    summary: 'Try a failed notice again from the start (same Message-ID); journaled',
    tags: ['notices'],
    access: 'contacts:write',
    params: idParams,
    responses: { 200: { description: 'Queued again', schema: noticeSchema }, 404: error('Unknown notice'), 409: error('not_failed: only a failed notice is tried again') },
    handler: async ({ app, db, params, actor }) => ({ json: noticeJson(await retryNotice(db, params.id, actor!.accountId), app.config.displayTimeZone) }),
  }),
];
