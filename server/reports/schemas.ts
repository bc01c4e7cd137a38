// Schemas of the depositor's monthly report, declared once for validation and the OpenAPI document.
import { z } from 'zod';
import { idSchema } from '../shared/schemas.js';
import { signerInput, recordSummarySchema } from '../signatures/schemas.js';
import { EVENT_KINDS } from './content.js';

export const monthInput = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month, e.g. 2026-11').describe('A month on the site\'s clock, e.g. 2026-11');

export const reportQuery = z.strictObject({ depositorOrgId: idSchema, month: monthInput });

export const reportContentSchema = z
  .object({
    depositorOrgId: z.string(),
    depositorName: z.string(),
    month: z.string(),
    from: z.string(),
    to: z.string(),
    holdings: z.object({
      groups: z.array(z.object({ status: z.string(), place: z.string(), count: z.number().int() })).describe('Media held at the month\'s end by status and location, rebuilt from the custody steps'),
      media: z.array(z.object({ label: z.string(), kind: z.string(), classification: z.string(), status: z.string(), place: z.string() })),
      gone: z.record(z.string(), z.number().int()).describe('The depositor\'s media no longer held at the month\'s end, by status'),
    }),
    events: z.array(
      z.object({
        kind: z.enum(EVENT_KINDS),
        action: z.string(),
        at: z.string(),
        recordId: z.string().nullable(),
        certificateNo: z.string().nullable(),
        destination: z.string().nullable(),
        labels: z.array(z.string()),
      }),
    ),
    counts: z.record(z.string(), z.number().int()).describe('Custody steps of the month by action'),
    inspections: z.array(z.object({ at: z.string(), location: z.string(), inspector: z.string(), recordId: z.string(), expected: z.number().int(), missing: z.array(z.string()), unexpected: z.array(z.string()) })),
    reviews: z.array(
      z.object({
        week: z.string(),
        signedAt: z.string(),
        recordId: z.string(),
        findings: z.array(z.object({ kind: z.string(), severity: z.string(), at: z.string(), disposition: z.string(), evidenceCount: z.number().int(), labels: z.array(z.string()), siteWide: z.boolean() })),
      }),
    ),
    people: z.array(z.object({ role: z.string(), name: z.string(), appointedAt: z.string().nullable(), endedAt: z.string().nullable(), endedReason: z.string().nullable(), leftAt: z.string().nullable() })),
    trainings: z.array(z.object({ title: z.string(), heldAt: z.string(), method: z.string(), participants: z.number().int() })),
    drills: z.array(z.object({ kind: z.string(), heldAt: z.string(), findings: z.string(), standbySite: z.string().nullable() })),
    compliance: z.object({ asOf: z.string(), summary: z.record(z.string(), z.number().int()), rows: z.array(z.object({ id: z.string(), status: z.string(), ja: z.string(), en: z.string() })) }).nullable(),
    notices: z.array(z.object({ createdAt: z.string(), kind: z.string(), subject: z.string(), recipient: z.string(), status: z.string(), sentAt: z.string().nullable() })),
  })
  .meta({ id: 'MonthlyReportContent' });

export const reportSchema = z
  .object({
    id: z.string(),
    reportNo: z.string(),
    depositorOrgId: z.string(),
    month: z.string(),
    signedBy: z.string(),
    signedAt: z.string(),
    recordId: z.string(),
    pageUrl: z.string(),
    content: reportContentSchema.optional(),
    record: recordSummarySchema.optional(),
  })
  .meta({ id: 'MonthlyReport' });

export const signReportBody = z.strictObject({
  depositorOrgId: idSchema,
  month: monthInput,
  signer: signerInput.describe('The responsible person, with their own badge and PIN'),
});

export const printBody = z.strictObject({ present: signerInput.describe('The responsible or authorised person present, with badge + PIN (E2.14)') });

export const langQuery = z.enum(['ja', 'en']).default('ja');
