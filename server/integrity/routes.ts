// The integrity check over the journal and, with `deep`, the tables that must agree with it.
import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { verifyJournal } from '../journal/verify.js';
import { verifyDeep } from './deep-verify.js';

/** The reader of a progress stream went away. */
class StreamClosed extends Error {}

const badEntrySchema = z.object({ chain: z.string(), seq: z.number().int(), reason: z.string(), message: z.string() });

export const integrityRoutes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/journal/verify',
    summary: 'Recompute the whole hash chain and check the signed checkpoints; with deep=true also that the tables agree with the journal',
    description:
      'deep=true also recomputes every signed record from its rows and compares it (and its signatures) with what the journal recorded when it was signed, ' +
      'then compares every destruction\'s rows with its signed record, then every monthly report and its prints with their signed records and the journal\'s entry of its signing; the first difference is named in firstDifference.',
    tags: ['journal'],
    access: 'journal:read',
    query: z.strictObject({
      deep: z.enum(['true', 'false']).default('false'),
      format: z
        .enum(['json', 'ndjson'])
        .default('json')
        .describe('ndjson: one JSON line per step as it goes — {"type":"progress","phase":"journal","checked","total"} (phases journal, signed_records, destructions, monthly_reports) — then {"type":"result", ...the result}'),
    }),
    responses: {
      200: {
        description: 'Result: { ok, entries, head } or { ok: false, firstBadEntry | firstDifference }',
        schema: z.union([
          z.object({ ok: z.literal(true), entries: z.number().int(), head: z.string(), headSeq: z.number().int(), checkpoints: z.number().int(), treeHeads: z.number().int().optional().describe('Merkle tree heads matched: the stored tree and the signed C2SP checkpoints (issue 19)'), records: z.number().int().optional(), destructions: z.number().int().optional(), monthlyReports: z.number().int().optional() }),
          z.object({ ok: z.literal(false), entries: z.number().int(), firstBadEntry: badEntrySchema }),
          z.object({ ok: z.literal(false), entries: z.number().int(), firstDifference: z.object({ check: z.enum(['signed_records', 'destructions', 'monthly_reports']), message: z.string(), recordId: z.string().optional() }) }),
        ]),
      },
    },
    handler: async ({ app, db, query, res, req }) => {
      const deep = query.deep === 'true';
      if (query.format === 'json') return { json: deep ? await verifyDeep(db, app.secrets.signing) : await verifyJournal(db, app.secrets.signing) };
      // A progress bar for a long check (issue 14, item 4): lines as the walk goes, the result last.
      // A reader that goes away stops the walk at its next step.
      let gone = false;
      req.on('close', () => {
        gone = !res.writableFinished;
      });
      res.status(200).type('application/x-ndjson; charset=utf-8').set({ 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
      res.flushHeaders();
      const line = (value: unknown) => {
        if (gone) throw new StreamClosed();
        res.write(`${JSON.stringify(value)}\n`);
      };
      try {
        const options = {
          onProgress: (checked: number, total: number) => line({ type: 'progress', phase: 'journal', checked, total }),
          onTableProgress: (phase: string, checked: number) => line({ type: 'progress', phase, checked, total: null }),
        };
        const result = deep ? await verifyDeep(db, app.secrets.signing, options) : await verifyJournal(db, app.secrets.signing, options);
        line({ type: 'result', ...result });
      } catch (err) {
        if (!(err instanceof StreamClosed)) throw err;
      }
      res.end();
      return undefined;
    },
  }),
];
