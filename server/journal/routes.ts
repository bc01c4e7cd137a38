import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { decodeCursor, encodeCursor, errorSchema, limitQuery } from '../shared/schemas.js';
import { toRfc3339 } from '../shared/time.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { logOriginOf, siteOf } from '../system/site.js';
import { publishedKeys } from '../system/signing-keys.js';
import { verifierFor } from './note.js';
import { clientIp } from '../shared/client-ip.js';
import { enforceRate } from '../throttle/rate-limit.js';
import { createCheckpoint, listCheckpoints } from './checkpoints.js';
import { MAIN_CHAIN, rowToEntry, type JournalRow } from './journal.js';
import { checkpointNow, latestTlogCheckpoint, logVerifier, tlogCheckpointAt, type TlogCheckpoint } from './tlog-checkpoints.js';
import { proveConsistency, proveInclusion, treeState } from './tree.js';
import { cosignedNote, newestCosigned, witnessStates } from './witness-client.js';

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

// The journal as a transparency log (issue 19).
const b64 = (h: Buffer) => h.toString('base64');
const hashB64 = z.string().describe('A SHA-256 hash, base64 (RFC 4648 §4), as in C2SP checkpoints');
/** A tree size or entry number in a query: a positive decimal integer that JavaScript holds exactly. */
const treeNumber = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const tlogCheckpointSchema = z
  .object({
    origin: z.string(),
    treeSize: z.number().int(),
    rootHash: hashB64,
    note: z.string().describe('The signed note (c2sp.org/signed-note over a c2sp.org/tlog-checkpoint body), verbatim'),
    signedAt: z.string(),
  })
  .meta({ id: 'TlogCheckpoint' });
const tlogCheckpointJson = (cp: TlogCheckpoint, tz: string) => ({ origin: cp.origin, treeSize: cp.size, rootHash: b64(cp.root), note: cp.note, signedAt: toRfc3339(cp.signedAt, tz) });
const beyond = (field: string, message: string) => new ValidationError(message, [{ field, code: 'out_of_range', message }]);

export const journalRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/checkpoint',
    summary: "The journal's newest C2SP checkpoint, as a signed note (no sign-in)",
    description:
      'c2sp.org/tlog-checkpoint in a c2sp.org/signed-note: origin line, tree size, base64 root hash, a blank line, the Ed25519 signature line of the log key (key name = origin), then the cosignature lines of the witnesses that cosigned it (c2sp.org/tlog-cosignature). ' +
      'Check it with the log\'s verifier key (GET /api/journal/tlog, `tachiai tree key`), obtained out of band. 404 before the first checkpoint.',
    tags: ['journal'],
    access: 'public',
    responses: { 200: { description: 'The signed note', contentType: 'text/plain' }, 404: { description: 'No checkpoint yet', schema: errorSchema } },
    handler: async ({ app, db, res }) => {
      const cp = await latestTlogCheckpoint(db, await logOriginOf(app));
      if (!cp) throw new NotFoundError('checkpoint', 'No checkpoint of the journal\'s tree has been signed yet.');
      res.set('Cache-Control', 'no-store');
      return { text: await cosignedNote(db, cp), contentType: 'text/plain; charset=utf-8' };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/journal/tlog',
    summary: 'The journal as a transparency log: its origin, verifier key, tree and newest checkpoint',
    tags: ['journal'],
    access: 'public',
    responses: {
      200: {
        description: 'The log',
        schema: z.object({
          origin: z.string().describe('The log\'s identity, derived from SITE_ID; the key name of its signatures'),
          vkey: z.string().describe('The C2SP verifier key: <origin>+<key ID>+<base64(0x01 ‖ Ed25519 public key)>'),
          publicKeyPem: z.string(),
          vkeys: z
            .array(z.object({ vkey: z.string(), keyId: z.string(), state: z.enum(['current', 'next', 'previous']) }))
            .describe('The verifier keys of the log under its current origin: the current key, the next one while a rotation is under way (it co-signs every checkpoint), and the earlier keys (tachiai rotate-key)'),
          tree: z.object({ size: z.number().int(), rootHash: hashB64 }).describe('The tree as built so far (it may be ahead of the newest checkpoint)'),
          checkpoint: tlogCheckpointSchema.nullable(),
          cosigned: z
            .object({ treeSize: z.number().int(), signedAt: z.string(), ageSeconds: z.number().int() })
            .nullable()
            .describe('The newest checkpoint cosigned by a witness, and its age'),
          witnesses: z
            .array(z.object({ vkey: z.string(), size: z.number().int(), status: z.enum(['cosigned', 'up_to_date', 'alarm', 'refused', 'unreachable']), message: z.string().nullable(), checkedAt: z.string(), alarmAt: z.string().nullable() }))
            .describe('Each witness asked (WITNESSES): the size it cosigned, its last answer; alarmAt when it refused a checkpoint as a fork or a rollback (422)'),
        }),
      },
    },
    handler: async ({ app, db }) => {
      const origin = await logOriginOf(app);
      const [tree, cp, cosigned, witnesses] = [await treeState(db), await latestTlogCheckpoint(db, origin), await newestCosigned(db, origin), await witnessStates(db, origin)];
      const tz = app.config.displayTimeZone;
      return {
        json: {
          origin,
          vkey: logVerifier(origin, app.secrets.signing).vkey,
          publicKeyPem: app.secrets.signing.publicKeyPem,
          vkeys: publishedKeys(app.secrets.signing).map((k) => ({ vkey: verifierFor(origin, k.publicKey).vkey, keyId: k.keyId, state: k.state })),
          tree: { size: tree.size, rootHash: b64(tree.root) },
          checkpoint: cp ? { ...tlogCheckpointJson(cp, tz), note: await cosignedNote(db, cp) } : null,
          cosigned: cosigned ? { treeSize: cosigned.size, signedAt: toRfc3339(cosigned.signedAt, tz), ageSeconds: Math.max(0, Math.floor((Date.now() - cosigned.signedAt.getTime()) / 1000)) } : null,
          witnesses: witnesses.map((w) => ({ vkey: w.vkey, size: w.size, status: w.status, message: w.message, checkedAt: toRfc3339(w.checkedAt, tz), alarmAt: w.alarmAt ? toRfc3339(w.alarmAt, tz) : null })),
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/journal/tlog/checkpoints',
    summary: "Bring the tree up to the journal's head and sign a C2SP checkpoint now (also done every TLOG_CHECKPOINT_SECONDS)",
    tags: ['journal'],
    access: 'journal:checkpoint',
    transaction: false,
    responses: {
      201: { description: 'Signed', schema: tlogCheckpointSchema },
      200: { description: 'The newest checkpoint already covers the journal; it is returned', schema: z.object({ created: z.literal(false), checkpoint: tlogCheckpointSchema.nullable() }) },
    },
    handler: async ({ app }) => {
      const made = await checkpointNow(app, await logOriginOf(app));
      if (made.created && made.checkpoint) return { status: 201, json: tlogCheckpointJson(made.checkpoint, app.config.displayTimeZone) };
      return { json: { created: false as const, checkpoint: made.checkpoint ? tlogCheckpointJson(made.checkpoint, app.config.displayTimeZone) : null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/journal/proof/inclusion',
    summary: 'The inclusion proof of a journal entry in the tree of a given size (RFC 9162 §2.1.3)',
    description: 'Leaf index = seq − 1; leaf hash = SHA-256(0x00 ‖ the entry\'s hash, 32 bytes). `size` defaults to the tree\'s size; it may not exceed it. The proof is leaf\'s sibling first.',
    tags: ['journal'],
    access: 'journal:read',
    query: z.strictObject({ seq: treeNumber.describe('The journal entry (main chain)'), size: treeNumber.optional().describe('The tree size') }),
    responses: {
      200: {
        description: 'The proof',
        schema: z
          .object({ seq: z.number().int(), index: z.number().int(), treeSize: z.number().int(), entryHash: z.string(), leafHash: hashB64, rootHash: hashB64, proof: z.array(hashB64), checkpoint: z.string().nullable().describe('The signed checkpoint of this tree size, when one was signed') })
          .meta({ id: 'InclusionProof' }),
      },
      400: { description: 'seq or size out of range, or not numbers', schema: errorSchema },
    },
    handler: async ({ app, db, query }) => {
      const tree = await treeState(db);
      const size = query.size ?? tree.size;
      if (size > tree.size) throw beyond('query.size', `The tree has ${tree.size} entries; size ${size} is beyond it.`);
      if (query.seq > size) throw beyond('query.seq', `Entry ${query.seq} is not in the tree of ${size} entries.`);
      const p = await proveInclusion(db, query.seq - 1, size);
      const entry = (await db('journal_entries').where({ chain: MAIN_CHAIN, seq: query.seq }).first('hash')) as { hash: string } | undefined;
      const cp = await tlogCheckpointAt(db, await logOriginOf(app), size);
      return { json: { seq: query.seq, index: p.index, treeSize: size, entryHash: entry?.hash ?? '', leafHash: b64(p.leaf), rootHash: b64(p.root), proof: p.proof.map(b64), checkpoint: cp?.note ?? null } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/journal/proof/consistency',
    summary: 'The consistency proof between two tree sizes (RFC 9162 §2.1.4), for anyone keeping a checkpoint',
    description: 'Public (a proof holds hashes only), limited per source address. 1 ≤ from ≤ to ≤ the tree\'s size; `to` defaults to the tree\'s size.',
    tags: ['journal'],
    access: 'public',
    query: z.strictObject({ from: treeNumber, to: treeNumber.optional() }),
    responses: {
      200: {
        description: 'The proof',
        schema: z.object({ from: z.number().int(), to: z.number().int(), fromRoot: hashB64, toRoot: hashB64, proof: z.array(hashB64) }).meta({ id: 'ConsistencyProof' }),
      },
      400: { description: 'from or to out of range, from > to, or not numbers', schema: errorSchema },
      429: { description: 'Too many requests from this address', schema: errorSchema },
    },
    handler: async ({ app, db, query, req }) => {
      await enforceRate(app, { bucket: 'public_tlog', limit: app.config.publicRatePerMinute, windowSeconds: 60 }, clientIp(req), 'Too many proof requests from this address. Try again shortly.');
      const tree = await treeState(db);
      const to = query.to ?? tree.size;
      if (to > tree.size) throw beyond('query.to', `The tree has ${tree.size} entries; size ${to} is beyond it.`);
      if (query.from > to) throw beyond('query.from', `from (${query.from}) is larger than to (${to}).`);
      const p = await proveConsistency(db, query.from, to);
      return { json: { from: p.from, to: p.to, fromRoot: b64(p.fromRoot), toRoot: b64(p.toRoot), proof: p.proof.map(b64) } };
    },
  }),
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
    responses: {
      200: {
        description: 'Public key',
        schema: z.object({
          algorithm: z.literal('Ed25519'),
          keyId: z.string().describe('The current key'),
          publicKeyPem: z.string(),
          keys: z
            .array(z.object({ keyId: z.string(), publicKeyPem: z.string(), state: z.enum(['current', 'next', 'previous']) }))
            .describe('Every key of the site: current, next (during a rotation), previous (what they signed stays verifiable by key id)'),
        }),
      },
    },
    handler: async ({ app }) => ({
      json: {
        algorithm: 'Ed25519',
        keyId: app.secrets.signing.keyId,
        publicKeyPem: app.secrets.signing.publicKeyPem,
        keys: publishedKeys(app.secrets.signing).map((k) => ({ keyId: k.keyId, publicKeyPem: k.publicKeyPem, state: k.state })),
      },
    }),
  }),
];
