// Schemas shared by several modules, declared once.
import { z } from 'zod';

export const idSchema = z.uuid({ version: 'v4' }).describe('Opaque identifier');
export const idParams = z.object({ id: idSchema });

/** RFC 3339 timestamp with offset, as the contract requires; parsed to a Date. */
export const timestampInput = z.iso
  .datetime({ offset: true, local: false })
  .transform((s) => new Date(s))
  .refine((d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1900 && d.getUTCFullYear() <= 9999, 'out of range');

export const limitQuery = z.coerce.number().int().min(1).max(500).default(50);

/** Plain text a person types: trimmed, no control characters, bounded. */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s), 'must not contain control characters');

/** One line a person types (a name that may go into a mail header): like text, without line breaks either. */
export const line = (max: number) => text(max).refine((s) => !/[\r\n\u0085\u2028\u2029]/.test(s), 'must be one line');

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ field: z.string().optional(), code: z.string(), message: z.string() })),
    }),
  })
  .meta({ id: 'Error' });

/** Opaque keyset cursor: base64url of a JSON array. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, shape: z.ZodType): unknown[] | null {
  if (!cursor) return null;
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? (parsed.data as unknown[]) : null;
  } catch {
    return null;
  }
}

/** ?lang= of a CSV export: the headers' and values' language; without it, English headers and codes (issue 14). */
export const csvLangQuery = z
  .enum(['ja', 'en'])
  .optional()
  .describe('CSV only: ja or en chooses the headers and the words of the values; without it, English headers and codes (stable for scripts)');
