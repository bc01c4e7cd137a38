// Request and response schemas of badges, declared once (validation and OpenAPI).
import { z } from 'zod';

export const badgeSchema = z
  .object({
    id: z.string(),
    personId: z.string(),
    personName: z.string(),
    validFrom: z.string(),
    validUntil: z.string().nullable(),
    cardUidHint: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokedReason: z.string().nullable(),
    status: z.enum(['valid', 'revoked', 'expired']),
    pinSet: z.boolean().describe('False until the holder sets the PIN: the badge opens doors but signs nothing and is no second factor'),
    pinSetAt: z.string().nullable(),
    pinSetHow: z.enum(['confirmed', 'changed', 'cli', 'issued']).nullable().describe('confirmed: at the desk with a confirmer; changed: by the holder with the old PIN; cli: by the holder from the command line; issued: chosen at issuance (before the security review)'),
    createdAt: z.string(),
  })
  .meta({ id: 'Badge' });

export const newPinInput = z.string().max(64).describe('The new PIN, typed by the holder: 6 to 12 digits, not a repeat, a sequence or a well-known PIN');

export const badgeEventSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['issued', 'pin_set', 'pin_reset', 'pin_changed']),
    at: z.string(),
    badgeId: z.string(),
    personId: z.string(),
    personName: z.string(),
    byPersonId: z.string().nullable().describe('Who issued the badge, or who was signed in at the desk'),
    byName: z.string().nullable(),
    confirmerPersonId: z.string().nullable(),
    confirmerName: z.string().nullable(),
    otherLiveBadges: z.number().nullable().describe('For issuances: live badges the person already held'),
  })
  .meta({ id: 'BadgeEvent' });
