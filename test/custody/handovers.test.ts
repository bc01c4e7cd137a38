// Handovers (E1.3) and witness signatures: witnesses distinct from each other and from both
// parties, at least one responsible; badge + PIN at that moment (a wrong one: 400, nothing
// recorded); presence proven by the door log or, with `place`, said plainly not verified;
// receiving from the depositor creates the media in the same step; all-or-nothing; and a
// signature checked offline with only the public key and the printed record.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { verifyJournal } from '../../server/journal/verify.js';
import { verifySignatureOffline, type SignatureManifest } from '../../server/signatures/manifest.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

let s: TestServer;
let site: CustodySite;
let giver: SitePerson;
let receiver: SitePerson;
let responsible: SitePerson;
let witness: SitePerson;
let depositorPerson: SitePerson;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await custodySite(s);
  giver = await site.person('佐藤 花子', ['staff']);
  receiver = await site.person('鈴木 一郎', ['staff']);
  responsible = await site.person('田中 責任', ['responsible']);
  witness = await site.person('山本 立会', ['staff']);
  depositorPerson = await site.person('預託 担当', ['staff'], { orgId: site.depositorOrgId });
  for (const p of [giver, receiver, responsible, witness, depositorPerson]) await site.enter(p);
});
afterAll(async () => {
  await s?.close();
});

async function heldBy(p: SitePerson, label: string) {
  const m = await site.medium(label);
  await site.ok('post', `/api/media/${m.id}/checkout`, { personId: p.id, badge: p.badge, pin: p.pin }, 201);
  return m;
}

const handover = (body: Record<string, unknown>) => site.call('post', '/api/handovers', body);

describe('who may witness', () => {
  it('refuses a witness who is a party, a repeated witness, and no responsible witness (400, nothing recorded)', async () => {
    const m = await heldBy(giver, 'USB-H1');
    const base = { mediaIds: [m.id], fromPersonId: giver.id, toPersonId: receiver.id, roomId: site.roomId };
    const party = await handover({ ...base, witnesses: [site.signer(responsible), site.signer(receiver)] });
    expect(party.status).toBe(400);
    expect(party.body.error.details.map((d: { code: string }) => d.code)).toContain('witness_is_party');
    const repeated = await handover({ ...base, witnesses: [site.signer(responsible), site.signer(responsible)] });
    expect(repeated.body.error.details.map((d: { code: string }) => d.code)).toContain('witness_repeated');
    const noResponsible = await handover({ ...base, witnesses: [site.signer(witness)] });
    expect(noResponsible.status).toBe(400);
    expect(noResponsible.body.error.details.map((d: { code: string }) => d.code)).toEqual(['required_role_missing']);
    const both = await handover({ ...base, place: '応接室', witnesses: [site.signer(responsible)] });
    expect(both.body.error.details.map((d: { code: string }) => d.code)).toContain('room_or_place');
    const neither = await handover({ ...base, roomId: undefined, witnesses: [site.signer(responsible)] });
    expect(neither.status).toBe(400);
    expect((await site.ok('get', `/api/media/${m.id}`, undefined, 200)).holder.id).toBe(giver.id);
    expect((await site.ok('get', '/api/handovers', undefined, 200)).items).toHaveLength(0);
  });

  it('a wrong PIN of one witness: 400 naming that witness, nothing recorded', async () => {
    const m = await heldBy(giver, 'USB-H2');
    const res = await handover({ mediaIds: [m.id], fromPersonId: giver.id, toPersonId: receiver.id, roomId: site.roomId, witnesses: [site.signer(responsible), site.signer(witness, '9999')] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'signature_invalid', details: [{ field: 'body.witnesses.1.pin', code: 'wrong_pin' }] });
    expect((await site.ok('get', `/api/media/${m.id}`, undefined, 200)).holder.id).toBe(giver.id);
    expect(await s.ctx.db.knex('signatures').count<{ count: string }[]>('* as count').whereIn('record_id', s.ctx.db.knex('handovers').select('record_id'))).toEqual([{ count: '0' }]);
  });
});

describe('presence is proven, not claimed', () => {
  it('with roomId, everyone must be inside per the door log: 409 naming who is not', async () => {
    const m = await heldBy(giver, 'USB-H3');
    await site.leave(witness);
    const res = await handover({ mediaIds: [m.id], fromPersonId: giver.id, toPersonId: receiver.id, roomId: site.roomId, witnesses: [site.signer(responsible), site.signer(witness)] });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('not_present');
    expect(res.body.error.message).toContain('山本 立会');
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'body.witnesses.1', code: 'not_present' })]);
    await site.enter(witness);
  });

  it('with place, the record and its printout say presence was not verified by the door log', async () => {
    const m = await heldBy(giver, 'USB-H4');
    const res = await handover({ mediaIds: [m.id], fromPersonId: giver.id, toPersonId: receiver.id, place: '預託元本社 会議室', witnesses: [site.signer(responsible)] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ presenceVerified: false, place: '預託元本社 会議室', roomId: null });
    const receipt = await site.call('get', res.body.record.receiptUrl);
    expect(receipt.text).toContain('Presence was NOT verified by the door log');
    const record = await site.ok('get', `/api/records/${res.body.record.id}`, undefined, 200);
    expect(JSON.parse(record.content)).toMatchObject({ presenceVerified: false, place: '預託元本社 会議室' });
  });
});

describe('handovers', () => {
  it('internal: two witnesses sign; the medium passes to the receiver; offline verification of a signature', async () => {
    const m = await heldBy(giver, 'HDD-H5');
    const res = await handover({
      mediaIds: [m.id],
      fromPersonId: giver.id,
      toPersonId: receiver.id,
      roomId: site.roomId,
      witnesses: [site.signer(responsible), { ...site.signer(witness), drawnSignature: `data:image/png;base64,${Buffer.from('png-bytes').toString('base64')}` }],
      note: '案件A 分析用',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ direction: 'internal', presenceVerified: true, mediaIds: [m.id] });
    expect(res.body.record.signatures.map((x: { signerName: string; meaning: string }) => [x.signerName, x.meaning])).toEqual([
      ['田中 責任', 'witnessed handover'],
      ['山本 立会', 'witnessed handover'],
    ]);
    expect(res.body.record.signatures[1].hasDrawnImage).toBe(true);
    expect((await site.ok('get', `/api/media/${m.id}`, undefined, 200)).holder).toEqual({ id: receiver.id, name: '鈴木 一郎' });

    // Offline: only the public key and the printed record (the receipt page).
    const key = (await request(s.url).get('/api/signing-key').expect(200)).body.publicKeyPem as string;
    const page = (await site.call('get', res.body.record.receiptUrl)).text;
    const unescape = (x: string) => x.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const content = unescape(/<pre class="record-content">([\s\S]*?)<\/pre>/.exec(page)![1]!);
    const messages = [...page.matchAll(/<pre class="sig-message">([\s\S]*?)<\/pre>/g)].map((x) => unescape(x[1]!));
    const sigs = [...page.matchAll(/<code class="sig-value">([^<]+)<\/code>/g)].map((x) => x[1]!);
    expect(messages).toHaveLength(2);
    for (const [i, message] of messages.entries()) {
      const manifest = JSON.parse(message) as SignatureManifest;
      expect(manifest.recordHash).toBe(crypto.createHash('sha256').update(content, 'utf8').digest('hex'));
      expect(crypto.verify(null, Buffer.from(message, 'utf8'), crypto.createPublicKey(key), Buffer.from(sigs[i]!, 'base64'))).toBe(true);
      expect(verifySignatureOffline({ recordContent: content, manifest, signature: sigs[i]!, publicKeyPem: key })).toBe(true);
      // A changed record no longer matches; a signature moved to another record fails.
      expect(verifySignatureOffline({ recordContent: content.replace('案件A', '案件B'), manifest, signature: sigs[i]!, publicKeyPem: key })).toBe(false);
      expect(verifySignatureOffline({ recordContent: content, manifest: { ...manifest, meaning: 'received' }, signature: sigs[i]!, publicKeyPem: key })).toBe(false);
    }
    const parsed = JSON.parse(content);
    expect(parsed).toMatchObject({ kind: 'handover', note: '案件A 分析用', presenceVerified: true, to: { name: '鈴木 一郎' } });
  });

  it('the medium must be held by the giver, and all-or-nothing over several media', async () => {
    const held = await heldBy(giver, 'USB-H6');
    const stored = await site.medium('USB-H7');
    const res = await handover({ mediaIds: [held.id, stored.id], fromPersonId: giver.id, toPersonId: receiver.id, roomId: site.roomId, witnesses: [site.signer(responsible)] });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('medium_stored');
    expect((await site.ok('get', `/api/media/${held.id}`, undefined, 200)).holder.id).toBe(giver.id);
    const notHis = await handover({ mediaIds: [held.id], fromPersonId: receiver.id, toPersonId: giver.id, roomId: site.roomId, witnesses: [site.signer(responsible)] });
    expect(notHis.status).toBe(409);
    expect(notHis.body.error.code).toBe('not_holder');
  });

  it('receiving from the depositor creates the media records in the same step; returning them closes the loop', async () => {
    const res = await handover({
      fromPersonId: depositorPerson.id,
      toPersonId: receiver.id,
      roomId: site.roomId,
      witnesses: [site.signer(responsible), site.signer(witness)],
      newMedia: [
        { label: 'DEP-001', kind: 'paper', locationId: site.cabinetId, description: '顧客名簿 一式' },
        { label: 'DEP-002', kind: 'hdd', locationId: site.safeId, manufacturer: 'Seagate', model: 'ST2000', serialNo: 'ZA1234' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.direction).toBe('from_depositor');
    expect(res.body.mediaIds).toHaveLength(2);
    const dep1 = await site.ok('get', `/api/media/${res.body.mediaIds[0]}`, undefined, 200);
    expect(dep1).toMatchObject({ label: 'DEP-001', status: 'stored', depositorOrgId: site.depositorOrgId, locationId: site.cabinetId });
    const chain = await site.ok('get', `/api/media/${dep1.id}/custody`, undefined, 200);
    expect(chain.steps[0]).toMatchObject({ action: 'received_from_depositor', record: { kind: 'handover', presenceVerified: true } });
    expect(chain.steps[0].signatures).toHaveLength(2);

    // A label already used makes the whole handover fail: no half-registered media.
    const dup = await handover({ fromPersonId: depositorPerson.id, toPersonId: receiver.id, roomId: site.roomId, witnesses: [site.signer(responsible)], newMedia: [{ label: 'DEP-003', kind: 'usb', locationId: site.cabinetId }, { label: 'DEP-001', kind: 'usb', locationId: site.cabinetId }] });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details).toEqual([{ field: 'body.newMedia.1.label', code: 'label_taken', message: 'DEP-001' }]);
    expect((await site.ok('get', '/api/media?label=DEP-003', undefined, 200)).items).toHaveLength(0);

    // Back to the depositor: checked out, then handed over → returned_to_depositor.
    await site.ok('post', `/api/media/${dep1.id}/checkout`, { personId: receiver.id, badge: receiver.badge, pin: receiver.pin }, 201);
    const back = await handover({ mediaIds: [dep1.id], fromPersonId: receiver.id, toPersonId: depositorPerson.id, roomId: site.roomId, witnesses: [site.signer(responsible)] });
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect(back.body.direction).toBe('to_depositor');
    expect((await site.ok('get', `/api/media/${dep1.id}`, undefined, 200)).status).toBe('returned_to_depositor');
    const checkout = await site.call('post', `/api/media/${dep1.id}/checkout`, { personId: receiver.id, badge: receiver.badge, pin: receiver.pin });
    expect(checkout.status).toBe(409);
    expect(checkout.body.error.message).toContain('returned to the depositor');
  });

  it('new media only come from the depositor', async () => {
    const res = await handover({ fromPersonId: giver.id, toPersonId: receiver.id, roomId: site.roomId, witnesses: [site.signer(responsible)], newMedia: [{ label: 'X-1', kind: 'usb', locationId: site.cabinetId }] });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].code).toBe('new_media_only_from_depositor');
  });

  it('lists handovers and the journal verifies', async () => {
    const list = await site.ok('get', `/api/handovers?personId=${receiver.id}`, undefined, 200);
    expect(list.items.length).toBeGreaterThanOrEqual(3);
    expect((await verifyJournal(s.ctx.db.knex, s.ctx.secrets.signing)).ok).toBe(true);
  });
});
