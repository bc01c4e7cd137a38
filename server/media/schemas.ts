// Schemas of locations, media and custody steps, declared once (validation and OpenAPI) and used
// by the routes of other modules that answer with media (handovers, approvals, inspections).
import { z } from 'zod';
import { idSchema, text } from '../shared/schemas.js';
import { signatureSchema } from '../signatures/schemas.js';
import { CLASSIFICATIONS, LOCATION_KINDS, MEDIA_KINDS, MEDIA_STATUSES } from './rules.js';

export const locationSchema = z
  .object({ id: z.string(), name: z.string(), kind: z.enum(LOCATION_KINDS), roomId: z.string(), roomName: z.string(), storedCount: z.number().optional(), createdAt: z.string() })
  .meta({ id: 'Location' });

export const mediumSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    kind: z.enum(MEDIA_KINDS),
    code: z.string().describe('What the QR code on the label carries'),
    depositorOrgId: z.string(),
    depositorName: z.string(),
    description: z.string().nullable(),
    classification: z.string(),
    manufacturer: z.string().nullable(),
    model: z.string().nullable(),
    serialNo: z.string().nullable(),
    homeLocationId: z.string(),
    homeLocationName: z.string(),
    roomId: z.string(),
    roomName: z.string(),
    status: z.enum(MEDIA_STATUSES),
    locationId: z.string().nullable(),
    locationName: z.string().nullable(),
    holder: z.object({ id: z.string(), name: z.string() }).nullable(),
    transferId: z.string().nullable(),
    sourceMediumId: z.string().nullable(),
    copyApprovalId: z.string().nullable(),
    statusChangedAt: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Medium' });

/** Fields of a new medium, shared by POST /api/media and handovers from the depositor. */
export const newMediumFields = {
  label: text(80),
  kind: z.enum(MEDIA_KINDS),
  locationId: idSchema,
  description: text(500).optional(),
  classification: z.enum(CLASSIFICATIONS).default('top_secret').describe('E1.2: entrusted information is top secret unless the depositor says otherwise'),
  manufacturer: text(120).optional(),
  model: text(120).optional(),
  serialNo: text(120).optional(),
};

export const custodyStepSchema = z
  .object({
    id: z.string(),
    action: z.string(),
    fromStatus: z.string().nullable(),
    toStatus: z.string(),
    at: z.string(),
    actor: z.string(),
    holder: z.object({ id: z.string(), name: z.string() }).nullable(),
    location: z.object({ id: z.string(), name: z.string() }).nullable(),
    details: z.record(z.string(), z.unknown()),
    record: z
      .object({ id: z.string(), kind: z.string(), contentHash: z.string(), presenceVerified: z.boolean(), roomId: z.string().nullable(), roomName: z.string().nullable(), place: z.string().nullable(), receiptUrl: z.string() })
      .nullable(),
    signatures: z.array(signatureSchema),
  })
  .meta({ id: 'CustodyStep' });

