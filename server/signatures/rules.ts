// Who may witness: plain rules shared by handovers (E1.3), transfers (E1.3, E1.8) and
// destructions (E7.4). Unit-tested in test/unit/witness-rules.test.ts.
import type { ErrorDetail } from '../errors.js';

export interface WitnessFacts {
  personId: string;
  roles: readonly string[];
  field: string;
}

/**
 * Witnesses are distinct from each other and from the parties, and at least one holds one of
 * `requiredRoles`. Returns one detail per broken rule (empty: the witnesses are acceptable).
 */
export function witnessViolations(witnesses: WitnessFacts[], parties: Array<{ personId: string; role: string }>, requiredRoles: readonly string[]): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const w of witnesses) {
    if (seen.has(w.personId)) {
      details.push({ field: `${w.field}.personId`, code: 'witness_repeated', message: 'Each witness signs once: this person is already a witness.' });
    }
    seen.add(w.personId);
    const party = parties.find((p) => p.personId === w.personId);
    if (party) {
      details.push({ field: `${w.field}.personId`, code: 'witness_is_party', message: `A witness cannot also be the ${party.role}.` });
    }
  }
  if (!witnesses.some((w) => w.roles.some((r) => requiredRoles.includes(r)))) {
    details.push({
      field: 'body.witnesses',
      code: 'required_role_missing',
      message: `At least one witness must hold the role ${requiredRoles.join(' or ')}.`,
    });
  }
  return details;
}

/** Exactly one of roomId (presence checked by the door's log) or place (not verified). */
export function placeViolations(input: { roomId?: string | undefined; place?: string | undefined }, required: boolean): ErrorDetail[] {
  if (input.roomId && input.place) {
    return [{ field: 'body.place', code: 'room_or_place', message: 'Give either roomId or place, not both.' }];
  }
  if (required && !input.roomId && !input.place) {
    return [{ field: 'body.roomId', code: 'room_or_place', message: 'Say where it happens: roomId (presence checked by the door log) or place.' }];
  }
  return [];
}
