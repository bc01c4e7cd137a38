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

/**
 * E5.2: what a security training must cover — a: the parts of these guidelines the audience needs;
 * b: information on the network is watched by monitoring software; c: company computers are for
 * work, privacy is not guaranteed on them; d: viruses; e: no unneeded software on the dedicated
 * PCs; f: the disciplinary rules of the work regulations.
 */
export const TRAINING_TOPICS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
export type TrainingTopic = (typeof TRAINING_TOPICS)[number];

export const TRAINING_TOPIC_WORDS: Record<TrainingTopic, { ja: string; en: string }> = {
  a: { ja: '本要領のうち受講者に必要な部分', en: 'the parts of the guidelines the audience needs' },
  b: { ja: 'ネットワーク上の情報は自動監視されていること', en: 'information on the network is monitored' },
  c: { ja: '会社のPCは業務用でありプライバシーは保証されないこと', en: 'company computers are for work; no privacy is guaranteed' },
  d: { ja: 'ウイルス対策', en: 'protection against viruses' },
  e: { ja: '専用PCへの不要ソフトウェアのインストール禁止', en: 'no unneeded software on the dedicated PCs' },
  f: { ja: '就業規則の懲戒規定', en: 'the disciplinary rules of the work regulations' },
};
