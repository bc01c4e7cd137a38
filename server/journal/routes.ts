import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { decodeCursor, encodeCursor, errorSchema, limitQuery } from '../shared/schemas.js';
import { toRfc3339 } from '../shared/time.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { siteOf } from '../system/site.js';
import { createCheckpoint, listCheckpoints } from './checkpoints.js';
import { MAIN_CHAIN, rowToEntry, type JournalRow } from './journal.js';

const checkpointSchema = z
  .object({ id: z.string(), chain: z.string(), seq: z.number().int(), headHash: z.string(), at: z.string(), keyId: z.string(), signature: z.string() })
  .meta({ id: 'JournalCheckpoint' });
const entrySchema = z
  .object({
    chain: z.string(),
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    subject: z.string(),
    payload: z.unknown(),
    payloadCanonical: z.string().describe('The exact bytes that were hashed'),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'JournalEntry' });

export const journalRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/journal',
    summary: 'Journal entries, newest first',
    tags: ['journal'],
    access: 'journal:read',
    query: z.strictObject({
      subject: z.string().min(1).max(200).optional(),
      action: z.string().min(1).max(100).optional(),
      limit: limitQuery,
      cursor: z.string().max(200).optional(),
    }),
    responses: { 200: { description: 'A page', schema: z.object({ items: z.array(entrySchema), nextCursor: z.string().nullable() }) } },
    handler: async ({ app, db, query }) => {
      const q = db('journal_entries').where({ chain: MAIN_CHAIN }).orderBy('seq', 'desc').limit(query.limit + 1);
      if (query.subject) q.where({ subject: query.subject });
      if (query.action) q.where({ action: query.action });
      if (query.cursor) {
        const c = decodeCursor(query.cursor, z.tuple([z.number().int().positive()]));
        if (!c) throw new ValidationError('The cursor is not valid.', [{ field: 'query.cursor', code: 'invalid_cursor', message: 'not a cursor from this list' }]);
        q.where('seq', '<', c[0] as number);
      }
      const rows = ((await q) as JournalRow[]).map(rowToEntry);
      const items = rows.slice(0, query.limit);
      return {
        json: {
          items: items.map((e) => ({ ...e, at: toRfc3339(e.at, app.config.displayTimeZone), payload: JSON.parse(e.payload), payloadCanonical: e.payload })),
          nextCursor: rows.length > query.limit ? encodeCursor([items[items.length - 1]!.seq]) : null,
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/journal/checkpoints',
    summary: 'Sign the current head of the journal now (also done periodically)',
    tags: ['journal'],
    access: 'journal:checkpoint',
    transaction: false,
    responses: {
      201: { description: 'Signed', schema: checkpointSchema.omit({ id: true }) },
      200: { description: 'The latest checkpoint already covers the head; nothing new', schema: z.object({ created: z.literal(false) }) },
    },
    handler: async ({ app }) => {
      const cp = await createCheckpoint(app.db.knex, app.secrets.signing);
      return cp ? { status: 201, json: { ...cp, at: toRfc3339(new Date(cp.at), app.config.displayTimeZone) } } : { json: { created: false } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/journal/checkpoints',
    summary: 'Signed checkpoints, newest first',
    tags: ['journal'],
    access: 'journal:read',
    query: z.strictObject({ limit: limitQuery }),
    responses: { 200: { description: 'List', schema: z.object({ items: z.array(checkpointSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => {
      const rows = (await listCheckpoints(db, query.limit)).slice(0, query.limit);
      return { json: { items: rows.map((c) => ({ ...c, at: toRfc3339(c.at, app.config.displayTimeZone) })), nextCursor: null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/journal/checkpoints/latest',
    summary: 'The latest checkpoint with the public key, to keep off the server (tachiai verify --checkpoint FILE)',
    tags: ['journal'],
    access: 'journal:read',
    responses: {
      200: {
        description: 'Checkpoint file',
        schema: z.object({ site: z.string().describe('The SITE_ID of the journal (not part of the signed message)'), chain: z.string(), seq: z.number().int(), headHash: z.string(), at: z.string(), keyId: z.string(), signature: z.string(), publicKeyPem: z.string() }),
      },
      404: { description: 'No checkpoint yet', schema: errorSchema },
    },
    handler: async ({ app, db }) => {
      const [cp] = await listCheckpoints(db, 1);
      if (!cp) throw new NotFoundError('checkpoint', 'No checkpoint has been signed yet.');
      return {
        json: { site: (await siteOf(app)).id, chain: cp.chain, seq: cp.seq, headHash: cp.headHash, at: cp.at.toISOString(), keyId: cp.keyId, signature: cp.signature, publicKeyPem: app.secrets.signing.publicKeyPem },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/signing-key',
    summary: "The server's Ed25519 public key, to check checkpoints and signatures offline",
    tags: ['journal'],
    access: 'public',
    responses: { 200: { description: 'Public key', schema: z.object({ algorithm: z.literal('Ed25519'), keyId: z.string(), publicKeyPem: z.string() }) } },
    handler: async ({ app }) => ({ json: { algorithm: 'Ed25519', keyId: app.secrets.signing.keyId, publicKeyPem: app.secrets.signing.publicKeyPem } }),
  }),
];
