// Schemas of the notices module, declared once for validation and the OpenAPI document.
import { z } from 'zod';
import { line } from '../shared/schemas.js';
import { CONTACT_NOTICE_KINDS, NOTICE_KINDS, NOTICE_LANGS, NOTICE_STATUSES } from './rules.js';

/** An e-mail address as people write it; one line, bounded (header injection is impossible). */
export const emailInput = z.email().max(254);

export const contactKindsInput = z
  .array(z.enum(CONTACT_NOTICE_KINDS))
  .min(1)
  .max(CONTACT_NOTICE_KINDS.length)
  .refine((k) => new Set(k).size === k.length, 'kinds must not repeat');

export const contactBody = z.strictObject({
  name: line(100),
  email: emailInput,
  lang: z.enum(NOTICE_LANGS).default('ja'),
  kinds: contactKindsInput,
});

export const contactPatch = z.strictObject({
  name: line(100).optional(),
  email: emailInput.optional(),
  lang: z.enum(NOTICE_LANGS).optional(),
  kinds: contactKindsInput.optional(),
});

export const contactSchema = z
  .object({ id: z.string(), orgId: z.string(), name: z.string(), email: z.string(), lang: z.enum(NOTICE_LANGS), kinds: z.array(z.string()), createdAt: z.string() })
  .meta({ id: 'Contact' });

export const noticeSchema = z
  .object({
    id: z.string(),
    kind: z.enum(NOTICE_KINDS),
    cause: z.object({ subject: z.string(), action: z.string() }),
    orgId: z.string().nullable(),
    contactId: z.string().nullable(),
    personId: z.string().nullable(),
    recipient: z.object({ name: z.string(), email: z.string() }),
    lang: z.enum(NOTICE_LANGS),
    subject: z.string(),
    text: z.string(),
    messageId: z.string(),
    status: z.enum(NOTICE_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    failedAt: z.string().nullable(),
  })
  .meta({ id: 'Notice' });
