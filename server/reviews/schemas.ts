// Schemas of the weekly review, declared once for validation and the OpenAPI document.
import { z } from 'zod';
import { idSchema, text } from '../shared/schemas.js';
import { FINDING_KINDS } from './rules.js';
import { DISPOSITIONS } from './words.js';

export const weekParam = z.string().regex(/^\d{4}-W\d{2}$/, 'an ISO week, e.g. 2026-W49').describe('ISO week on the site\'s clock, e.g. 2026-W49');

export const findingSchema = z
  .object({
    key: z.string(),
    kind: z.enum(FINDING_KINDS),
    severity: z.enum(['alert', 'warning', 'info']),
    at: z.string(),
    personIds: z.array(z.string()),
    roomIds: z.array(z.string()),
    badgeIds: z.array(z.string()),
    mediumIds: z.array(z.string()),
    facts: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
    evidence: z.object({ entries: z.array(z.string()), accessLog: z.array(z.string()), journal: z.array(z.number()) }).describe('Entry ids, access-log ids and journal sequence numbers (the first 50 of each)'),
    evidenceCount: z.number().int(),
    disposition: z.enum(DISPOSITIONS).optional(),
    comment: z.string().optional(),
  })
  .meta({ id: 'ReviewFinding' });

const dayDigest = z.object({ count: z.number().int(), sum: z.string() });
export const digestSchema = z.record(z.string(), z.record(z.string(), dayDigest)).describe('table → day → { count, sum }: every row of the period, per table and day');

export const countsSchema = z.object({ entries: z.number().int(), deniedEntries: z.number().int(), requests: z.number().int(), signins: z.number().int(), journalEntries: z.number().int() });

export const dispositionSchema = z.object({ key: z.string(), disposition: z.enum(DISPOSITIONS), comment: z.string(), personId: z.string(), updatedAt: z.string() });

export const computedSchema = z
  .object({
    period: z.object({ from: z.string(), to: z.string(), week: z.string().nullable() }),
    rulesVersion: z.number().int(),
    counts: countsSchema,
    findings: z.array(findingSchema),
    digest: digestSchema,
    digestHash: z.string(),
    dispositions: z.array(dispositionSchema),
    signed: z.object({ week: z.string(), signedAt: z.string(), signedBy: z.string(), recordId: z.string() }).nullable(),
  })
  .meta({ id: 'ReviewComputation' });

export const signedReviewSchema = z
  .object({
    week: z.string(),
    period: z.object({ from: z.string(), to: z.string() }),
    rulesVersion: z.number().int(),
    counts: countsSchema,
    findings: z.array(findingSchema),
    digestHash: z.string(),
    recordId: z.string(),
    signedBy: z.string(),
    signedAt: z.string(),
  })
  .meta({ id: 'SignedReview' });

export const dispositionBody = z.strictObject({ disposition: z.enum(DISPOSITIONS), comment: text(2000).optional() });

export const signBody = z.strictObject({
  digest: digestSchema.describe('The digest the reviewer saw (from the findings answer): signing compares it with the records now'),
  signer: z.strictObject({ personId: idSchema, badge: z.string().trim().min(1).max(512), pin: z.string().min(1).max(64) }),
});
