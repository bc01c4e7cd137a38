// Destruction events (E7.1–E7.4, E8) and certificates (E2.14): every rule with its failing case,
// the concurrency cases (10 requests for one medium; 50 concurrent destructions numbered without
// gaps), printing with an authorised person present and reprints, lists / CSV / summary, and the
// public check — valid, not found, and "does not match" after the journal entry is tampered with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { verifyJournal } from '../../server/journal/verify.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

let s: TestServer;
let site: CustodySite;
let performer: SitePerson;
let responsible: SitePerson;
let authorized: SitePerson;
let staff: SitePerson;
let vendorId: string;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024, publicUrl: 'https://tachiai.example.jp' });
  site = await custodySite(s);
  performer = await site.person('廃棄 実施者', ['staff']);
  responsible = await site.person('田中 責任', ['responsible']);
  authorized = await site.person('木村 権限', ['authorized']);
  staff = await site.person('山本 担当', ['staff']);
  for (const p of [performer, responsible, authorized, staff]) await site.enter(p);
  vendorId = (await site.ok('post', '/api/orgs', { name: '株式会社セキュア廃棄', kind: 'disposal_vendor' }, 201)).id;
});
afterAll(async () => {
  await s?.close();
});

const destroy = (body: Record<string, unknown>) => site.call('post', '/api/destructions', body);
const shred = (mediaIds: string[], extra: Record<string, unknown> = {}) => ({
  mediaIds,
  method: 'shred',
  securityLevel: 'P-4',
  standard: 'DIN 66399',
  tool: 'HSM SECURIO P44i',
  performedById: performer.id,
  witnesses: [site.signer(responsible)],
  roomId: site.roomId,
  ...extra,
});
const codes = (res: request.Response) => (res.body.error?.details ?? []).map((d: { code: string }) => d.code);

describe('method rules (E7.1–E7.3)', () => {
  it('shred needs its DIN 66399 security level; a wipe needs tool, verification and Clear/Purge', async () => {
    const m = await site.medium('D-RULE-1', { kind: 'paper' });
    expect(codes(await destroy(shred([m.id], { securityLevel: undefined })))).toContain('security_level_required');
    expect(codes(await destroy(shred([m.id], { securityLevel: 'Q-9' })))).toContain('invalid_security_level');
    const wipe = await destroy({ mediaIds: [m.id], method: 'wipe', performedById: performer.id, witnesses: [site.signer(responsible)], roomId: site.roomId });
    expect(wipe.status).toBe(400);
    expect(codes(wipe)).toEqual(expect.arrayContaining(['tool_required', 'verification_required', 'category_required']));
    expect(codes(await destroy(shred([m.id], { category: 'purge' })))).toContain('category_mismatch');
    expect((await site.ok('get', `/api/media/${m.id}`, undefined, 200)).status).toBe('stored');
  });

  it('a wipe with NIST SP 800-88 Purge and verification; degaussing is recorded as Purge, never Destroy (Rev. 2)', async () => {
    const disk = await site.medium('D-SSD-1', { kind: 'ssd' });
    const wiped = await destroy({
      mediaIds: [disk.id],
      method: 'wipe',
      category: 'purge',
      standard: 'NIST SP 800-88 Rev. 2 Purge',
      tool: 'nwipe',
      toolVersion: '0.36',
      pattern: 'ATA Sanitize Block Erase',
      verified: true,
      verificationMethod: '全セクタ読み取り確認 full read-back',
      performedById: performer.id,
      witnesses: [site.signer(responsible)],
      roomId: site.roomId,
    });
    expect(wiped.status, JSON.stringify(wiped.body)).toBe(201);
    expect(wiped.body).toMatchObject({ method: 'wipe', category: 'purge', verified: true, tool: 'nwipe' });
    const tape = await site.medium('D-TAPE-1', { kind: 'tape' });
    const degaussed = await site.ok('post', '/api/destructions', { mediaIds: [tape.id], method: 'degauss', tool: 'Garner HD-3WXL', performedById: performer.id, witnesses: [site.signer(responsible)], roomId: site.roomId }, 201);
    expect(degaussed.category).toBe('purge');
    const cert = await site.call('get', degaussed.certificateUrl);
    expect(cert.text).toContain('degaussing alone is not accepted as Destroy');
  });
});

describe('vendor (E7.1, E8)', () => {
  it('a disposal vendor is accepted; a subcontractor only with the depositor\'s consent; other kinds never', async () => {
    const m = await site.medium('D-VEND-1', { kind: 'paper' });
    const sub = (await site.ok('post', '/api/orgs', { name: '再委託処理株式会社', kind: 'subcontractor' }, 201)).id;
    expect(codes(await destroy(shred([m.id], { vendorOrgId: sub })))).toContain('consent_missing');
    expect(codes(await destroy(shred([m.id], { vendorOrgId: site.depositorOrgId })))).toContain('not_a_vendor');
    await site.ok('post', `/api/orgs/${sub}/consents`, { depositorOrgId: site.depositorOrgId, grantedAt: new Date(Date.now() - 86_400_000).toISOString(), documentRef: '再委託承諾書 2026-07' }, 201);
    const ok = await destroy(shred([m.id], { vendorOrgId: sub, destinationAfter: '製紙原料として再生 recycled as pulp' }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const v = await destroy(shred([(await site.medium('D-VEND-2', { kind: 'paper' })).id], { vendorOrgId: vendorId }));
    expect(v.status).toBe(201);
    expect(v.body.vendorName).toBe('株式会社セキュア廃棄');
  });
});

describe('witnesses and presence (E7.4)', () => {
  it('needs a responsible or authorised witness, distinct from the performer; an authorised one alone is enough', async () => {
    const m = await site.medium('D-WIT-1', { kind: 'paper' });
    const staffOnly = await destroy(shred([m.id], { witnesses: [site.signer(staff)] }));
    expect(staffOnly.status).toBe(400);
    expect(codes(staffOnly)).toEqual(['required_role_missing']);
    const performerWitness = await destroy(shred([m.id], { witnesses: [site.signer(responsible), site.signer(performer)] }));
    expect(codes(performerWitness)).toContain('witness_is_party');
    const ok = await destroy(shred([m.id], { witnesses: [site.signer(authorized)] }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.record.signatures[0]).toMatchObject({ signerName: '木村 権限', meaning: 'witnessed destruction', meaningJa: '廃棄立会い' });
  });

  it('is recorded after it happened, by someone who has not left', async () => {
    const m = await site.medium('D-WHEN-1', { kind: 'paper' });
    const future = await destroy(shred([m.id], { performedAt: new Date(Date.now() + 3_600_000).toISOString() }));
    expect(future.status).toBe(400);
    expect(future.body.error.details[0].code).toBe('in_future');
    const gone = await site.person('退職 予定', ['staff']);
    await site.ok('post', `/api/people/${gone.id}/leave`, { reason: 'resigned' }, 200);
    expect(codes(await destroy(shred([m.id], { performedById: gone.id })))).toContain('person_left');
    expect((await site.ok('get', `/api/media/${m.id}`, undefined, 200)).status).toBe('stored');
  });

  it('a wrong PIN: 400, nothing recorded, no certificate number used', async () => {
    const m = await site.medium('D-PIN-1', { kind: 'paper' });
    const before = (await site.ok('get', '/api/destructions?limit=1', undefined, 200)).items[0]?.certificateNo;
    const res = await destroy(shred([m.id], { witnesses: [site.signer(responsible, '0000')] }));
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ field: 'body.witnesses.0.pin', code: 'wrong_pin' });
    expect((await site.ok('get', `/api/media/${m.id}`, undefined, 200)).status).toBe('stored');
    const next = await site.ok('post', '/api/destructions', shred([m.id]), 201);
    const seq = (no: string) => Number(no.split('-')[1]);
    if (before) expect(seq(next.certificateNo)).toBe(seq(before) + 1);
  });

  it('with roomId everyone is inside per the door log (409 naming who is not); with place the certificate says not verified', async () => {
    const m = await site.medium('D-PRES-1', { kind: 'hdd' });
    await site.leave(authorized);
    const res = await destroy(shred([m.id], { securityLevel: 'H-5', witnesses: [site.signer(responsible), site.signer(authorized)] }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('not_present');
    expect(res.body.error.message).toContain('木村 権限');
    await site.enter(authorized);
    const atVendor = await site.ok('post', '/api/destructions', shred([m.id], { method: 'physical', securityLevel: 'H-5', roomId: undefined, place: '株式会社セキュア廃棄 川崎工場', vendorOrgId: vendorId }), 201);
    expect(atVendor.presenceVerified).toBe(false);
    const cert = await site.call('get', atVendor.certificateUrl);
    expect(cert.text).toContain('Presence was NOT verified by the door log');
    expect(cert.text).toContain('株式会社セキュア廃棄 川崎工場');
  });
});

describe('methods and levels that fit the medium (NIST SP 800-88, DIN 66399)', () => {
  it('a method that does not sanitise a medium, or a level of another material class: 400 naming the medium, nothing recorded', async () => {
    const usb = await site.medium('D-FIT-USB', { kind: 'usb' });
    const degauss = await destroy({ mediaIds: [usb.id], method: 'degauss', tool: 'Garner HD-3WXL', performedById: performer.id, witnesses: [site.signer(responsible)], roomId: site.roomId });
    expect(degauss.status).toBe(400);
    expect(degauss.body.error.details).toEqual([expect.objectContaining({ field: 'body.mediaIds.0', code: 'method_unfit', message: expect.stringContaining('D-FIT-USB') })]);
    const paperLevel = await destroy(shred([usb.id], { securityLevel: 'P-4' }));
    expect(paperLevel.status).toBe(400);
    expect(paperLevel.body.error.details).toEqual([expect.objectContaining({ field: 'body.securityLevel', code: 'level_unfit', message: expect.stringContaining('D-FIT-USB') })]);
    const physicalWithout = await destroy(shred([usb.id], { method: 'physical', securityLevel: undefined }));
    expect(codes(physicalWithout)).toContain('security_level_required');
    expect((await site.ok('get', `/api/media/${usb.id}`, undefined, 200)).status).toBe('stored');
  });

  it('a USB stick and a hard disk in one destruction, each with its own level; the certificate prints each medium\'s class and level', async () => {
    const usb = await site.medium('D-MIX-USB', { kind: 'usb' });
    const hdd = await site.medium('D-MIX-HDD', { kind: 'hdd' });
    const oneLevel = await destroy(shred([usb.id, hdd.id], { method: 'physical', securityLevel: 'E-3' }));
    expect(oneLevel.status).toBe(400);
    expect(oneLevel.body.error.details[0].message).toContain('D-MIX-HDD');
    const stray = await destroy(shred([usb.id, hdd.id], { method: 'physical', securityLevel: undefined, levels: [{ mediumId: usb.id, securityLevel: 'E-3' }, { mediumId: hdd.id, securityLevel: 'H-5' }, { mediumId: performer.id, securityLevel: 'E-3' }] }));
    expect(stray.status).toBe(400);
    expect(stray.body.error.details).toEqual([expect.objectContaining({ field: 'body.levels.2.mediumId', code: 'unknown_medium' })]);
    const d = await site.ok('post', '/api/destructions', shred([usb.id, hdd.id], { method: 'physical', securityLevel: undefined, levels: [{ mediumId: usb.id, securityLevel: 'E-3' }, { mediumId: hdd.id, securityLevel: 'H-5' }] }), 201);
    expect(d.media).toEqual([expect.objectContaining({ label: 'D-MIX-USB', securityLevel: 'E-3' }), expect.objectContaining({ label: 'D-MIX-HDD', securityLevel: 'H-5' })]);
    const cert = (await site.call('get', d.certificateUrl)).text;
    expect(cert).toMatch(/D-MIX-USB[\s\S]*?<td class="level">E-3<\/td>/);
    expect(cert).toMatch(/D-MIX-HDD[\s\S]*?<td class="level">H-5<\/td>/);
    expect(cert).toContain('per medium');
  });
});

describe('statuses', () => {
  it('only stored or checked-out media; destroyed and in-transit media: 409 and nothing recorded; all-or-nothing', async () => {
    const held = await site.medium('D-ST-1', { kind: 'paper' });
    await site.ok('post', `/api/media/${held.id}/checkout`, { personId: staff.id, badge: staff.badge, pin: staff.pin }, 201);
    const away = await site.medium('D-ST-2', { kind: 'paper' });
    await site.ok('post', '/api/transfers', { mediaIds: [away.id], destination: '預託元', method: 'hand_carry', escortPersonId: staff.id, witnesses: [site.signer(responsible)] }, 201);
    const inTransit = await destroy(shred([held.id, away.id]));
    expect(inTransit.status).toBe(409);
    expect(inTransit.body.error.code).toBe('medium_in_transit');
    expect((await site.ok('get', `/api/media/${held.id}`, undefined, 200)).status).toBe('checked_out');
    const done = await site.ok('post', '/api/destructions', shred([held.id]), 201);
    expect((await site.ok('get', `/api/media/${held.id}`, undefined, 200)).status).toBe('destroyed');
    const again = await destroy(shred([held.id]));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('medium_destroyed');
    // A destroyed medium never changes again.
    expect((await site.call('post', `/api/media/${held.id}/checkin`, { locationId: site.cabinetId, badge: staff.badge, pin: staff.pin })).status).toBe(409);
    const chain = await site.ok('get', `/api/media/${held.id}/custody`, undefined, 200);
    expect(chain.steps.at(-1)).toMatchObject({ action: 'destroy', toStatus: 'destroyed', details: { certificateNo: done.certificateNo } });
  });

  it('10 concurrent requests for one medium: exactly one 201, nine 409', async () => {
    const m = await site.medium('D-RACE-1', { kind: 'paper' });
    const results = await Promise.all(Array.from({ length: 10 }, () => destroy(shred([m.id]))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('medium_destroyed');
  });

  it('50 concurrent destructions get certificate numbers without gaps', async () => {
    const media = [];
    for (let i = 0; i < 50; i += 1) media.push(await site.medium(`D-GAP-${String(i).padStart(2, '0')}`, { kind: 'paper' }));
    const before = await s.ctx.db.knex('destructions').pluck('certificate_no');
    const results = await Promise.all(media.map((m) => destroy(shred([m.id]))));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const all = (await s.ctx.db.knex('destructions').pluck('certificate_no')) as string[];
    const year = String(new Date(Date.now() + 9 * 3600_000).getUTCFullYear());
    expect(all.every((no) => no.startsWith(`${year}-`))).toBe(true);
    const seqs = all.map((no) => Number(no.split('-')[1])).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(all.length).toBe(before.length + 50);
    expect(new Set(results.map((r) => r.body.certificateNo)).size).toBe(50);
  });
});

describe('printing the certificate (E2.14)', () => {
  it('records who printed it and the authorised person present; later prints say Reprint with their number', async () => {
    const m = await site.medium('D-PRINT-1', { kind: 'hdd' });
    const d = await site.ok('post', '/api/destructions', shred([m.id], { method: 'physical', securityLevel: 'H-4' }), 201);
    const preview = await site.call('get', d.certificateUrl);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('プレビュー（未発行）');
    const notAuthorised = await site.call('post', `/api/destructions/${d.id}/prints`, { present: site.signer(staff) });
    expect(notAuthorised.status).toBe(400);
    expect(notAuthorised.body.error.details[0].code).toBe('not_authorized');
    const wrongPin = await site.call('post', `/api/destructions/${d.id}/prints`, { present: site.signer(authorized, '0000') });
    expect(wrongPin.status).toBe(400);
    const first = await site.ok('post', `/api/destructions/${d.id}/prints`, { present: site.signer(authorized) }, 201);
    expect(first).toMatchObject({ printNo: 1, reprint: false });
    const original = await site.call('get', first.certificateUrl);
    expect(original.text).not.toContain('再発行 / Reprint');
    expect(original.text).toContain('立会い権限者 authorised person present: 木村 権限');
    const second = await site.ok('post', `/api/destructions/${d.id}/prints`, { present: site.signer(responsible) }, 201);
    expect(second).toMatchObject({ printNo: 2, reprint: true });
    const reprint = await site.call('get', second.certificateUrl);
    expect(reprint.text).toContain('再発行 / Reprint No. 2');
    expect((await site.call('get', `${d.certificateUrl}?print=9`)).status).toBe(404);
    // The preview does not print; a recorded print opens only for who recorded it.
    expect(preview.text).toContain('class="a4 certificate preview"');
    expect(preview.text).toContain('A preview does not print');
    const other = await s.createUser({ roles: ['responsible'] });
    const closed = await site.call('get', second.certificateUrl, undefined, await s.login(other));
    expect(closed.status).toBe(409);
    expect(closed.body.error.code).toBe('print_closed');
    const journal = await s.ctx.db.knex('journal_entries').where({ action: 'destructions.certificate_printed', subject: `destruction:${d.id}` }).count<{ count: string }[]>('* as count');
    expect(Number(journal[0]!.count)).toBe(2);
  });

  it('the certificate carries every field of a sanitization certificate', async () => {
    const m = await site.ok('post', '/api/media', { label: 'D-CERT-HDD', kind: 'hdd', depositorOrgId: site.depositorOrgId, locationId: site.cabinetId, manufacturer: 'Seagate', model: 'ST4000NM000A', serialNo: 'ZC1A2B3C' }, 201);
    const d = await site.ok('post', '/api/destructions', shred([m.id], {
      method: 'physical',
      securityLevel: 'H-5',
      technique: '穿孔後破砕 drilled then crushed',
      tool: 'HDD Punch PD-5',
      toolVersion: 'rev.3',
      verificationMethod: '目視確認 visual inspection',
      verified: true,
      destinationAfter: '金属リサイクル業者 metal recycler',
      vendorOrgId: vendorId,
      performerTitle: '情報管理課 主任',
      performerContact: '03-1234-5678',
      witnesses: [site.signer(responsible), site.signer(authorized)],
      mediaDetails: [{ mediumId: m.id, backedUp: true, backupLocation: '預託元にて保管 kept by the depositor' }],
    }), 201);
    const t = (await site.call('get', d.certificateUrl)).text;
    for (const expected of [
      '廃棄証明書',
      'Certificate of Destruction',
      d.certificateNo,
      '廃棄 実施者',
      '情報管理課 主任',
      '03-1234-5678',
      '第1処理室',
      'D-CERT-HDD',
      'Seagate ST4000NM000A',
      'ZC1A2B3C',
      '原本 Original',
      '極秘 Top secret',
      '預託元にて保管 kept by the depositor',
      '破壊 / Destroy',
      '穿孔後破砕 drilled then crushed',
      'DIN 66399 / ISO/IEC 21964 H-5',
      'HDD Punch PD-5 (rev.3)',
      '目視確認 visual inspection',
      '検証済み Verified',
      '金属リサイクル業者 metal recycler',
      '株式会社セキュア廃棄',
      '田中 責任',
      '木村 権限',
      'witnessed destruction',
      '株式会社預託元',
      d.record.contentHash,
      `https://tachiai.example.jp/verify/${d.certificateNo}?c=`,
      '<svg',
      '発行 Issued by:', // the site's name (SITE_NAME_JA / SITE_NAME_EN)
    ]) {
      expect(t, expected).toContain(expected);
    }
    expect(t).not.toMatch(/<script/i);
  });
});

describe('GET /api/destructions/rules: what the form may offer', () => {
  it('is the matrix the server enforces (one source for the form and the check)', async () => {
    const { METHOD_FITS, MATERIAL_CLASS, LEVEL_REQUIRED } = await import('../../server/destructions/rules.js');
    const rules = await site.ok('get', '/api/destructions/rules', undefined, 200);
    expect(rules).toEqual({ methodFits: METHOD_FITS, materialClass: MATERIAL_CLASS, levelRequired: [...LEVEL_REQUIRED], levels: [1, 2, 3, 4, 5, 6, 7] });
    expect(rules.methodFits.degauss.usb).toBe(false);
    expect(rules.materialClass.hdd).toBe('H');
  });
});

describe('lists, CSV and the depositor summary', () => {
  it('filters by method, depositor and period; CSV has one row per medium with a BOM', async () => {
    const wipes = await site.ok('get', '/api/destructions?method=wipe', undefined, 200);
    expect(wipes.items.length).toBeGreaterThanOrEqual(1);
    expect(wipes.items.every((d: { method: string }) => d.method === 'wipe')).toBe(true);
    expect(wipes.items.at(-1).media).toEqual([expect.objectContaining({ label: 'D-SSD-1', kind: 'ssd' })]);
    const otherDepositor = (await site.ok('post', '/api/orgs', { name: '別預託株式会社', kind: 'depositor' }, 201)).id;
    expect((await site.ok('get', `/api/destructions?depositorOrgId=${otherDepositor}`, undefined, 200)).items).toEqual([]);
    const future = encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString());
    expect((await site.ok('get', `/api/destructions?from=${future}`, undefined, 200)).items).toEqual([]);
    const page = await site.ok('get', '/api/destructions?limit=2', undefined, 200);
    const page2 = await site.ok('get', `/api/destructions?limit=2&cursor=${page.nextCursor}`, undefined, 200);
    expect(page2.items[0].id).not.toBe(page.items[1].id);
    const csv = await site.call('get', `/api/destructions?format=csv&lang=ja&depositorOrgId=${site.depositorOrgId}`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toContain('証明書番号');
    expect(lines.some((l) => l.includes('D-CERT-HDD') && l.includes('ZC1A2B3C'))).toBe(true);
    // Issue 14: lang=ja gives the words of the values; without lang, the codes.
    expect(lines[0]!.replace(/^\uFEFF/, '').split(',').slice(0, 3)).toEqual(['証明書番号', '日時', '日時（UTC）']);
    expect(lines.find((l) => l.includes('D-SSD-1'))).toContain(',SSD,,,,データ消去（上書き等）,パージ,');
    const codes = (await site.call('get', `/api/destructions?format=csv&depositorOrgId=${site.depositorOrgId}`)).text.trim().split('\r\n');
    expect(codes[0]!.replace(/^\uFEFF/, '').split(',').slice(0, 3)).toEqual(['certificate_no', 'Time', 'Time (UTC)']);
    expect(codes.find((l) => l.includes('D-SSD-1'))).toMatch(/,D-SSD-1,ssd,,,,wipe,purge,.*,true,/);
    // Each medium's own level (a USB stick E-3 and a hard disk H-5 in one destruction).
    expect(codes.find((l) => l.includes('D-MIX-USB'))).toContain(',E-3,');
    expect(codes.find((l) => l.includes('D-MIX-HDD'))).toContain(',H-5,');
  });

  it('a depositor-facing summary of a period', async () => {
    const from = encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString());
    const to = encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString());
    const res = await site.call('get', `/api/destructions/summary?depositorOrgId=${site.depositorOrgId}&from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('株式会社預託元 御中');
    expect(res.text).toContain('D-GAP-00');
    expect((await site.call('get', `/api/destructions/summary?depositorOrgId=${site.depositorOrgId}&from=${to}&to=${from}`)).status).toBe(400);
  });
});

/** The check code printed on a certificate (in words under the QR code). */
async function checkCodeOf(certificateUrl: string): Promise<string> {
  const page = (await site.call('get', certificateUrl)).text;
  return /class="check-code">([A-Za-z0-9_-]{22})</.exec(page)![1]!;
}

describe('the public check (GET /verify/:certificateNo)', () => {
  it('review finding 4: without the check code it says only that the certificate exists and is intact, and its date', async () => {
    const m = await site.medium('D-PUB-1', { kind: 'usb' });
    const d = await site.ok('post', '/api/destructions', shred([m.id], { method: 'physical', securityLevel: 'E-4' }), 201);
    const bare = await request(s.url).get(`/verify/${d.certificateNo}`);
    expect(bare.status).toBe(200);
    expect(bare.text).toContain('data-status="valid"');
    for (const secret of ['D-PUB-1', '株式会社預託元', '田中 責任', '廃棄 実施者', d.record.contentHash, m.id, performer.badge]) expect(bare.text, secret).not.toContain(secret);
    expect(bare.headers['cache-control']).toBe('public, max-age=60');
    const json = (await request(s.url).get(`/verify/${d.certificateNo}?format=json`)).body;
    expect(json).toEqual({ certificateNo: d.certificateNo, status: 'valid', performedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), detailed: false });
    // the page writes the day the one way (issue 14): 2026/12/06（日）
    expect(bare.text).toMatch(new RegExp(`<dd>${json.performedOn.replaceAll('-', '/')}（[日月火水木金土]）</dd>`));
    expect((await request(s.url).get('/verify/2099-000001?format=json')).body).toEqual({ certificateNo: '2099-000001', status: 'not_found', performedOn: null, detailed: false });
    const missing = await request(s.url).get('/verify/2099-000001');
    expect(missing.status).toBe(200);
    expect(missing.text).toContain('data-status="not_found"');
    expect((await request(s.url).get('/verify/%3Cscript%3E')).text).toContain('data-status="not_found"');
    // a wrong code shows nothing more
    const wrong = await request(s.url).get(`/verify/${d.certificateNo}?c=${'A'.repeat(22)}`);
    expect(wrong.text).not.toContain('D-PUB-1');
    expect(wrong.text).toContain('does not match');
  });

  it('with the check code printed in the QR code it shows the certificate as signed; the code is stored hashed only', async () => {
    const m = await site.medium('D-PUB-2', { kind: 'paper' });
    const d = await site.ok('post', '/api/destructions', shred([m.id]), 201);
    const code = await checkCodeOf(d.certificateUrl);
    expect(code).toHaveLength(22); // 128 bits
    const res = await request(s.url).get(`/verify/${d.certificateNo}?c=${code}`);
    expect(res.text).toContain('data-status="valid"');
    for (const fact of ['D-PUB-2', '株式会社預託元', '田中 責任', d.record.contentHash]) expect(res.text, fact).toContain(fact);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect((await request(s.url).get(`/verify/${d.certificateNo}?c=${code}&format=json`)).body.detailed).toBe(true);
    const row = await s.ctx.db.knex('destructions').where({ id: d.id }).first();
    expect(row.check_code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(code);
    // the access log records the path only, never the code
    await new Promise((r) => setTimeout(r, 150));
    const logged = (await s.ctx.db.knex('access_log').where('path', 'like', '/verify/%').pluck('path')) as string[];
    expect(logged.join(' ')).not.toContain(code);
  });

  it('says it does not match when the destruction\'s journal entry has been tampered with', async () => {
    const m = await site.medium('D-TAMPER-1', { kind: 'usb' });
    const d = await site.ok('post', '/api/destructions', shred([m.id], { method: 'physical', securityLevel: 'E-3' }), 201);
    const code = await checkCodeOf(d.certificateUrl);
    expect((await request(s.url).get(`/verify/${d.certificateNo}`)).status).toBe(200);
    await s.ctx.db.knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      const entry = await trx('journal_entries').where({ action: 'destructions.recorded', subject: `destruction:${d.id}` }).first();
      const payload = JSON.parse(entry.payload);
      payload.method = 'shred';
      await trx('journal_entries').where({ chain: entry.chain, seq: entry.seq }).update({ payload: JSON.stringify(payload) });
    });
    const res = await request(s.url).get(`/verify/${d.certificateNo}?c=${code}`);
    expect(res.status).toBe(200);
    expect((await request(s.url).get(`/verify/${d.certificateNo}?format=json`)).body).toMatchObject({ certificateNo: d.certificateNo, status: 'mismatch', detailed: false });
    expect(res.text).toContain('data-status="mismatch"');
    expect(res.text).toContain('does NOT match');
    expect(res.text).not.toContain('D-TAMPER-1');
    expect((await verifyJournal(s.ctx.db.knex, s.ctx.secrets.signing)).ok).toBe(false);
  });
});
