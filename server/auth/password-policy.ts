// Password policy (clause E3.11 c–e): at least 8 characters (c); nothing guessable from the
// user's own details – user name, person name, organisation, phone number, birthday (d); no
// runs of one character, no sequences, not letters only (e). Pure and synchronous: it is called
// on every set/change of a password and returns one detail per broken rule, so the user sees a
// clear message for each. The messages never echo the password or the personal data.
import type { ErrorDetail } from '../errors.js';

export interface PasswordContext {
  username?: string | null;
  personName?: string | null;
  orgName?: string | null;
  phone?: string | null;
  birthday?: string | null; // 'YYYY-MM-DD'
}

export const MIN_PASSWORD_LENGTH = 8;

const MESSAGES = {
  too_short: `Use at least ${MIN_PASSWORD_LENGTH} characters.`,
  contains_username: 'Do not use your user name in the password.',
  contains_name: 'Do not use your name, or part of it, in the password.',
  contains_organisation: "Do not use your organisation's name, or part of it, in the password.",
  contains_phone: 'Do not use 4 or more digits from your phone number in the password.',
  contains_birthday: 'Do not use your date of birth (or its year) in the password.',
  repeated_characters: 'Do not repeat the same character 3 or more times in a row (like "aaa" or "111").',
  sequential_characters: 'Do not use 3 or more consecutive letters or digits in sequence (like "abc", "123" or "987").',
  letters_only: 'Include at least one digit or symbol; a password of letters only is too easy to guess.',
} as const;

export type PasswordPolicyCode = keyof typeof MESSAGES;

/** NFKC + lower case: full-width letters/digits, ㈱ etc. compare equal to their plain forms. */
function normalise(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}

/** For containment checks: additionally fold katakana to hiragana (ヤマダ ≡ やまだ). */
function fold(s: string): string {
  return normalise(s).replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}

function codePointLength(s: string): number {
  return [...s].length;
}

// Japanese (and other CJK) script: two characters already make a meaningful name part (山田).
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** Name parts: split on whitespace (incl. U+3000), '・', '.', '-', '_'; edge punctuation trimmed. */
function nameParts(folded: string): string[] {
  return folded
    .split(/[\s\u3000\u30fb\uff65._-]+/u)
    .map((p) => p.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter((p) => codePointLength(p) >= (CJK.test(p) ? 2 : 3));
}

// Japanese legal-entity designators, removed wherever they appear (前株 and 後株 alike). Matched
// after fold(), so "（株）" and "㈱" arrive as "(株)".
const JA_ORG_DESIGNATORS = [
  '特定非営利活動法人', '一般社団法人', '一般財団法人', '公益社団法人', '公益財団法人',
  '社会福祉法人', '医療法人', '学校法人', '宗教法人', 'npo法人',
  '株式会社', '有限会社', '合同会社', '合資会社', '合名会社',
  '(株)', '(有)', '(同)', '(資)', '(名)', '(社)', '(財)',
];

// Latin designators and filler words, dropped as whole parts.
const LATIN_ORG_WORDS = new Set([
  'inc', 'incorporated', 'corp', 'corporation', 'co', 'company', 'ltd', 'limited', 'kk',
  'llc', 'llp', 'plc', 'gmbh', 'ag', 'sa', 'kabushiki', 'kaisha', 'yugen', 'godo',
  'the', 'and', 'of', 'for',
]);

function organisationParts(org: string): string[] {
  let s = fold(org);
  for (const d of JA_ORG_DESIGNATORS) s = s.split(d).join(' ');
  // Commas and brackets separate words here too ("Sample Co., Ltd.", "Sample (Japan) KK").
  s = s.replace(/[,()[\]&]/g, ' ');
  return nameParts(s).filter((p) => !LATIN_ORG_WORDS.has(p));
}

function digitsOf(s: string): string {
  return s.normalize('NFKC').replace(/[^0-9]/g, '');
}

function phoneDigitVariants(phone: string): string[] {
  const digits = digitsOf(phone);
  const variants = [digits];
  // A Japanese number given internationally (+81 90 …) is also typed domestically (090 …).
  if (/^\s*(\+|00)\s*81/.test(phone.normalize('NFKC'))) {
    variants.push('0' + digits.replace(/^(00)?81/, ''));
  }
  return variants.filter((d) => d.length >= 4);
}

function containsPhone(normPassword: string, phone: string): boolean {
  const variants = phoneDigitVariants(phone);
  if (variants.length === 0) return false;
  // Any shared run of ≥ 4 digits contains a shared run of exactly 4, so checking 4-digit windows
  // of each digit run in the password suffices.
  for (const run of normPassword.match(/[0-9]{4,}/g) ?? []) {
    for (let i = 0; i + 4 <= run.length; i++) {
      const window = run.slice(i, i + 4);
      if (variants.some((v) => v.includes(window))) return true;
    }
  }
  return false;
}

function birthdayPatterns(birthday: string): string[] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthday.normalize('NFKC').trim());
  if (!m) return [];
  const [, yyyy = '', mm = '', dd = ''] = m;
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12 || day < 1 || day > 31) return [];
  const yy = yyyy.slice(2);
  const patterns = new Set<string>([yyyy]);
  for (const sep of ['', '-', '/', '.']) {
    patterns.add([yyyy, mm, dd].join(sep));
    patterns.add([yy, mm, dd].join(sep));
    patterns.add([mm, dd].join(sep));
    patterns.add([dd, mm].join(sep));
  }
  return [...patterns];
}

function hasRepeatedRun(normPassword: string): boolean {
  return /([\s\S])\1\1/u.test(normPassword);
}

function hasSequence(normPassword: string): boolean {
  const chars = [...normPassword];
  const isDigit = (c: string) => c >= '0' && c <= '9';
  const isLetter = (c: string) => c >= 'a' && c <= 'z';
  for (let i = 0; i + 2 < chars.length; i++) {
    const a = chars[i] ?? '';
    const b = chars[i + 1] ?? '';
    const c = chars[i + 2] ?? '';
    const sameClass = (isDigit(a) && isDigit(b) && isDigit(c)) || (isLetter(a) && isLetter(b) && isLetter(c));
    if (!sameClass) continue;
    const d1 = b.charCodeAt(0) - a.charCodeAt(0);
    const d2 = c.charCodeAt(0) - b.charCodeAt(0);
    // Within 0–9 / a–z only, so "890" (9 → 0) is not a sequence.
    if ((d1 === 1 || d1 === -1) && d2 === d1) return true;
  }
  return false;
}

function isLettersOnly(normPassword: string): boolean {
  // Any script; combining marks count as part of their letter (e.g. Devanagari vowel signs).
  return /^\p{L}[\p{L}\p{M}]*$/u.test(normPassword);
}

/**
 * Checks a candidate password against clause E3.11 (c, d, e). Returns one ErrorDetail per broken
 * rule, in a fixed order; an empty array means the password is acceptable.
 */
export function passwordPolicyViolations(password: string, ctx: PasswordContext, field = 'newPassword'): ErrorDetail[] {
  const broken: PasswordPolicyCode[] = [];
  const norm = normalise(password);
  const folded = fold(password);

  // (c) length, in code points: an emoji or other astral character is one character.
  if (codePointLength(password) < MIN_PASSWORD_LENGTH) broken.push('too_short');

  // (d) nothing guessable from the user's own details.
  const username = ctx.username ? fold(ctx.username).trim() : '';
  if (codePointLength(username) >= 3 && folded.includes(username)) broken.push('contains_username');

  if (ctx.personName && nameParts(fold(ctx.personName)).some((p) => folded.includes(p))) {
    broken.push('contains_name');
  }
  if (ctx.orgName && organisationParts(ctx.orgName).some((p) => folded.includes(p))) {
    broken.push('contains_organisation');
  }
  if (ctx.phone && containsPhone(norm, ctx.phone)) broken.push('contains_phone');
  if (ctx.birthday && birthdayPatterns(ctx.birthday).some((p) => norm.includes(p))) {
    broken.push('contains_birthday');
  }

  // (e) no runs of one character, no sequences, not letters only.
  if (hasRepeatedRun(norm)) broken.push('repeated_characters');
  if (hasSequence(norm)) broken.push('sequential_characters');
  if (isLettersOnly(norm)) broken.push('letters_only');

  return broken.map((code) => ({ field, code, message: MESSAGES[code] }));
}
