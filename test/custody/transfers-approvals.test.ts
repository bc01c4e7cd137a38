// Transfers (E1.3, E1.8), copy approvals (E1.7), transmission approvals (E1.4–E1.5) and the
// monthly inspection (E4.1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyJournal } from '../../server/journal/verify.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

let s: TestServer;
let site: CustodySite;
let staff: SitePerson;
let responsible: SitePerson;
let witness: SitePerson;
let carrierId: string;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await custodySite(s);
  staff = await site.person('佐藤 花子', ['staff']);
  responsible = await site.person('田中 責任', ['responsible']);
  witness = await site.person('山本 立会', ['staff']);
  for (const p of [staff, responsible, witness]) await site.enter(p);
  carrierId = (await site.ok('post', '/api/orgs', { name: '安全輸送株式会社', kind: 'carrier' }, 201)).id;
});
afterAll(async () => {
  await s?.close();
});

const transfer = (body: Record<string, unknown>) => site.call('post', '/api/transfers', body);

describe('transfers', () => {
  it('carrier: needs an approved carrier and a tracking number', async () => {
    const m = await site.medium('TR-1');
    const base = { mediaIds: [m.id], destination: '預託元本社', method: 'carrier', witnesses: [site.signer(responsible)] };
    const noTracking = await transfer({ ...base, carrierOrgId: carrierId });
    expect(noTracking.status).toBe(400);
    expect(noTracking.body.error.details.map((d: { code: string }) => d.code)).toContain('tracking_required');
    const notApproved = await transfer({ ...base, carrierOrgId: carrierId, trackingNo: 'YM-1234-5678' });
    expect(notApproved.status).toBe(409);
    expect(notApproved.body.error.code).toBe('carrier_not_approved');
    const notCarrier = await transfer({ ...base, carrierOrgId: site.depositorOrgId, trackingNo: 'YM-1' });
    expect(notCarrier.body.error.details.map((d: { code: string }) => d.code)).toContain('not_a_carrier');
    const approved = await site.ok('post', `/api/orgs/${carrierId}/approval`, { approved: true, note: '2026年度 評価済み' }, 200);
    expect(approved.approvedAt).toBeTruthy();
    const twice = await site.call('post', `/api/orgs/${carrierId}/approval`, { approved: true });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('already_approved');
    const sent = await transfer({ ...base, carrierOrgId: carrierId, trackingNo: 'YM-1234-5678' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body).toMatchObject({ status: 'in_transit', method: 'carrier', trackingNo: 'YM-1234-5678', mediaIds: [m.id] });
    expect(sent.body.record.signatures[0]).toMatchObject({ meaning: 'witnessed transfer', signerName: '田中 責任' });
    expect(sent.body.record.presenceVerified).toBe(false);
    expect(await site.ok('get', `/api/media/${m.id}`, undefined, 200)).toMatchObject({ status: 'in_transit', transferId: sent.body.id });
  });

  it('post: the escort must hold the responsible role (E1.8); hand_carry names who carries', async () => {
    const m = await site.medium('TR-2');
    const base = { mediaIds: [m.id], destination: '日本郵便 本町局', method: 'post', witnesses: [site.signer(responsible)] };
    const noEscort = await transfer(base);
    expect(noEscort.body.error.details.map((d: { code: string }) => d.code)).toContain('escort_required');
    const notResponsible = await transfer({ ...base, escortPersonId: staff.id });
    expect(notResponsible.status).toBe(400);
    expect(notResponsible.body.error.details.map((d: { code: string }) => d.code)).toContain('escort_not_responsible');
    const r2 = await site.person('小林 責任', ['responsible']);
    await site.enter(r2);
    const escortIsWitness = await transfer({ ...base, escortPersonId: responsible.id });
    expect(escortIsWitness.body.error.details.map((d: { code: string }) => d.code)).toContain('witness_is_party');
    const ok = await transfer({ ...base, escortPersonId: r2.id, roomId: site.roomId });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.record.presenceVerified).toBe(true);
    const hand = await transfer({ mediaIds: [(await site.medium('TR-3')).id], destination: '別拠点', method: 'hand_carry', witnesses: [site.signer(responsible)] });
    expect(hand.body.error.details.map((d: { code: string }) => d.code)).toContain('escort_required');
  });

  it('media in transit cannot be checked out, handed over or sent again; the receipt closes the transfer', async () => {
    const m = await site.medium('TR-4');
    const sent = await site.ok('post', '/api/transfers', { mediaIds: [m.id], destination: '第2拠点', method: 'hand_carry', escortPersonId: staff.id, witnesses: [site.signer(responsible)] }, 201);
    const checkout = await site.call('post', `/api/media/${m.id}/checkout`, { personId: staff.id, badge: staff.badge, pin: staff.pin });
    expect(checkout.status).toBe(409);
    expect(checkout.body.error.code).toBe('medium_in_transit');
    expect(checkout.body.error.message).toContain('in transit');
    const again = await transfer({ mediaIds: [m.id], destination: 'x', method: 'hand_carry', escortPersonId: staff.id, witnesses: [site.signer(responsible)] });
    expect(again.status).toBe(409);
    const handover = await site.call('post', '/api/handovers', { mediaIds: [m.id], fromPersonId: staff.id, toPersonId: witness.id, roomId: site.roomId, witnesses: [site.signer(responsible)] });
    expect(handover.status).toBe(409);
    expect(handover.body.error.code).toBe('medium_in_transit');

    // Receipt back on site into a location of the medium's room, signed by the receiver inside.
    const noSigner = await site.call('post', `/api/transfers/${sent.id}/receipt`, { outcome: 'stored', receivedByName: '佐藤 花子', locationId: site.safeId });
    expect(noSigner.status).toBe(400);
    const received = await site.ok('post', `/api/transfers/${sent.id}/receipt`, { outcome: 'stored', receivedByName: '佐藤 花子', locationId: site.safeId, signer: site.signer(staff) }, 201);
    expect(received).toMatchObject({ status: 'received', receiptOutcome: 'stored', receivedByName: '佐藤 花子' });
    expect(received.receipt.signatures[0].meaning).toBe('received transfer');
    expect(await site.ok('get', `/api/media/${m.id}`, undefined, 200)).toMatchObject({ status: 'stored', locationId: site.safeId });
    const twice = await site.call('post', `/api/transfers/${sent.id}/receipt`, { outcome: 'returned_to_depositor', receivedByName: 'x' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('transfer_received');
  });

  it('a receipt at the depositor returns the media; the chain shows every step oldest first', async () => {
    const m = await site.medium('TR-5');
    const sent = await site.ok('post', '/api/transfers', { mediaIds: [m.id], destination: '預託元本社', method: 'hand_carry', escortPersonId: staff.id, witnesses: [site.signer(responsible), site.signer(witness)] }, 201);
    await site.ok('post', `/api/transfers/${sent.id}/receipt`, { outcome: 'returned_to_depositor', receivedByName: '預託元 受付 山田様' }, 201);
    const chain = await site.ok('get', `/api/media/${m.id}/custody`, undefined, 200);
    expect(chain.steps.map((x: { action: string; toStatus: string }) => [x.action, x.toStatus])).toEqual([
      ['registered', 'stored'],
      ['transfer_send', 'in_transit'],
      ['transfer_receive', 'returned_to_depositor'],
    ]);
    expect(chain.steps[1].signatures).toHaveLength(2);
    expect(chain.steps[2].record.presenceVerified).toBe(false);
    const listed = await site.ok('get', '/api/transfers?status=received', undefined, 200);
    expect(listed.items.map((t: { id: string }) => t.id)).toContain(sent.id);
  });
});

describe('transfer receipts held at the destination', () => {
  it('name the holder, whose signature (if any) is theirs; the medium is then held by them', async () => {
    const m = await site.medium('TR-HELD');
    const sent = await site.ok('post', '/api/transfers', { mediaIds: [m.id], destination: '株式会社セキュア廃棄 工場', method: 'hand_carry', escortPersonId: staff.id, witnesses: [site.signer(responsible)] }, 201);
    const noHolder = await site.call('post', `/api/transfers/${sent.id}/receipt`, { outcome: 'held', receivedByName: '工場 受付' });
    expect(noHolder.status).toBe(400);
    expect(noHolder.body.error.details.map((d: { code: string }) => d.code)).toContain('holder_required');
    const otherSigner = await site.call('post', `/api/transfers/${sent.id}/receipt`, { outcome: 'held', receivedByName: '工場 受付', holderPersonId: witness.id, signer: site.signer(staff) });
    expect(otherSigner.body.error.details.map((d: { code: string }) => d.code)).toContain('signer_not_holder');
    expect((await site.ok('get', `/api/media/${m.id}`, undefined, 200)).status).toBe('in_transit');
    await site.ok('post', `/api/transfers/${sent.id}/receipt`, { outcome: 'held', receivedByName: '工場 受付', holderPersonId: witness.id, signer: site.signer(witness) }, 201);
    expect(await site.ok('get', `/api/media/${m.id}`, undefined, 200)).toMatchObject({ status: 'checked_out', holder: { id: witness.id } });
  });
});

describe('copy approvals (E1.7)', () => {
  it('a copy needs an approval by the depositor; copies link to their source and never exceed the count', async () => {
    const src = await site.medium('SRC-1', { kind: 'hdd' });
    const depositorContact = await site.person('預託 部長', ['staff'], { orgId: site.depositorOrgId });
    const noApproval = await site.call('post', `/api/media/${src.id}/copies`, { copies: [{ label: 'SRC-1-C1', locationId: site.cabinetId }] });
    expect(noApproval.status).toBe(400);
    expect(noApproval.body.error.details.map((d: { field: string }) => d.field)).toContain('body.approvalId');
    const byContractor = await site.call('post', '/api/copy-approvals', { sourceMediumId: src.id, copies: 1, approvedByPersonId: responsible.id, documentRef: 'DOC-1', purpose: '分析' });
    expect(byContractor.status).toBe(400);
    expect(byContractor.body.error.details[0].code).toBe('approver_not_depositor');
    const approval = await site.ok('post', '/api/copy-approvals', { sourceMediumId: src.id, copies: 2, approvedByPersonId: depositorContact.id, documentRef: '複製許可書 2026-11-001', purpose: '並行分析' }, 201);
    const other = await site.medium('SRC-2');
    const wrongMedium = await site.call('post', `/api/media/${other.id}/copies`, { approvalId: approval.id, copies: [{ label: 'SRC-2-C1', locationId: site.cabinetId }] });
    expect(wrongMedium.status).toBe(409);
    expect(wrongMedium.body.error.code).toBe('approval_other_medium');
    const tooMany = await site.call('post', `/api/media/${src.id}/copies`, { approvalId: approval.id, copies: [1, 2, 3].map((i) => ({ label: `SRC-1-C${i}`, locationId: site.cabinetId })) });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.error.code).toBe('approval_exhausted');
    const made = await site.ok('post', `/api/media/${src.id}/copies`, { approvalId: approval.id, copies: [{ label: 'SRC-1-C1', locationId: site.cabinetId }, { label: 'SRC-1-C2', locationId: site.safeId }] }, 201);
    expect(made.items.map((m: { sourceMediumId: string; copyApprovalId: string; kind: string }) => [m.sourceMediumId, m.copyApprovalId, m.kind])).toEqual([
      [src.id, approval.id, 'hdd'],
      [src.id, approval.id, 'hdd'],
    ]);
    const used = await site.call('post', `/api/media/${src.id}/copies`, { approvalId: approval.id, copies: [{ label: 'SRC-1-C9', locationId: site.cabinetId }] });
    expect(used.body.error.code).toBe('approval_exhausted');
    const list = await site.ok('get', `/api/copy-approvals?sourceMediumId=${src.id}`, undefined, 200);
    expect(list.items[0]).toMatchObject({ copies: 2, used: 2, approvedByName: '預託 部長' });
    const chain = await site.ok('get', `/api/media/${made.items[0].id}/custody`, undefined, 200);
    expect(chain.steps[0]).toMatchObject({ action: 'copied', details: { sourceMediumId: src.id, copyApprovalId: approval.id } });
  });
});

describe('transmission approvals (E1.4–E1.5)', () => {
  it('are approved by the responsible person, with destination and encryption method', async () => {
    const byStaff = await site.call('post', '/api/transmission-approvals', { destination: 'sec@depositor.example.jp', encryptionMethod: 'S/MIME AES-256', approverPersonId: staff.id, purpose: '月次報告' });
    expect(byStaff.status).toBe(400);
    expect(byStaff.body.error.details[0].code).toBe('approver_not_responsible');
    const ok = await site.ok('post', '/api/transmission-approvals', { destination: 'sec@depositor.example.jp', encryptionMethod: 'S/MIME AES-256', approverPersonId: responsible.id, purpose: '月次報告' }, 201);
    expect(ok).toMatchObject({ approverName: '田中 責任', encryptionMethod: 'S/MIME AES-256' });
    expect((await site.ok('get', '/api/transmission-approvals', undefined, 200)).items).toHaveLength(1);
  });
});

describe('monthly inspection (E4.1)', () => {
  it('lists what is expected, records what was seen with the inspector\'s signature, and the discrepancies', async () => {
    const loc = await site.ok('post', '/api/locations', { name: '点検用キャビネット', kind: 'cabinet', roomId: site.roomId }, 201);
    const a = await site.medium('INS-A', { locationId: loc.id });
    const b = await site.medium('INS-B', { locationId: loc.id });
    const elsewhere = await site.medium('INS-X');
    const sheet = await site.ok('get', `/api/inspections/sheet?locationId=${loc.id}`, undefined, 200);
    expect(sheet.expected.map((m: { label: string }) => m.label)).toEqual(['INS-A', 'INS-B']);
    expect((await site.ok('get', '/api/inspections/due', undefined, 200)).items.map((l: { id: string }) => l.id)).toContain(loc.id);

    const wrongPin = await site.call('post', '/api/inspections', { locationId: loc.id, foundMediaIds: [a.id], inspector: site.signer(responsible, '0000') });
    expect(wrongPin.status).toBe(400);
    const done = await site.ok('post', '/api/inspections', { locationId: loc.id, foundMediaIds: [a.id, elsewhere.id], inspector: site.signer(responsible), note: '定期点検' }, 201);
    expect(done).toMatchObject({ expected: [a.id, b.id], missing: [b.id], unexpected: [elsewhere.id], inspectorName: '田中 責任' });
    expect(done.record.signatures[0]).toMatchObject({ meaning: 'inspected', meaningJa: '点検実施' });
    const chain = await site.ok('get', `/api/media/${b.id}/custody`, undefined, 200);
    expect(chain.steps.at(-1).action).toBe('inspection_missing');
    expect((await site.ok('get', '/api/inspections/due', undefined, 200)).items.map((l: { id: string }) => l.id)).not.toContain(loc.id);
    expect((await site.ok('get', `/api/inspections?month=${done.month}`, undefined, 200)).items).toHaveLength(1);

    // The inspector must be inside the room.
    await site.leave(witness);
    const outside = await site.call('post', '/api/inspections', { locationId: loc.id, foundMediaIds: [], inspector: site.signer(witness) });
    expect(outside.status).toBe(409);
    expect(outside.body.error.code).toBe('not_present');
  });

  it('the journal verifies', async () => {
    expect((await verifyJournal(s.ctx.db.knex, s.ctx.secrets.signing)).ok).toBe(true);
  });
});
