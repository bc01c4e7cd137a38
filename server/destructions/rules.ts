// The plain rules of a destruction's method (E7.1–E7.3), unit-tested in
// test/unit/destruction-rules.test.ts. The sanitization category follows NIST SP 800-88:
// shredding, physical destruction and incineration are Destroy; a wipe is Clear or Purge as
// stated; degaussing is Purge — Rev. 2 (2025) no longer accepts degaussing alone as Destroy.
import type { ErrorDetail } from '../errors.js';
import type { MediaKind } from '../media/rules.js';

export const DESTRUCTION_METHODS = ['shred', 'wipe', 'degauss', 'physical', 'incinerate'] as const;
export type DestructionMethod = (typeof DESTRUCTION_METHODS)[number];
export const CATEGORIES = ['clear', 'purge', 'destroy'] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * DIN 66399 / ISO/IEC 21964 security level: material class (P paper, F film, O optical, T magnetic
 * cards and tapes, H hard disks, E electronic — USB sticks, SSDs, memory cards) and level 1–7.
 */
export const SECURITY_LEVEL = /^[PFOTHE]-[1-7]$/;

export type MaterialClass = 'P' | 'F' | 'O' | 'T' | 'H' | 'E';

/** The material class of each kind of medium; `other` may be any (the level says which). */
export const MATERIAL_CLASS: Record<MediaKind, MaterialClass | null> = {
  paper: 'P',
  usb: 'E',
  ssd: 'E',
  hdd: 'H',
  optical: 'O',
  tape: 'T',
  other: null,
};

export const MATERIAL_CLASS_WORDS: Record<MaterialClass, { ja: string; en: string }> = {
  P: { ja: '紙', en: 'Paper' },
  F: { ja: 'フィルム', en: 'Film' },
  O: { ja: '光ディスク', en: 'Optical' },
  T: { ja: '磁気カード・テープ', en: 'Magnetic card / tape' },
  H: { ja: 'ハードディスク', en: 'Hard disk' },
  E: { ja: '電子記憶媒体', en: 'Electronic' },
};

/**
 * Which method sanitises which kind of medium — NIST SP 800-88 (its media tables) and DIN 66399.
 * Degaussing does nothing to flash, optical discs or paper; overwriting does nothing to paper, and
 * a written optical disc cannot be overwritten; shredding, physical destruction and incineration
 * destroy anything (at the level stated). `other`: any method, at the operator's judgement.
 */
export const METHOD_FITS: Record<DestructionMethod, Record<MediaKind, boolean>> = {
  shred: { paper: true, usb: true, ssd: true, hdd: true, optical: true, tape: true, other: true },
  physical: { paper: true, usb: true, ssd: true, hdd: true, optical: true, tape: true, other: true },
  incinerate: { paper: true, usb: true, ssd: true, hdd: true, optical: true, tape: true, other: true },
  wipe: { paper: false, usb: true, ssd: true, hdd: true, optical: false, tape: true, other: true },
  degauss: { paper: false, usb: false, ssd: false, hdd: true, optical: false, tape: true, other: true },
};

/** Methods that state a DIN 66399 / ISO/IEC 21964 level for every medium. */
export const LEVEL_REQUIRED: ReadonlySet<DestructionMethod> = new Set(['shred', 'physical']);

/** Does a security level (e.g. H-5) fit a kind of medium? */
export function levelFits(level: string, kind: MediaKind): boolean {
  const cls = MATERIAL_CLASS[kind];
  return cls === null || level.startsWith(`${cls}-`);
}

export interface MediumToDestroy {
  id: string;
  label: string;
  kind: MediaKind;
}

/**
 * The method and the level of every medium (issue "the front desk in daily use", item 6): the
 * method must fit each medium; shredding and physical destruction state a level for each, from
 * `levels` or else the single `securityLevel`, whose material class must fit the medium. Returns
 * the level of each medium (null where none is stated) and one detail per problem, naming the
 * medium. `field(i)` names medium i's field (body.mediaIds.i).
 */
export function mediaLevelViolations(
  media: MediumToDestroy[],
  input: { method: DestructionMethod; securityLevel?: string | undefined; levels?: Array<{ mediumId: string; securityLevel: string }> | undefined },
): { levels: Map<string, string | null>; details: ErrorDetail[] } {
  const details: ErrorDetail[] = [];
  const byMedium = new Map<string, string>();
  for (const [i, l] of (input.levels ?? []).entries()) {
    if (!media.some((m) => m.id === l.mediumId)) {
      details.push({ field: `body.levels.${i}.mediumId`, code: 'unknown_medium', message: `${l.mediumId} is not among the media of this destruction.` });
    } else if (byMedium.has(l.mediumId)) {
      details.push({ field: `body.levels.${i}.mediumId`, code: 'duplicate', message: 'One level per medium.' });
    } else if (!SECURITY_LEVEL.test(l.securityLevel)) {
      details.push({ field: `body.levels.${i}.securityLevel`, code: 'invalid_security_level', message: 'A security level is a material class and a level, e.g. P-4 or H-5.' });
    } else byMedium.set(l.mediumId, l.securityLevel);
  }
  const levels = new Map<string, string | null>();
  for (const [i, m] of media.entries()) {
    if (!METHOD_FITS[input.method][m.kind]) {
      details.push({ field: `body.mediaIds.${i}`, code: 'method_unfit', message: `${m.label}: ${TECHNIQUE_WORDS[input.method].en} does not sanitise ${m.kind} media (NIST SP 800-88).` });
    }
    const own = byMedium.get(m.id);
    const level = own ?? (input.securityLevel && SECURITY_LEVEL.test(input.securityLevel) ? input.securityLevel : null);
    levels.set(m.id, level);
    if (level && !levelFits(level, m.kind)) {
      const cls = MATERIAL_CLASS[m.kind]!;
      details.push({
        field: own ? `body.levels.${(input.levels ?? []).findIndex((l) => l.mediumId === m.id)}.securityLevel` : 'body.securityLevel',
        code: 'level_unfit',
        message: `${m.label} is ${MATERIAL_CLASS_WORDS[cls].en.toLowerCase()} (class ${cls}): its level is ${cls}-n, not ${level}${own ? '' : '; give media of different classes their levels one by one in levels'}.`,
      });
    }
    if (!level && LEVEL_REQUIRED.has(input.method) && input.securityLevel === undefined) {
      details.push({ field: `body.mediaIds.${i}`, code: 'security_level_required', message: `${m.label}: ${TECHNIQUE_WORDS[input.method].en} states the DIN 66399 / ISO/IEC 21964 level of each medium (e.g. ${MATERIAL_CLASS[m.kind] ?? 'P'}-4).` });
    }
  }
  return { levels, details };
}

export interface MethodFacts {
  method: DestructionMethod;
  category?: Category | undefined;
  securityLevel?: string | undefined;
  levels?: Array<{ mediumId: string; securityLevel: string }> | undefined;
  tool?: string | undefined;
  verified?: boolean | undefined;
}

export function methodViolations(f: MethodFacts): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  // (Each medium's level, and whether it fits the medium, is mediaLevelViolations'.)
  if (LEVEL_REQUIRED.has(f.method) && !f.securityLevel && !f.levels?.length) {
    details.push({ field: 'body.securityLevel', code: 'security_level_required', message: `${TECHNIQUE_WORDS[f.method].en} states its DIN 66399 / ISO/IEC 21964 security level (e.g. P-4), or one per medium in levels.` });
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
