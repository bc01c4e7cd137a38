// The rules of a new PIN and of who may confirm a holder's PIN (security review, findings 1 and 7).
import { describe, expect, it } from 'vitest';
import { confirmerViolations, pinViolations, type ConfirmerFacts } from '../../server/badges/pin-rules.js';
import { HashGate } from '../../server/shared/secret-hash.js';

const codes = (pin: string) => pinViolations(pin, 'newPin').map((d) => d.code);

describe('pinViolations', () => {
  it('accepts 6 to 12 digits that are not a repeat, a sequence or a well-known PIN', () => {
    for (const pin of ['482913', '583920', '905182', '730516204', '620847193528']) expect(codes(pin), pin).toEqual([]);
  });
  it('refuses short, long and non-digit PINs', () => {
    expect(codes('4829')).toEqual(['pin_too_short']);
    expect(codes('48291')).toEqual(['pin_too_short']);
    expect(codes('1234567890123')).toEqual(['pin_too_long']);
    for (const pin of ['48a913', '４８２９１３', ' 482913', '', '-48291']) expect(codes(pin), pin).toEqual(['pin_format']);
  });
  it('refuses repeats, ascending and descending runs (wrapping), and well-known PINs', () => {
    for (const pin of ['000000', '111111', '121212', '123123', '112112', '123456', '654321', '890123', '210987', '1234567890', '112233', '159753', '147258']) {
      expect(codes(pin), pin).toEqual(['pin_trivial']);
    }
  });
});

describe('confirmerViolations (two-person issuance)', () => {
  const base: ConfirmerFacts = {
    holderPersonId: 'holder',
    holderRoles: ['staff'],
    issuerPersonId: 'issuer',
    confirmerPersonId: 'confirmer',
    confirmerRoles: ['authorized'],
    confirmerLeft: false,
    field: 'body.confirmer',
  };
  const c = (patch: Partial<ConfirmerFacts>) => confirmerViolations({ ...base, ...patch }).map((d) => d.code);
  it('a responsible, authorised or admin person who is neither the holder nor the issuer may confirm', () => {
    for (const roles of [['authorized'], ['responsible'], ['admin'], ['staff', 'responsible']]) expect(c({ confirmerRoles: roles })).toEqual([]);
    expect(c({ issuerPersonId: null })).toEqual([]);
  });
  it('the holder, the issuer, someone who left or without a confirming role may not', () => {
    expect(c({ confirmerPersonId: 'holder' })).toEqual(['confirmer_is_holder']);
    expect(c({ confirmerPersonId: 'issuer' })).toEqual(['confirmer_is_issuer']);
    expect(c({ confirmerLeft: true })).toEqual(['person_left']);
    for (const roles of [['staff'], ['guard'], ['auditor'], []]) expect(c({ confirmerRoles: roles })).toEqual(['confirmer_role']);
  });
  it("an administrator's PIN is confirmed by another administrator", () => {
    expect(c({ holderRoles: ['admin'], confirmerRoles: ['responsible'] })).toEqual(['confirmer_role']);
    expect(c({ holderRoles: ['admin'], confirmerRoles: ['admin'] })).toEqual([]);
  });
});

describe('HashGate (finding 5)', () => {
  it('runs at most `limit` at once, lowest priority number first, and refuses beyond the queue', async () => {
    const gate = new HashGate(1, 3);
    const order: string[] = [];
    let release!: () => void;
    const first = gate.run(0, () => new Promise<void>((r) => (release = r)).then(() => void order.push('first')));
    const flood = [gate.run(5, async () => void order.push('flood-a')), gate.run(5, async () => void order.push('flood-b'))];
    const user = gate.run(1, async () => void order.push('user'));
    await expect(gate.run(9, async () => undefined)).rejects.toMatchObject({ status: 429 });
    release();
    await Promise.all([first, ...flood, user]);
    expect(order).toEqual(['first', 'user', 'flood-a', 'flood-b']);
  });
});
