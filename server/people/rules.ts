// Plain facts of the people module that others build on.

/** The kinds of organisation (api.md "People, organisations, badges"). */
export const ORG_KINDS = ['depositor', 'contractor', 'subcontractor', 'carrier', 'disposal_vendor', 'visitor_company'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

/** A reading (furigana) as stored: NFKC, katakana, single spaces (issue 14: pickers search by it). */
export function normaliseReading(reading: string): string {
  return reading
    .normalize('NFKC')
    .replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60))
    .replace(/[\s\u3000]+/g, ' ')
    .trim();
}

/** A reading is written in kana or Latin letters (for names read in a foreign language). */
export const READING_PATTERN = /^[\p{Script=Hiragana}\p{Script=Katakana}ー・ A-Za-z.'-]+$/u;
