// The plain rules of custody: which status each action may start from (issue "custody" §1),
// who may witness (E1.3, E7.4), a transfer's method (E1.3, E1.8), room or place, and the
// inventory comparison of the monthly inspection (E4.1).
import { describe, expect, it } from 'vitest';
import { ACTIONS, assertMayDo, MEDIA_STATUSES, mayDo, type CustodyAction } from '../../server/media/rules.js';
import { placeViolations, witnessViolations } from '../../server/signatures/rules.js';
import { transferMethodViolations } from '../../server/transfers/service.js';
import { compareInventory } from '../../server/inspections/service.js';
import { AppError } from '../../server/errors.js';

describe('media statuses', () => {
  const allowed: Record<CustodyAction, string[]> = {
    checkout: ['stored'],
    checkin: ['checked_out'],
    handover: ['checked_out'],
    return_to_depositor: ['checked_out'],
    redeposit: ['returned_to_depositor'],
    transfer_send: ['stored', 'checked_out'],
    transfer_receive: ['in_transit'],
    destroy: ['stored', 'checked_out'],
    copy: ['stored', 'checked_out'],
  };
  it('each action starts only from its statuses', () => {
    for (const action of Object.keys(ACTIONS) as CustodyAction[]) {
      for (const status of MEDIA_STATUSES) {
        expect(mayDo(action, status), `${action} from ${status}`).toBe(allowed[action].includes(status));
      }
    }
  });
  it('a destroyed medium never changes again; in transit it cannot be checked out, handed over or destroyed', () => {
    for (const action of Object.keys(ACTIONS) as CustodyAction[]) expect(mayDo(action, 'destroyed')).toBe(false);
    for (const action of ['checkout', 'handover', 'destroy'] as const) expect(mayDo(action, 'in_transit')).toBe(false);
  });
  it('a forbidden move is a 409 whose message names the current status', () => {
    try {
      assertMayDo('checkout', { label: 'USB-1', status: 'destroyed' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(409);
      expect((e as AppError).code).toBe('medium_destroyed');
      expect((e as AppError).message).toBe('Medium USB-1 is destroyed and cannot be checked out.');
    }
  });
});

describe('witnesses', () => {
  const w = (personId: string, roles: string[], i: number) => ({ personId, roles, field: `body.witnesses.${i}` });
  const parties = [
    { personId: 'giver', role: 'giver' },
    { personId: 'receiver', role: 'receiver' },
  ];
  it('accepts distinct witnesses with a responsible one', () => {
    expect(witnessViolations([w('a', ['responsible'], 0), w('b', ['staff'], 1)], parties, ['responsible'])).toEqual([]);
  });
  it('refuses a repeated witness, a witness who is a party, and no witness with the required role', () => {
    const codes = witnessViolations([w('a', ['staff'], 0), w('a', ['staff'], 1), w('giver', ['staff'], 2)], parties, ['responsible']).map((d) => d.code);
    expect(codes).toEqual(['witness_repeated', 'witness_is_party', 'required_role_missing']);
  });
  it('destruction accepts responsible or authorised (E7.4)', () => {
    expect(witnessViolations([w('a', ['authorized'], 0)], [], ['responsible', 'authorized'])).toEqual([]);
    expect(witnessViolations([w('a', ['staff'], 0)], [], ['responsible', 'authorized'])).toHaveLength(1);
  });
  it('room or place: exactly one when required', () => {
    expect(placeViolations({ roomId: 'r' }, true)).toEqual([]);
    expect(placeViolations({ place: 'p' }, true)).toEqual([]);
    expect(placeViolations({}, true)[0]!.code).toBe('room_or_place');
    expect(placeViolations({}, false)).toEqual([]);
    expect(placeViolations({ roomId: 'r', place: 'p' }, false)[0]!.code).toBe('room_or_place');
  });
});

describe('transfer methods', () => {
  it('carrier needs the carrier and a tracking number', () => {
    expect(transferMethodViolations({ method: 'carrier' }, null).map((d) => d.code)).toEqual(['carrier_required', 'tracking_required']);
    expect(transferMethodViolations({ method: 'carrier', carrierOrgId: 'c', trackingNo: 't' }, null)).toEqual([]);
  });
  it('post needs a responsible escort (E1.8)', () => {
    expect(transferMethodViolations({ method: 'post' }, null).map((d) => d.code)).toEqual(['escort_required']);
    expect(transferMethodViolations({ method: 'post', escortPersonId: 'e' }, ['staff']).map((d) => d.code)).toEqual(['escort_not_responsible']);
    expect(transferMethodViolations({ method: 'post', escortPersonId: 'e' }, ['responsible'])).toEqual([]);
  });
  it('hand_carry names who carries; carrier fields only for carriers', () => {
    expect(transferMethodViolations({ method: 'hand_carry' }, null).map((d) => d.code)).toEqual(['escort_required']);
    expect(transferMethodViolations({ method: 'hand_carry', escortPersonId: 'e', trackingNo: 't' }, ['staff']).map((d) => d.code)).toEqual(['carrier_not_used']);
  });
});

describe('inventory comparison', () => {
  it('finds what is missing and what is unexpected', () => {
    expect(compareInventory(['a', 'b', 'c'], ['a', 'c', 'x'])).toEqual({ missing: ['b'], unexpected: ['x'] });
    expect(compareInventory([], [])).toEqual({ missing: [], unexpected: [] });
  });
});
