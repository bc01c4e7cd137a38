// The shapes of API answers that the browser code reads (web/assets/api-types.js names them for
// the screens), derived from the zod schemas that validate and document them, so that they are
// written once. Type-only: no runtime code, and the browser never loads this file (the screens
// name these types in JSDoc comments, which the type check reads and the browser ignores).
import type { z } from 'zod';
import type { badgeSchema } from './badges/schemas.js';
import type { custodyStepSchema, locationSchema, mediumSchema } from './media/schemas.js';
import type { appointmentSchema, fireManagerSchema, orgSchema, personSchema, trainingSchema } from './people/schemas.js';
import type { attestationSchema, complianceRowSchema, complianceViewSchema, drillSchema } from './compliance/schemas.js';
import type { reportContentSchema, reportSchema } from './reports/schemas.js';
import type { errorSchema } from './shared/schemas.js';
import type { recordSummarySchema, signatureSchema } from './signatures/schemas.js';

export type Badge = z.output<typeof badgeSchema>;
export type Person = z.output<typeof personSchema>;
export type Organisation = z.output<typeof orgSchema>;
export type Location = z.output<typeof locationSchema>;
export type Medium = z.output<typeof mediumSchema>;
export type CustodyStep = z.output<typeof custodyStepSchema>;
export type Signature = z.output<typeof signatureSchema>;
export type SignedRecordSummary = z.output<typeof recordSummarySchema>;
/** The compliance view (issue 18) and the records behind it, for the screen to come. */
export type ComplianceView = z.output<typeof complianceViewSchema>;
export type ComplianceRow = z.output<typeof complianceRowSchema>;
export type ComplianceAttestation = z.output<typeof attestationSchema>;
export type Drill = z.output<typeof drillSchema>;
export type DepositorAppointment = z.output<typeof appointmentSchema>;
export type FirePreventionManager = z.output<typeof fireManagerSchema>;
export type Training = z.output<typeof trainingSchema>;
/** The depositor's monthly report (issue 18, part 3) and its content, for the screen to come. */
export type MonthlyReport = z.output<typeof reportSchema>;
export type MonthlyReportContent = z.output<typeof reportContentSchema>;
/** The body of every error answer: { error: { code, message, details } }. */
export type ErrorBody = z.output<typeof errorSchema>;
export type ErrorDetail = ErrorBody['error']['details'][number];
