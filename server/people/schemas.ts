// Response schemas of people and organisations, declared once (validation, OpenAPI, and the
// routes of other modules that answer with a person).
import { z } from 'zod';
import { ORG_KINDS, TRAINING_TOPICS } from './rules.js';

export const orgSchema = z
  .object({ id: z.string(), name: z.string(), kind: z.enum(ORG_KINDS), approvedAt: z.string().nullable(), approvalNote: z.string().nullable(), createdAt: z.string() })
  .meta({ id: 'Organisation' });
export const personSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    reading: z.string().nullable().describe('Furigana, in katakana (pickers search by it)'),
    orgId: z.string(),
    orgName: z.string(),
    orgKind: z.enum(ORG_KINDS),
    roles: z.array(z.string()),
    email: z.string().nullable().optional().describe('Personal fields (email, phone, birthday, username): only for readers with people:personal'),
    noticeLang: z.enum(['ja', 'en']).optional().describe('The language of the e-mail notices the person receives by role'),
    phone: z.string().nullable().optional(),
    birthday: z.string().nullable().optional(),
    username: z.string().nullable().optional(),
    leftAt: z.string().nullable(),
    leftReason: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Person' });


export const trainingSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    heldAt: z.string(),
    instructor: z.string(),
    method: z.string(),
    content: z.string(),
    topics: z.array(z.enum(TRAINING_TOPICS)).describe('E5.2: the topics a–f covered'),
    participantIds: z.array(z.string()),
    createdAt: z.string(),
  })
  .meta({ id: 'Training' });

export const interviewSchema = z.object({ id: z.string(), heldAt: z.string(), depositorParticipants: z.array(z.string()), participantIds: z.array(z.string()), note: z.string().nullable(), createdAt: z.string() });

export const appointmentSchema = z
  .object({
    id: z.string(),
    depositorOrgId: z.string(),
    depositorName: z.string().nullable(),
    personId: z.string(),
    personName: z.string().nullable(),
    role: z.enum(['responsible', 'staff']),
    appointedAt: z.string(),
    endedAt: z.string().nullable(),
    endedReason: z.enum(['resigned', 'transferred', 'replaced', 'other']).nullable(),
    note: z.string().nullable(),
    interviews: z.array(interviewSchema).describe('The interviews (面談) with the depositor, oldest first'),
  })
  .meta({ id: 'DepositorAppointment' });

export const fireManagerSchema = z
  .object({ id: z.string(), personId: z.string(), personName: z.string().nullable(), appointedAt: z.string(), endedAt: z.string().nullable(), certificateRef: z.string().nullable(), note: z.string().nullable() })
  .meta({ id: 'FirePreventionManager' });
