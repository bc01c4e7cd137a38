// Response schemas of people and organisations, declared once (validation, OpenAPI, and the
// routes of other modules that answer with a person).
import { z } from 'zod';
import { ORG_KINDS } from './rules.js';

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

