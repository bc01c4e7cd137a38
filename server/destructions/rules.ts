// The plain rules of a destruction's method (E7.1–E7.3), unit-tested in
// test/unit/destruction-rules.test.ts. The sanitization category follows NIST SP 800-88:
// shredding, physical destruction and incineration are Destroy; a wipe is Clear or Purge as
// stated; degaussing is Purge — Rev. 2 (2025) no longer accepts degaussing alone as Destroy.
import type { ErrorDetail } from '../errors.js';

export const DESTRUCTION_METHODS = ['shred', 'wipe', 'degauss', 'physical', 'incinerate'] as const;
export type DestructionMethod = (typeof DESTRUCTION_METHODS)[number];
export const CATEGORIES = ['clear', 'purge', 'destroy'] as const;
export type Category = (typeof CATEGORIES)[number];

/** DIN 66399 / ISO/IEC 21964 security level: material class (P paper, O optical, T magnetic, E electronic, H hard disk) and level 1–7. */
export const SECURITY_LEVEL = /^[POTEH]-[1-7]$/;

export interface MethodFacts {
  method: DestructionMethod;
  category?: Category | undefined;
  securityLevel?: string | undefined;
  tool?: string | undefined;
  verified?: boolean | undefined;
}

export function methodViolations(f: MethodFacts): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (f.method === 'shred' && !f.securityLevel) {
    details.push({ field: 'body.securityLevel', code: 'security_level_required', message: 'Shredding states its DIN 66399 / ISO/IEC 21964 security level (e.g. P-4).' });
  }
  if (f.securityLevel && !SECURITY_LEVEL.test(f.securityLevel)) {
    details.push({ field: 'body.securityLevel', code: 'invalid_security_level', message: 'A security level is a material class and a level, e.g. P-4 or H-5.' });
  }
  if (f.method === 'wipe') {
    if (!f.tool) details.push({ field: 'body.tool', code: 'tool_required', message: 'A wipe names the tool used (E7.2).' });
    if (f.verified === undefined) details.push({ field: 'body.verified', code: 'verification_required', message: 'A wipe says whether it was verified.' });
    if (f.category !== 'clear' && f.category !== 'purge') {
      details.push({ field: 'body.category', code: 'category_required', message: 'A wipe is Clear or Purge (NIST SP 800-88).' });
    }
  } else if (f.category && f.category !== categoryOf(f.method, undefined)) {
    details.push({ field: 'body.category', code: 'category_mismatch', message: `A ${f.method} is ${categoryOf(f.method, undefined)}, not ${f.category}.` });
  }
  return details;
}

export function categoryOf(method: DestructionMethod, stated: Category | undefined): Category {
  if (method === 'wipe') return stated ?? 'clear';
  if (method === 'degauss') return 'purge';
  return 'destroy';
}

/** The technique in words for the certificate, when none is given. */
export const TECHNIQUE_WORDS: Record<DestructionMethod, { ja: string; en: string }> = {
  shred: { ja: '裁断（シュレッダー）', en: 'Shredding' },
  wipe: { ja: 'データ消去（上書き等）', en: 'Overwrite / sanitize command' },
  degauss: { ja: '磁気消去（消磁）', en: 'Degaussing' },
  physical: { ja: '物理破壊（穿孔・破砕）', en: 'Physical destruction (drilling, crushing)' },
  incinerate: { ja: '焼却', en: 'Incineration' },
};

export const CATEGORY_WORDS: Record<Category, { ja: string; en: string }> = {
  clear: { ja: 'クリア', en: 'Clear' },
  purge: { ja: 'パージ', en: 'Purge' },
  destroy: { ja: '破壊', en: 'Destroy' },
};

/** Certificate numbers: the year and six digits, e.g. 2026-000001. */
export const certificateNo = (year: number, seq: number) => `${year}-${String(seq).padStart(6, '0')}`;
export const CERTIFICATE_NO = /^\d{4}-\d{6}$/;
