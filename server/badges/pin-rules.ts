// The rules of a badge PIN and of who may confirm that a holder set theirs — plain functions,
// unit-tested in test/unit/pin-rules.test.ts.
//
// A PIN is the holder's signature (E1.3, E7.4) and an administrator's second factor (E2.17), so
// nobody but the holder may know or choose it. New PINs have at least 6 digits and are not one
// of the guesses an attacker tries first (security review, finding 7): a 4-digit PIN's hash fell
// in seconds offline; a 6-digit one keyed with the server's pepper cannot be tried offline at all.
import type { ErrorDetail } from '../errors.js';

export const PIN_MIN_DIGITS = 6;
export const PIN_MAX_DIGITS = 12;

/** What a PIN typed at a signature looks like: any length the system ever issued (legacy 4–5 digit PINs still verify). */
export const PIN_INPUT = /^\d{4,12}$/;

/** Well-known PINs that are not sequences or repeats but are guessed first all the same. */
const COMMON_PINS = new Set(['112233', '123321', '159753', '147258', '147852', '159357', '258456', '102030', '753951', '951753', '369258', '142536', '321123', '110110', '520520', '5201314']);

/** True when every digit follows the one before it by +1 (or every one by −1), wrapping 9→0. */
function isRun(pin: string, step: 1 | -1): boolean {
  for (let i = 1; i < pin.length; i++) {
    if ((Number(pin[i - 1]) + step + 10) % 10 !== Number(pin[i])) return false;
  }
  return true;
}

/** True when the PIN is a pattern of one, two or three digits repeated (000000, 121212, 123123). */
function isRepeat(pin: string): boolean {
  for (let period = 1; period <= 3; period++) {
    if ([...pin].every((d, i) => d === pin[i % period])) return true;
  }
  return false;
}

/** Does this PIN break a rule for new PINs? One detail per broken rule; empty when acceptable. */
export function pinViolations(pin: string, field: string): ErrorDetail[] {
  if (!/^\d+$/.test(pin)) return [{ field, code: 'pin_format', message: `A PIN is ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} digits.` }];
  if (pin.length < PIN_MIN_DIGITS) return [{ field, code: 'pin_too_short', message: `A PIN has at least ${PIN_MIN_DIGITS} digits.` }];
  if (pin.length > PIN_MAX_DIGITS) return [{ field, code: 'pin_too_long', message: `A PIN has at most ${PIN_MAX_DIGITS} digits.` }];
  if (isRepeat(pin) || isRun(pin, 1) || isRun(pin, -1) || COMMON_PINS.has(pin)) {
    return [{ field, code: 'pin_trivial', message: 'This PIN is among the first an attacker would try (a repeat, a sequence or a well-known PIN). Choose another.' }];
  }
  return [];
}

/** Who can confirm in person that a holder is setting their own PIN. */
export const CONFIRMER_ROLES = ['admin', 'responsible', 'authorized'] as const;

export interface ConfirmerFacts {
  holderPersonId: string;
  holderRoles: readonly string[];
  /** The person who issued the badge (null: issued from the command line by the holder, or unknown). */
  issuerPersonId: string | null;
  confirmerPersonId: string;
  confirmerRoles: readonly string[];
  confirmerLeft: boolean;
  field: string;
}

/**
 * Two-person issuance (security review, finding 1): the confirmer is neither the holder nor the
 * badge's issuer, holds a confirming role, and — for an administrator's badge, whose PIN is a
 * second factor of sign-in — is an administrator too.
 */
export function confirmerViolations(f: ConfirmerFacts): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (f.confirmerPersonId === f.holderPersonId) {
    details.push({ field: `${f.field}.personId`, code: 'confirmer_is_holder', message: 'The holder cannot confirm their own PIN: another person confirms that the holder is present.' });
  } else if (f.issuerPersonId !== null && f.confirmerPersonId === f.issuerPersonId) {
    details.push({ field: `${f.field}.personId`, code: 'confirmer_is_issuer', message: 'The person who issued this badge cannot also confirm its PIN (two-person rule).' });
  }
  if (f.confirmerLeft) details.push({ field: `${f.field}.personId`, code: 'person_left', message: 'The confirmer has left.' });
  if (!f.confirmerRoles.some((r) => (CONFIRMER_ROLES as readonly string[]).includes(r))) {
    details.push({ field: `${f.field}.personId`, code: 'confirmer_role', message: 'The confirmer must be an administrator, a responsible person or an authorised person.' });
  } else if (f.holderRoles.includes('admin') && !f.confirmerRoles.includes('admin')) {
    details.push({ field: `${f.field}.personId`, code: 'confirmer_role', message: "An administrator's PIN is confirmed by another administrator." });
  }
  return details;
}
