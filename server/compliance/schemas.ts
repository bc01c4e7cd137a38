// Schemas of the compliance view and its records, declared once for validation and the OpenAPI
// document (issue 18).
import { z } from 'zod';
import { idSchema, text, timestampInput } from '../shared/schemas.js';
import { ATTESTABLE_IDS, CLAUSE_KINDS, CLAUSES } from './clauses.js';
import { STATUSES } from './rules.js';
import { DRILL_KINDS } from './records.read-model.js';

const CLAUSE_IDS = CLAUSES.map((c) => c.id) as [string, ...string[]];
export const clauseIdSchema = z.enum(CLAUSE_IDS).describe('A clause id of ../shared/clauses.md, e.g. E1.1');
export const attestableIdSchema = z.enum(ATTESTABLE_IDS as [string, ...string[]]).describe('A clause decided by an attestation (OUT, E6.4 until doors are controlled, and what only a person can state)');

const words = z.object({ ja: z.string(), en: z.string() });

export const complianceRowSchema = z
  .object({
    id: z.string().describe('Clause id'),
    kind: z.enum(CLAUSE_KINDS),
    title: words.describe('The clause in the project\'s own short words'),
    status: z.enum(STATUSES).describe('ok, attention, missing (no record shows it), manual (needs an attestation), unknown (the evidence could not be read — never an ok by default)'),
    statusWords: words,
    reasons: z.array(z.object({ code: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])), ja: z.string(), en: z.string() })).describe('Why this status, in words and as facts'),
    evidence: z.array(z.object({ type: z.string(), id: z.string(), href: z.string().nullable() })).describe('The records the status rests on, with where the API shows them'),
    evidenceAt: z.string().nullable().describe('The newest record the status rests on'),
    asOf: z.string().describe('When the status was computed'),
    href: z.string().nullable().describe('Where the records behind the clause are listed'),
    attestable: z.boolean().describe('Decided by a manual attestation (POST /api/compliance/attestations)'),
  })
  .meta({ id: 'ComplianceRow' });

export const complianceViewSchema = z
  .object({
    asOf: z.string(),
    summary: z.object({ attention: z.number().int(), missing: z.number().int(), unknown: z.number().int(), manual: z.number().int(), ok: z.number().int() }),
    rows: z.array(complianceRowSchema).describe('One row per clause, those needing attention first (attention, missing, unknown, manual, ok), then in clause order'),
    alarms: z
      .array(
        z.object({
          code: z.enum(['witness_alarm', 'alarms_unreadable']),
          witness: z.string().nullable().describe('The witness\'s name'),
          origin: z.string().nullable().describe('The origin of the journal\'s log it refused'),
          message: z.string(),
          at: z.string().nullable(),
          ja: z.string(),
          en: z.string(),
        }),
      )
      .describe('Open alarms shown above the rows: a witness refused a checkpoint of the journal as a fork or a rollback (issue 19; answered by tachiai new-epoch after a restore promoted as live), or the alarms could not be read'),
  })
  .meta({ id: 'ComplianceView' });

export const attestationBody = z.strictObject({
  clauseId: attestableIdSchema,
  note: text(2000).describe('What was checked and how (required)'),
  signer: z.strictObject({ personId: idSchema, badge: z.string().trim().min(1).max(512), pin: z.string().min(1).max(64) }).describe('The responsible person themself: badge + PIN'),
});

export const attestationSchema = z
  .object({ id: z.string(), clauseId: z.string(), note: z.string(), recordId: z.string(), signedBy: z.string(), signedByName: z.string().nullable(), attestedAt: z.string(), expiresAt: z.string(), expired: z.boolean() })
  .meta({ id: 'ComplianceAttestation' });

export const drillBody = z.strictObject({
  kind: z.enum(DRILL_KINDS).describe('fire (E9.1) or migration to the standby site (E9.2)'),
  heldAt: timestampInput.describe('When it was held; never in the future'),
  leaderPersonId: idSchema,
  participantIds: z.array(idSchema).min(1).max(1000).describe('Who took part (the leader is added)'),
  findings: text(5000).describe('What was found: what worked, what did not, what follows'),
  standbySite: text(300).optional().describe('Migration drills: the standby site moved to (required for migration, refused for fire)'),
  note: text(2000).optional(),
});

export const drillSchema = z
  .object({ id: z.string(), kind: z.enum(DRILL_KINDS), heldAt: z.string(), leaderPersonId: z.string(), leaderName: z.string(), participantIds: z.array(z.string()), findings: z.string(), standbySite: z.string().nullable(), note: z.string().nullable(), createdAt: z.string() })
  .meta({ id: 'Drill' });
