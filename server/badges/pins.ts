// Setting, resetting and changing a badge's PIN (security review, finding 1).
//
// The issuer of a badge never knows or chooses its PIN, and no one acting alone can make a badge
// that signs. The holder types the PIN themselves, in one of two ways:
//   - at the desk, with a *confirmer* — an administrator, responsible or authorised person who is
//     neither the issuer nor the holder — who confirms with their own badge and PIN that the holder
//     is present (two-person issuance). This sets a first PIN, and resets a forgotten or locked
//     one (the holder cannot type the old one);
//   - by presenting the badge and typing the current PIN: a change, which only the holder can make
//     because only the holder knows the current PIN (also how a PIN shorter than 6 digits, set
//     before the review, is replaced).
// A signed-in session alone is not enough for a first PIN: an account's first password is chosen
// by whoever created it, so a session does not prove that its holder is the one typing.
// Every set, reset and change is journaled with the names of those involved and kept as a badge
// event: the holder sees it at their next sign-in, and the weekly access review lists it.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { AppError, ConflictError, ValidationError, type ErrorDetail } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { hashPin, verifyPin } from '../shared/secret-hash.js';
import { personFacts } from './holders.read-model.js';
import { badgeState, checkBadgePin, findPresentedBadge, type BadgeRow, type PinCheck } from './service.js';
import { confirmerViolations, pinViolations } from './pin-rules.js';

/** How many earlier PINs of a badge may not be chosen again (besides the current one). */
const PIN_HISTORY_DEPTH = 3;

const REFUSAL_TEXT: Record<string, string> = {
  unknown_badge: 'The badge is not known.',
  badge_not_of_person: 'The badge presented does not belong to this person.',
  badge_revoked: 'The badge is revoked.',
  badge_expired: 'The badge is expired or not yet valid.',
  pin_not_set: 'This badge has no PIN yet: its holder sets one at the desk with a confirmer.',
  wrong_pin: 'The PIN is wrong.',
  pin_locked: 'The PIN is locked after too many wrong attempts; try again later.',
  pin_busy: 'Too many PIN attempts for this badge at once; try again in a moment.',
  pin_change_required: 'This PIN is shorter than 6 digits: its holder must change it before it signs again.',
};

export const pinRefusalText = (reason: string): string => REFUSAL_TEXT[reason] ?? 'The badge or PIN did not verify.';

/**
 * Turns a failed PIN check into the contract's answer: 423 with Retry-After when locked, 403
 * `pin_change_required` for a short legacy PIN, else 400 `signature_invalid` naming the field.
 */
export function pinCheckError(check: Extract<PinCheck, { ok: false }>, field: string, what: string): AppError {
  const detail: ErrorDetail = { field: `${field}.${['wrong_pin', 'pin_locked', 'pin_busy', 'pin_change_required'].includes(check.reason) ? 'pin' : 'badge'}`, code: check.reason, message: pinRefusalText(check.reason) };
  if (check.reason === 'pin_locked' || check.reason === 'pin_busy') {
    return new AppError(423, 'pin_locked', `${what}: the PIN is locked after too many wrong attempts; nothing was changed.`, [detail], { 'Retry-After': String(check.retryAfterSeconds ?? 60) });
  }
  if (check.reason === 'pin_change_required') return new AppError(403, 'pin_change_required', `${what}: ${REFUSAL_TEXT.pin_change_required}`, [detail]);
  return new ValidationError(`${what}: the badge or PIN did not verify; nothing was changed.`, [detail], 'signature_invalid');
}

function policyError(details: ErrorDetail[]): ValidationError {
  return new ValidationError('The new PIN is not acceptable; nothing was changed.', details, 'pin_policy');
}

/** Is `pin` the badge's current PIN or one of its recent ones? */
async function isRecentPin(app: AppContext, badge: Pick<BadgeRow, 'pin_hash' | 'pin_history'>, pin: string): Promise<boolean> {
  const hashes = [badge.pin_hash, ...(badge.pin_history ?? [])].filter((h): h is string => !!h).slice(0, PIN_HISTORY_DEPTH + 1);
  for (const hash of hashes) {
    if ((await verifyPin(pin, hash, app.secrets.pinPepper)).ok) return true;
  }
  return false;
}

export type PinSetHow = 'confirmed' | 'changed' | 'cli';

/** Stores the new PIN's hash (the old one joins the history), clears any lock, records the badge event. Caller journals. */
async function storePin(app: AppContext, trx: Knex, badgeId: string, pin: string, how: PinSetHow, event: { kind: 'pin_set' | 'pin_reset' | 'pin_changed'; actor: string; actorPersonId: string | null; confirmerPersonId: string | null }): Promise<BadgeRow> {
  const current = (await trx('badges').where({ id: badgeId }).forUpdate().first()) as BadgeRow | undefined;
  if (!current) throw new ConflictError('badge_gone', 'The badge no longer exists.');
  const { rows } = await trx.raw('SELECT now() AS now');
  const state = badgeState(current, (rows[0] as { now: Date }).now);
  if (state !== 'valid') throw new ConflictError(state === 'revoked' ? 'badge_revoked' : 'badge_expired', 'The badge was revoked or expired meanwhile; nothing was changed.');
  const history = [current.pin_hash, ...(current.pin_history ?? [])].filter((h): h is string => !!h).slice(0, PIN_HISTORY_DEPTH);
  // A confirmed reset lifts a lock (that is what it is for). A change by the holder leaves a
  // running lock alone: attempts still under way when it succeeded stay refused.
  const lockState = how === 'changed' ? {} : { pin_failures: 0, pin_locked_until: null };
  await trx('badges')
    .where({ id: badgeId })
    .update({
      pin_hash: await hashPin(pin, app.secrets.pinPepper, app.config.scryptCost),
      pin_history: history,
      pin_set_at: trx.fn.now(),
      pin_set_how: how,
      ...lockState,
    });
  await trx('badge_events').insert({ person_id: current.person_id, badge_id: badgeId, kind: event.kind, actor: event.actor, actor_person_id: event.actorPersonId, confirmer_person_id: event.confirmerPersonId });
  return current;
}

export interface ConfirmedPinInput {
  /** The holder's badge, as the reader typed it. */
  badge: string;
  newPin: string;
  confirmer: { personId: string; badge: string; pin: string };
  /** Who is signed in at the desk. */
  operator: { accountId: string; personId: string };
}

/**
 * Two-person PIN setting at the desk: a first PIN, or a reset of a forgotten or locked one.
 * Checks come before the transaction (the confirmer's wrong PIN must count toward their lockout
 * although nothing is changed); the PIN is then stored and journaled in one transaction.
 */
export async function setPinConfirmed(app: AppContext, input: ConfirmedPinInput): Promise<{ badgeId: string; personId: string; reset: boolean }> {
  const db = app.db.knex;
  const details: ErrorDetail[] = pinViolations(input.newPin, 'body.newPin');
  const holderBadge = await findPresentedBadge(app, db, input.badge);
  if (!holderBadge) throw new ValidationError("The holder's badge is not known; nothing was changed.", [{ field: 'body.badge', code: 'unknown_badge', message: REFUSAL_TEXT.unknown_badge! }, ...details]);
  const { rows } = await db.raw('SELECT now() AS now');
  const state = badgeState(holderBadge, (rows[0] as { now: Date }).now);
  if (state !== 'valid') {
    throw new ValidationError("The holder's badge is not valid; nothing was changed.", [{ field: 'body.badge', code: state === 'revoked' ? 'badge_revoked' : 'badge_expired', message: REFUSAL_TEXT[state === 'revoked' ? 'badge_revoked' : 'badge_expired']! }]);
  }
  const holder = await personFacts(db, holderBadge.person_id);
  const confirmer = await personFacts(db, input.confirmer.personId);
  details.push(
    ...confirmerViolations({
      holderPersonId: holder.id,
      holderRoles: holder.roles,
      issuerPersonId: holderBadge.issued_by_person_id,
      confirmerPersonId: confirmer.id,
      confirmerRoles: confirmer.roles,
      confirmerLeft: confirmer.left_at !== null,
      field: 'body.confirmer',
    }),
  );
  if (holder.left_at) details.push({ field: 'body.badge', code: 'person_left', message: `${holder.name} has left.` });
  if (details.length > 0) throw policyOrConfirmerError(details);

  // The confirmer signs with their own badge and PIN (their badge, not somebody else's).
  const confirmerBadge = await findPresentedBadge(app, db, input.confirmer.badge);
  if (confirmerBadge && confirmerBadge.person_id !== confirmer.id) {
    throw new ValidationError("The confirmer's badge did not verify; nothing was changed.", [{ field: 'body.confirmer.badge', code: 'badge_not_of_person', message: REFUSAL_TEXT.badge_not_of_person! }], 'signature_invalid');
  }
  const check = await checkBadgePin(app, input.confirmer.badge, input.confirmer.pin);
  if (!check.ok) throw pinCheckError(check, 'body.confirmer', "The confirmer's signature");

  if (await isRecentPin(app, holderBadge, input.newPin)) {
    throw policyError([{ field: 'body.newPin', code: 'pin_reused', message: 'Choose a PIN this badge has not had before.' }]);
  }
  const reset = holderBadge.pin_hash !== null;
  await db.transaction(async (trx) => {
    await storePin(app, trx, holderBadge.id, input.newPin, 'confirmed', { kind: reset ? 'pin_reset' : 'pin_set', actor: input.operator.accountId, actorPersonId: input.operator.personId, confirmerPersonId: confirmer.id });
    await appendJournal(trx, {
      actor: input.operator.accountId,
      action: reset ? 'badges.pin_reset' : 'badges.pin_set',
      subject: `badge:${holderBadge.id}`,
      payload: {
        personId: holder.id,
        personName: holder.name,
        confirmerPersonId: confirmer.id,
        confirmerName: confirmer.name,
        confirmerBadgeId: check.badge.id,
        issuerPersonId: holderBadge.issued_by_person_id,
        operatorPersonId: input.operator.personId,
      },
    });
  });
  return { badgeId: holderBadge.id, personId: holder.id, reset };
}

function policyOrConfirmerError(details: ErrorDetail[]): ValidationError {
  const onlyPin = details.every((d) => d.field === 'body.newPin');
  return onlyPin ? policyError(details) : new ValidationError('The PIN cannot be set this way; nothing was changed.', details, 'confirmer_invalid');
}

/** The holder changes their own PIN: the badge and the current PIN prove it is them. */
export async function changePin(app: AppContext, input: { badge: string; currentPin: string; newPin: string }): Promise<{ badgeId: string; personId: string }> {
  const db = app.db.knex;
  const policy = pinViolations(input.newPin, 'body.newPin');
  if (policy.length > 0) throw policyError(policy);
  const check = await checkBadgePin(app, input.badge, input.currentPin);
  // A right PIN that must be changed is exactly what this is for.
  if (!check.ok && check.reason !== 'pin_change_required') throw pinCheckError(check, 'body', 'The current PIN');
  const badge = check.badge!;
  if (await isRecentPin(app, badge, input.newPin)) {
    throw policyError([{ field: 'body.newPin', code: 'pin_reused', message: 'Choose a PIN this badge has not had before.' }]);
  }
  const holder = await personFacts(db, badge.person_id);
  const actor = `person:${holder.id}`;
  await db.transaction(async (trx) => {
    await storePin(app, trx, badge.id, input.newPin, 'changed', { kind: 'pin_changed', actor, actorPersonId: holder.id, confirmerPersonId: null });
    await appendJournal(trx, { actor, action: 'badges.pin_changed', subject: `badge:${badge.id}`, payload: { personId: holder.id, personName: holder.name } });
  });
  return { badgeId: badge.id, personId: holder.id };
}

/**
 * The first PIN of a badge made by a command the holder runs themselves (`create-admin`,
 * `seed-demo`), which prints it to them. Never reachable over HTTP.
 */
export async function setPinFromCommandLine(app: AppContext, trx: Knex, badgeId: string, pin: string, actor: `cli:${string}`): Promise<void> {
  const policy = pinViolations(pin, 'pin');
  if (policy.length > 0) throw policyError(policy);
  const badge = await storePin(app, trx, badgeId, pin, 'cli', { kind: 'pin_set', actor, actorPersonId: null, confirmerPersonId: null });
  await appendJournal(trx, { actor, action: 'badges.pin_set', subject: `badge:${badgeId}`, payload: { personId: badge.person_id, how: 'cli' } });
}

/** A random PIN that passes the rules, for the commands above. */
export function randomPin(random: (max: number) => number): string {
  for (;;) {
    const pin = String(random(1_000_000)).padStart(6, '0');
    if (pinViolations(pin, 'pin').length === 0) return pin;
  }
}
