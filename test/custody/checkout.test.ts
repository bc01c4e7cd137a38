// Storage, media and checkout / check-in (E1.2, E6.5): statuses and their allowed moves, the
// holder's badge + PIN signature, presence per the door log, one signature and one receipt for
// several media, 20 concurrent checkouts of one medium, the clean-desk flag at the door, the
// after-hours alert, labels with a QR code, and the chain of custody.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyJournal } from '../../server/journal/verify.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';

let s: TestServer;
let site: CustodySite;
let holder: SitePerson;
let other: SitePerson;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await custodySite(s);
  holder = await site.person('佐藤 花子', ['staff']);
  other = await site.person('鈴木 一郎', ['staff']);
  await site.enter(holder);
});
afterAll(async () => {
  await s?.close();
});

describe('media and locations', () => {
  it('registers a medium as stored in its location, with a code for its QR label', async () => {
    const m = await site.medium('USB-0001');
    expect(m).toMatchObject({ label: 'USB-0001', status: 'stored', locationId: site.cabinetId, roomId: site.roomId, classification: 'top_secret', code: `tm1_${m.id}`, holder: null });
    const again = await site.call('post', '/api/media', { label: 'USB-0001', kind: 'usb', depositorOrgId: site.depositorOrgId, locationId: site.cabinetId });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('label_taken');
    const notDepositor = await site.call('post', '/api/media', { label: 'USB-X', kind: 'usb', depositorOrgId: site.contractorOrgId, locationId: site.cabinetId });
    expect(notDepositor.status).toBe(400);
    expect(notDepositor.body.error.details[0].code).toBe('not_a_depositor');
    const badKind = await site.call('post', '/api/media', { label: 'USB-Y', kind: 'floppy', depositorOrgId: site.depositorOrgId, locationId: site.cabinetId });
    expect(badKind.status).toBe(400);
    const locations = await site.ok('get', `/api/locations?roomId=${site.roomId}`, undefined, 200);
    expect(locations.items.find((l: { id: string }) => l.id === site.cabinetId).storedCount).toBeGreaterThanOrEqual(1);
  });

  it('finds media by exact label and by status, newest first with a cursor', async () => {
    await site.medium('PAPER-01', { kind: 'paper' });
    await site.medium('PAPER-02', { kind: 'paper' });
    const byLabel = await site.ok('get', '/api/media?label=PAPER-01', undefined, 200);
    expect(byLabel.items.map((m: { label: string }) => m.label)).toEqual(['PAPER-01']);
    // Typed at the desk in any case.
    expect((await site.ok('get', '/api/media?label=paper-01', undefined, 200)).items.map((m: { label: string }) => m.label)).toEqual(['PAPER-01']);
    const page1 = await site.ok('get', '/api/media?limit=1', undefined, 200);
    expect(page1.nextCursor).toBeTruthy();
    const page2 = await site.ok('get', `/api/media?limit=1&cursor=${page1.nextCursor}`, undefined, 200);
    expect(page2.items[0].id).not.toBe(page1.items[0].id);
    expect((await site.call('get', '/api/media?cursor=garbage')).status).toBe(400);
  });
});

describe('checkout and check-in', () => {
  it('checks out only to a person inside the room, signed with their badge and PIN', async () => {
    const m = await site.medium('HDD-0100', { kind: 'hdd' });
    // Not inside the room per the door log: refused, naming who.
    const outside = await site.call('post', `/api/media/${m.id}/checkout`, { personId: other.id, badge: other.badge, pin: other.pin });
    expect(outside.status).toBe(409);
    expect(outside.body.error.code).toBe('not_present');
    expect(outside.body.error.message).toContain('鈴木 一郎');
    // Somebody else's badge for this person: 400, and that badge's PIN counter is untouched.
    const wrongBadge = await site.call('post', `/api/media/${m.id}/checkout`, { personId: holder.id, badge: other.badge, pin: other.pin });
    expect(wrongBadge.status).toBe(400);
    expect(wrongBadge.body.error.details[0].code).toBe('badge_not_of_person');
    const wrongPin = await site.call('post', `/api/media/${m.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: '0000' });
    expect(wrongPin.status).toBe(400);
    expect(wrongPin.body.error).toMatchObject({ code: 'signature_invalid', details: [{ field: 'body.pin', code: 'wrong_pin' }] });
    expect((await site.ok('get', `/api/media/${m.id}`, undefined, 200)).status).toBe('stored');

    const done = await site.ok('post', `/api/media/${m.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
    expect(done.record.kind).toBe('checkout');
    expect(done.record.signatures).toHaveLength(1);
    expect(done.record.signatures[0]).toMatchObject({ signerName: '佐藤 花子', meaning: 'received', meaningJa: '受領' });
    const after = await site.ok('get', `/api/media/${m.id}`, undefined, 200);
    expect(after).toMatchObject({ status: 'checked_out', holder: { id: holder.id, name: '佐藤 花子' }, locationId: null });

    // A forbidden move is a 409 naming the current status.
    const twice = await site.call('post', `/api/media/${m.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('medium_checked_out');
    expect(twice.body.error.message).toContain('checked out');
  });

  it('checks in only into a location of the medium\'s room, by the holder, who signs `returned`', async () => {
    const m = await site.medium('HDD-0200', { kind: 'hdd' });
    await site.ok('post', `/api/media/${m.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
    const wrongRoom = await site.call('post', `/api/media/${m.id}/checkin`, { locationId: site.otherRoomCabinetId, badge: holder.badge, pin: holder.pin });
    expect(wrongRoom.status).toBe(409);
    expect(wrongRoom.body.error.code).toBe('wrong_room');
    await site.enter(other);
    const notHolder = await site.call('post', `/api/media/${m.id}/checkin`, { locationId: site.safeId, badge: other.badge, pin: other.pin });
    expect(notHolder.status).toBe(409);
    expect(notHolder.body.error.code).toBe('not_holder');
    await site.leave(other);
    const back = await site.ok('post', `/api/media/${m.id}/checkin`, { locationId: site.safeId, badge: holder.badge, pin: holder.pin }, 201);
    expect(back.record.signatures[0]).toMatchObject({ meaning: 'returned', signerName: '佐藤 花子' });
    expect(await site.ok('get', `/api/media/${m.id}`, undefined, 200)).toMatchObject({ status: 'stored', locationId: site.safeId, holder: null });
    const again = await site.call('post', `/api/media/${m.id}/checkin`, { locationId: site.safeId, badge: holder.badge, pin: holder.pin });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('medium_stored');
  });

  it('several media scanned in one go share one signature and one receipt; all or nothing', async () => {
    const a = await site.medium('TAPE-01', { kind: 'tape' });
    const b = await site.medium('TAPE-02', { kind: 'tape' });
    const c = await site.medium('TAPE-03', { kind: 'tape' });
    await site.ok('post', `/api/media/${c.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
    // One of them is already out: nothing happens to the others.
    const mixed = await site.call('post', '/api/custody/checkouts', { mediaIds: [a.id, b.id, c.id], personId: holder.id, badge: holder.badge, pin: holder.pin });
    expect(mixed.status).toBe(409);
    expect((await site.ok('get', `/api/media/${a.id}`, undefined, 200)).status).toBe('stored');
    expect((await site.ok('get', `/api/media/${b.id}`, undefined, 200)).status).toBe('stored');

    const out = await site.ok('post', '/api/custody/checkouts', { mediaIds: [a.id, b.id], personId: holder.id, badge: holder.badge, pin: holder.pin }, 201);
    expect(out.mediaIds).toEqual([a.id, b.id]);
    expect(out.record.signatures).toHaveLength(1);
    const chainA = await site.ok('get', `/api/media/${a.id}/custody`, undefined, 200);
    const chainB = await site.ok('get', `/api/media/${b.id}/custody`, undefined, 200);
    expect(chainA.steps.at(-1).record.id).toBe(out.recordId);
    expect(chainB.steps.at(-1).record.id).toBe(out.recordId);
    const receipt = await site.call('get', out.record.receiptUrl);
    expect(receipt.status).toBe(200);
    expect(receipt.text).toContain('TAPE-01');
    expect(receipt.text).toContain('TAPE-02');
    expect(receipt.text).toContain('持出し受領書');
    expect(receipt.text).toContain('在室確認済み');

    const back = await site.ok('post', '/api/custody/checkins', { mediaIds: [a.id, b.id, c.id], locationId: site.cabinetId, badge: holder.badge, pin: holder.pin }, 201);
    expect(back.record.signatures).toHaveLength(1);
    const duplicate = await site.call('post', '/api/custody/checkouts', { mediaIds: [a.id, a.id], personId: holder.id, badge: holder.badge, pin: holder.pin });
    expect(duplicate.status).toBe(400);
    // One checkout covers one room (one presence check, one receipt).
    const elsewhere = await site.medium('TAPE-OTHER', { kind: 'tape', locationId: site.otherRoomCabinetId });
    const twoRooms = await site.call('post', '/api/custody/checkouts', { mediaIds: [a.id, elsewhere.id], personId: holder.id, badge: holder.badge, pin: holder.pin });
    expect(twoRooms.status).toBe(400);
    expect(twoRooms.body.error.details[0].code).toBe('different_rooms');
    expect((await site.ok('get', `/api/media/${a.id}`, undefined, 200)).status).toBe('stored');
  });

  it('20 concurrent checkouts of one medium: exactly one succeeds, the others are told it is checked out', async () => {
    const m = await site.medium('USB-RACE');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => site.call('post', `/api/media/${m.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 201)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(19);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('medium_checked_out');
    const chain = await site.ok('get', `/api/media/${m.id}/custody`, undefined, 200);
    expect(chain.steps.map((st: { action: string }) => st.action)).toEqual(['registered', 'checkout']);
  });

  it('a wrong PIN counts toward the lockout: after 5, even the right PIN is refused with 423', async () => {
    const p = await site.person('高橋 健', ['staff']);
    await site.enter(p);
    const m = await site.medium('USB-LOCK');
    for (let i = 0; i < 5; i += 1) {
      const r = await site.call('post', `/api/media/${m.id}/checkout`, { personId: p.id, badge: p.badge, pin: '1111' });
      expect(r.status).toBe(400);
    }
    const locked = await site.call('post', `/api/media/${m.id}/checkout`, { personId: p.id, badge: p.badge, pin: p.pin });
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe('pin_locked');
    expect(locked.headers['retry-after']).toBeTruthy();
    expect((await site.ok('get', `/api/media/${m.id}`, undefined, 200)).status).toBe('stored');
  });

  it('only custody roles check out; an auditor reads but cannot', async () => {
    const auditor = await s.createUser({ roles: ['auditor'] });
    const t = await s.login(auditor);
    const m = await site.medium('USB-AUD');
    expect((await site.call('post', `/api/media/${m.id}/checkout`, { personId: holder.id, badge: holder.badge, pin: holder.pin }, t)).status).toBe(403);
    expect((await site.call('get', `/api/media/${m.id}`, undefined, t)).status).toBe(200);
    const guard = await s.createUser({ roles: ['guard'] });
    expect((await site.call('get', `/api/media/${m.id}`, undefined, await s.login(guard))).status).toBe(403);
  });
});

describe('clean desk and occupancy (E6.5)', () => {
  it('leaving while holding media is allowed but flagged; occupancy lists the media held', async () => {
    const p = await site.person('伊藤 誠', ['staff']);
    await site.enter(p);
    const m = await site.medium('PAPER-DESK', { kind: 'paper' });
    await site.ok('post', `/api/media/${m.id}/checkout`, { personId: p.id, badge: p.badge, pin: p.pin }, 201);
    const occ = await site.ok('get', `/api/rooms/${site.roomId}/occupancy`, undefined, 200);
    expect(occ.occupants.find((o: { personId: string }) => o.personId === p.id).heldMedia).toEqual([{ id: m.id, label: 'PAPER-DESK' }]);
    const out = await site.leave(p);
    expect(out.flags).toContain('holding_media');
    const entries = await site.ok('get', `/api/entries?personId=${p.id}`, undefined, 200);
    expect(entries.items[0].flags).toContain('holding_media');
    // Without media: no flag.
    await site.enter(other);
    expect((await site.leave(other)).flags).not.toContain('holding_media');
  });
});

describe('after-hours alerts (E1.2)', () => {
  it('lists every medium still checked out after its room\'s hours, once per medium per day, journaled', async () => {
    const room = await site.ok('post', '/api/rooms', { name: '夜間閉鎖室', kind: 'secure' }, 201);
    const cab = await site.ok('post', '/api/locations', { name: '夜間キャビネット', kind: 'cabinet', roomId: room.id }, 201);
    const p = await site.person('渡辺 真', ['staff'], { rooms: [room.id] });
    await site.enter(p, room.id);
    const m = await site.medium('USB-NIGHT', { locationId: cab.id });
    const kept = await site.medium('USB-KEPT', { locationId: cab.id });
    await site.ok('post', `/api/media/${m.id}/checkout`, { personId: p.id, badge: p.badge, pin: p.pin }, 201);
    expect((await site.ok('get', '/api/custody/alerts', undefined, 200)).items.filter((a: { mediumId: string }) => a.mediumId === m.id)).toHaveLength(0);
    // The room's hours end: every day, the minute that has just passed (so now is after hours).
    await site.call('patch', `/api/rooms/${room.id}`, { hours: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '00:01' } });
    const now = new Date();
    const tokyo = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
    if (tokyo === '00:00') return; // within the one open minute: nothing to assert this minute
    const first = await site.ok('get', '/api/custody/alerts', undefined, 200);
    const mine = first.items.filter((a: { mediumId: string }) => a.mediumId === m.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ label: 'USB-NIGHT', roomId: room.id, holder: { id: p.id } });
    expect(first.items.some((a: { mediumId: string }) => a.mediumId === kept.id)).toBe(false);
    await site.ok('get', '/api/custody/alerts', undefined, 200);
    const journal = await s.ctx.db.knex('journal_entries').where({ action: 'custody.after_hours_alert', subject: `medium:${m.id}` }).count<{ count: string }[]>('* as count');
    expect(Number(journal[0]!.count)).toBe(1);
  });
});

describe('label and chain of custody', () => {
  it('prints a label whose QR carries the medium code, and a printable chain of custody', async () => {
    const m = await site.medium('OPT-01', { kind: 'optical' });
    const label = await site.call('get', `/api/media/${m.id}/label`);
    expect(label.status).toBe(200);
    expect(label.text).toContain('<svg');
    expect(label.text).toContain('OPT-01');
    const print = await site.call('get', `/api/media/${m.id}/custody/print`);
    expect(print.status).toBe(200);
    expect(print.text).toContain('管理履歴');
    expect((await site.call('get', '/api/media/00000000-0000-4000-8000-000000000000/custody')).status).toBe(404);
  });

  it('the journal verifies after all of this', async () => {
    expect((await verifyJournal(s.ctx.db.knex, s.ctx.secrets.signing)).ok).toBe(true);
  });
});
