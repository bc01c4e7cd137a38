import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema, idParams, idSchema, text, timestampInput } from '../shared/schemas.js';
import { toRfc3339 } from '../shared/time.js';
import { MEDIA_KINDS } from '../media/rules.js';
import { mediumJson } from '../media/service.js';
import { mediumSchema } from '../media/schemas.js';
import { createCopyApproval, createTransmissionApproval, listCopyApprovals, listTransmissionApprovals, makeCopies, type CopyApprovalRow, type TransmissionApprovalRow } from './service.js';

const error = (description: string) => ({ description, schema: errorSchema });

const copyApprovalSchema = z
  .object({ id: z.string(), sourceMediumId: z.string(), copies: z.number(), used: z.number(), approvedByPersonId: z.string(), approvedByName: z.string(), documentRef: z.string(), purpose: z.string(), approvedAt: z.string(), createdAt: z.string() })
  .meta({ id: 'CopyApproval' });
const transmissionSchema = z
  .object({ id: z.string(), mediumId: z.string().nullable(), destination: z.string(), encryptionMethod: z.string(), approverPersonId: z.string(), approverName: z.string(), purpose: z.string(), approvedAt: z.string(), createdAt: z.string() })
  .meta({ id: 'TransmissionApproval' });

const copyJson = (r: CopyApprovalRow, tz: string) => ({
  id: r.id,
  sourceMediumId: r.source_medium_id,
  copies: r.copies,
  used: r.used,
  approvedByPersonId: r.approved_by_person_id,
  approvedByName: r.approved_by_name,
  documentRef: r.document_ref,
  purpose: r.purpose,
  approvedAt: toRfc3339(r.approved_at, tz),
  createdAt: toRfc3339(r.created_at, tz),
});
const transmissionJson = (r: TransmissionApprovalRow, tz: string) => ({
  id: r.id,
  mediumId: r.medium_id,
  destination: r.destination,
  encryptionMethod: r.encryption_method,
  approverPersonId: r.approver_person_id,
  approverName: r.approver_name,
  purpose: r.purpose,
  approvedAt: toRfc3339(r.approved_at, tz),
  createdAt: toRfc3339(r.created_at, tz),
});

export const approvalRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/copy-approvals',
    summary: "Record the depositor's permission to copy a medium (E1.7)",
    tags: ['approvals'],
    access: 'media:write',
    body: z.strictObject({
      sourceMediumId: idSchema,
      copies: z.number().int().min(1).max(100),
      approvedByPersonId: idSchema.describe("A person of the medium's depositor"),
      documentRef: text(200),
      purpose: text(500),
      approvedAt: timestampInput.optional(),
    }),
    responses: { 201: { description: 'Recorded', schema: copyApprovalSchema }, 400: error('Invalid, or the approver is not of the depositor'), 404: error('Unknown medium or person') },
    handler: async ({ app, db, body, actor }) => ({ status: 201, json: copyJson(await createCopyApproval(db, { ...body, approvedAt: body.approvedAt ?? null }, actor!.accountId), app.config.displayTimeZone) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/copy-approvals',
    summary: 'Copy approvals, newest first',
    tags: ['approvals'],
    access: 'media:read',
    query: z.strictObject({ sourceMediumId: idSchema.optional() }),
    responses: { 200: { description: 'Approvals', schema: z.object({ items: z.array(copyApprovalSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => ({ json: { items: (await listCopyApprovals(db, query.sourceMediumId)).map((r) => copyJson(r, app.config.displayTimeZone)), nextCursor: null } }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/media/:id/copies',
    summary: 'Register copies of a medium under a copy approval (refused without one, or beyond its count)',
    tags: ['approvals'],
    access: 'media:write',
    params: idParams,
    body: z.strictObject({
      approvalId: idSchema,
      copies: z.array(z.strictObject({ label: text(80), kind: z.enum(MEDIA_KINDS).optional(), locationId: idSchema, description: text(500).optional() })).min(1).max(100),
    }),
    responses: {
      201: { description: 'The copies, linked to their source and approval', schema: z.object({ items: z.array(mediumSchema) }) },
      400: error('Invalid (an approval is required)'),
      404: error('Unknown medium, approval or location'),
      409: error('The approval is for another medium or used up, a label is taken, or the source cannot be copied from its status'),
    },
    handler: async ({ app, db, params, body, actor }) => {
      const made = await makeCopies(db, params.id, body.approvalId, body.copies, actor!.accountId);
      return { status: 201, json: { items: made.map((m) => mediumJson(m, app.config.displayTimeZone)) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/transmission-approvals',
    summary: "Record the responsible person's approval of an electronic transmission (E1.4–E1.5)",
    tags: ['approvals'],
    access: 'media:write',
    body: z.strictObject({
      mediumId: idSchema.optional(),
      destination: text(300).describe('The pre-agreed destination (address)'),
      encryptionMethod: text(200).describe('The agreed encryption method'),
      approverPersonId: idSchema,
      purpose: text(500),
      approvedAt: timestampInput.optional(),
    }),
    responses: { 201: { description: 'Recorded', schema: transmissionSchema }, 400: error('Invalid, or the approver is not a responsible person'), 404: error('Unknown medium or person') },
    handler: async ({ app, db, body, actor }) => ({
      status: 201,
      json: transmissionJson(await createTransmissionApproval(db, { ...body, approvedAt: body.approvedAt ?? null }, actor!.accountId), app.config.displayTimeZone),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/transmission-approvals',
    summary: 'Transmission approvals, newest first',
    tags: ['approvals'],
    access: 'media:read',
    query: z.strictObject({ mediumId: idSchema.optional() }),
    responses: { 200: { description: 'Approvals', schema: z.object({ items: z.array(transmissionSchema), nextCursor: z.null() }) } },
    handler: async ({ app, db, query }) => ({ json: { items: (await listTransmissionApprovals(db, query.mediumId)).map((r) => transmissionJson(r, app.config.displayTimeZone)), nextCursor: null } }),
  }),
];
