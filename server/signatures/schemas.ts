// Request and response schemas for signatures, declared once (validation + OpenAPI).
import { z } from 'zod';
import { idSchema } from '../shared/schemas.js';
import { PIN_INPUT } from '../badges/pin-rules.js';

export const badgeInput = z.string().trim().min(1).max(512).describe('Badge token or card UID, exactly as the reader typed it');
/** A PIN as typed at a signature: 6 to 12 digits (4–5 digit PINs set before the security review still verify, then must be changed). */
export const pinInput = z.string().regex(PIN_INPUT, 'digits only (6 to 12)');
/** A signature drawn on the page's canvas (PNG data URL), kept with the signature. */
export const drawnSignatureInput = z
  .string()
  .max(300_000)
  .regex(/^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/, 'a PNG data URL')
  .describe('Optional drawn signature: data:image/png;base64,…');

export const signerInput = z
  .strictObject({ personId: idSchema, badge: badgeInput, pin: pinInput, drawnSignature: drawnSignatureInput.optional() })
  .meta({ id: 'SignerInput' });

export const signatureSchema = z
  .object({
    id: z.string(),
    position: z.number(),
    signerPersonId: z.string(),
    signerName: z.string(),
    signerRoles: z.array(z.string()),
    signerOrg: z.string(),
    meaning: z.string(),
    meaningJa: z.string(),
    signedAt: z.string(),
    recordId: z.string(),
    recordHash: z.string(),
    keyId: z.string(),
    message: z.string().describe('The exact canonical JSON that was signed'),
    signature: z.string().describe('Ed25519 signature over `message`, base64'),
    hasDrawnImage: z.boolean(),
  })
  .meta({ id: 'Signature' });

export const recordSummarySchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    at: z.string(),
    contentHash: z.string(),
    presenceVerified: z.boolean(),
    receiptUrl: z.string(),
    signatures: z.array(signatureSchema),
  })
  .meta({ id: 'SignedRecordSummary' });

export const recordSchema = recordSummarySchema.extend({ content: z.string().describe('The canonical JSON (RFC 8785) the signatures cover') }).meta({ id: 'SignedRecord' });
