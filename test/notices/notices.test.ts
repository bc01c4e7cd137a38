// Notices by e-mail (issue 15) through a real SMTP server in the test process: contacts and their
// journaled changes; a person's leave writes a notice to each depositor concerned, in that
// depositor's contacts' language, naming nobody else's organisation; delivery with a lease,
// Japanese subject and body intact (MIME encoded-words), the same Message-ID on every retry; 4xx,
// 5xx and timeouts leave the notice queued and retried with backoff until it is marked failed;
// two servers deliver each notice once; a rolled-back event sends nothing; an SMTP outage never
// blocks the request; without SMTP the notices wait, listed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite } from '../helpers/custody.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { openSibling, usingPostgres } from '../helpers/db.js';
import { deliverDueNotices } from '../../server/notices/delivery.js';
import { recordLeave } from '../../server/leave/service.js';
import { raiseAfterHoursAlerts } from '../../server/custody/service.js';

let smtp: TestSmtp;
let s: TestServer;
let site: CustodySite;
let depositorA: string;
let depositorB: string;

const FROM = 'Tachiai 東京DC <tachiai@example.co.jp>';

beforeAll(async () => {
  smtp = await startTestSmtp();
  s = await startTestServer({ scryptCost: 1024, smtpUrl: smtp.url, mailFrom: FROM, noticeRetrySeconds: 1, noticeMaxAttempts: 3, smtpTimeoutSeconds: 1, siteNameJa: '東京データセンター', siteNameEn: 'Tokyo Data Centre' });
  site = await custodySite(s);
  depositorA = site.depositorOrgId; // 株式会社預託元
  depositorB = (await site.ok('post', '/api/orgs', { name: '別預託株式会社', kind: 'depositor' }, 201)).id;
});
afterAll(async () => {
  await s?.close();
  await smtp?.close();
});
beforeEach(() => {
  smtp.mode = 'accept';
});

const knex = () => s.ctx.db.knex;
const notices = async (where: Record<string, unknown> = {}) => knex()('notices').where(where).orderBy('created_at');
const journal = async (subject: string) => (await knex()('journal_entries').where({ subject }).orderBy('seq')).map((e: { action: string; payload: string }) => ({ action: e.action, payload: JSON.parse(e.payload) }));
const deliver = () => deliverDueNotices(s.ctx, 'test-worker');

/** A staff member who held one of `depositor`'s media (checked it out), so their leave concerns that depositor. */
async function staffWhoHandled(name: string, depositorOrgId: string) {
  const p = await site.person(name, ['staff']);
  await site.enter(p);
  const m = await site.ok('post', '/api/media', { label: `N-${name}`, kind: 'usb', depositorOrgId, locationId: site.cabinetId }, 201);
  await site.ok('post', `/api/media/${m.id}/checkout`, { personId: p.id, badge: p.badge, pin: p.pin }, 201);
  await site.ok('post', `/api/media/${m.id}/checkin`, { locationId: site.cabinetId, badge: p.badge, pin: p.pin }, 201);
  return p;
}

describe('contacts', () => {
  it('are added, changed (the journal keeps the previous address) and removed; bad input is 400 naming the field', async () => {
    const c = await site.ok('post', `/api/orgs/${depositorA}/contacts`, { name: '預託 窓口', email: 'madoguchi@a.example.jp', lang: 'ja', kinds: ['personnel_change'] }, 201);
    expect(c).toMatchObject({ orgId: depositorA, email: 'madoguchi@a.example.jp', lang: 'ja', kinds: ['personnel_change'] });
    const changed = await site.call('patch', `/api/contacts/${c.id}`, { email: 'kanri@a.example.jp' });
    expect(changed.status).toBe(200);
    expect((await journal(`contact:${c.id}`)).map((e) => e.action)).toEqual(['contacts.added', 'contacts.changed']);
    expect((await journal(`contact:${c.id}`))[1]!.payload).toMatchObject({ email: 'kanri@a.example.jp', previousEmail: 'madoguchi@a.example.jp' });
    for (const [body, field] of [
      [{ name: 'x', email: 'not-an-address', kinds: ['personnel_change'] }, 'body.email'],
      [{ name: 'x', email: 'a@b.example\r\nBcc: evil@example.com', kinds: ['personnel_change'] }, 'body.email'],
      [{ name: 'Evil\r\nBcc: evil@example.com', email: 'a@b.example', kinds: ['personnel_change'] }, 'body.name'],
      [{ name: 'x', email: 'a@b.example', kinds: ['after_hours'] }, 'body.kinds.0'],
      [{ name: 'x', email: 'a@b.example', kinds: [] }, 'body.kinds'],
    ] as const) {
      const res = await site.call('post', `/api/orgs/${depositorA}/contacts`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const gone = await site.ok('post', `/api/orgs/${depositorA}/contacts`, { name: '削除 予定', email: 'old@a.example.jp', kinds: ['personnel_change'] }, 201);
    expect((await site.call('delete', `/api/contacts/${gone.id}`)).status).toBe(204);
    expect((await site.call('delete', `/api/contacts/${gone.id}`)).status).toBe(404);
    const list = (await site.ok('get', `/api/orgs/${depositorA}/contacts`, undefined, 200)).items;
    expect(list.map((x: { email: string }) => x.email)).toEqual(['kanri@a.example.jp']);
  });

  it('are read by responsible persons and auditors, written by administrators and responsible persons only', async () => {
    for (const [roles, read, write] of [[['auditor'], 200, 403], [['responsible'], 200, 201], [['guard'], 403, 403], [['staff'], 403, 403]] as const) {
      const u = await s.createUser({ roles: [...roles] });
      const token = await s.login(u);
      expect((await request(s.url).get('/api/notices').set('authorization', `Bearer ${token}`)).status, roles.join()).toBe(read);
      expect((await request(s.url).post(`/api/orgs/${depositorB}/contacts`).set('authorization', `Bearer ${token}`).send({ name: 'x', email: `x-${roles[0]}@b.example`, kinds: ['alarm'] })).status, roles.join()).toBe(write);
    }
  });
});

describe('a leave (E1.1) notifies the depositors concerned, by e-mail, delivered once', () => {
  it('writes one notice per contact of the depositor whose media the person handled, in the contact\'s language, naming nobody else', async () => {
    await site.ok('post', `/api/orgs/${depositorA}/contacts`, { name: 'Alice Depositor', email: 'alice@a.example.com', lang: 'en', kinds: ['personnel_change'] }, 201);
    await site.ok('post', `/api/orgs/${depositorB}/contacts`, { name: 'B 窓口', email: 'b@b.example.jp', lang: 'ja', kinds: ['personnel_change'] }, 201);
    const p = await staffWhoHandled('退職 花子', depositorA);
    const before = (await notices()).length;
    const left = await site.ok('post', `/api/people/${p.id}/leave`, { reason: 'resigned' }, 200);
    const written = (await notices()).slice(before);
    expect(written.map((n: { recipient_email: string }) => n.recipient_email).sort()).toEqual(['alice@a.example.com', 'kanri@a.example.jp']);
    expect(left.noticeIds.sort()).toEqual(written.map((n: { id: string }) => n.id).sort());
    for (const n of written) {
      expect(n.status).toBe('queued');
      expect(n.org_id).toBe(depositorA);
      expect(n.body_text).toContain('退職 花子');
      expect(n.body_text).not.toContain('別預託');
      expect(n.message_id).toMatch(/^<notice-[0-9a-f-]{36}@example\.co\.jp>$/);
    }
    // The screen's notification goes to depositor A only, too.
    expect(await knex()('notifications').whereIn('id', left.notificationIds).pluck('depositor_org_id')).toEqual([depositorA]);

    expect(await deliver()).toEqual({ sent: 2, failed: 0 });
    const mails = await smtp.waitFor(2);
    const ja = mails.find((m) => m.envelope.to.includes('kanri@a.example.jp'))!;
    const en = mails.find((m) => m.envelope.to.includes('alice@a.example.com'))!;
    expect(ja.mail.subject).toBe('【立会い】担当者の退職のお知らせ（退職 花子）');
    expect(ja.raw).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/im); // MIME encoded-words on the wire
    expect(ja.mail.text).toContain('貴社の預託情報を取り扱った次の者が退職しました');
    expect(ja.mail.text).toContain('東京データセンター');
    expect(ja.mail.from?.value[0]).toEqual({ name: 'Tachiai 東京DC', address: 'tachiai@example.co.jp' });
    expect(ja.mail.messageId).toBe(written.find((n: { recipient_email: string }) => n.recipient_email === 'kanri@a.example.jp')!.message_id);
    expect(ja.mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(en.mail.subject).toBe('[Tachiai] Resignation of a person handling your information (退職 花子)');
    expect(en.mail.text).toContain('Tokyo Data Centre');
    for (const m of mails) expect(m.raw).not.toContain('b@b.example.jp');
    expect((await notices({ status: 'sent' })).length).toBeGreaterThanOrEqual(2);
    expect((await journal(`notice:${written[0]!.id}`)).map((e) => e.action)).toEqual(['notices.queued', 'notices.sent']);
    // Nothing more to send: each notice once.
    expect(await deliver()).toEqual({ sent: 0, failed: 0 });
    expect(smtp.received).toHaveLength(2);
  });

  it('a leave whose transaction rolled back writes and sends nothing', async () => {
    const p = await staffWhoHandled('取消 次郎', depositorA);
    const before = (await notices()).length;
    const actor = { accountId: s.admin.personId, personId: s.admin.personId };
    await expect(
      knex().transaction(async (trx) => {
        await recordLeave(s.ctx, trx, p.id, { reason: 'transferred' }, actor);
        expect((await trx('notices')).length).toBe(before + 2); // written inside…
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
    expect((await notices()).length).toBe(before); // …and gone with the event
    const sentBefore = smtp.received.length;
    await deliver();
    expect(smtp.received.length).toBe(sentBefore);
    expect((await site.ok('get', `/api/people/${p.id}`, undefined, 200)).leftAt).toBeNull();
  });
});

describe('failures: retried with backoff, the same Message-ID, then failed', () => {
  async function oneNotice(name: string) {
    const p = await staffWhoHandled(name, depositorB);
    const left = await site.ok('post', `/api/people/${p.id}/leave`, { reason: 'transferred' }, 200);
    expect(left.noticeIds).toHaveLength(1); // B's one contact
    return (await notices({ id: left.noticeIds[0] }))[0];
  }

  it('a 4xx refusal leaves the notice queued; the retry after the backoff carries the same Message-ID', async () => {
    const n = await oneNotice('一時 三郎');
    smtp.mode = 'refuse-4xx';
    expect(await deliver()).toEqual({ sent: 0, failed: 1 });
    let row = (await notices({ id: n.id }))[0];
    expect(row).toMatchObject({ status: 'queued', attempts: 1, last_error: expect.stringMatching(/^SMTP 451/) });
    expect(smtp.refused.at(-1)).toBe(n.message_id);
    smtp.mode = 'accept';
    expect(await deliver()).toEqual({ sent: 0, failed: 0 }); // not yet: it waits its backoff (1 s)
    await new Promise((r) => setTimeout(r, 1100));
    const received = smtp.received.length;
    expect(await deliver()).toEqual({ sent: 1, failed: 0 });
    expect(smtp.received[received]!.mail.messageId).toBe(n.message_id);
    row = (await notices({ id: n.id }))[0];
    expect(row).toMatchObject({ status: 'sent', attempts: 2, last_error: null });
    expect((await journal(`notice:${n.id}`)).map((e) => e.action)).toEqual(['notices.queued', 'notices.attempt_failed', 'notices.sent']);
  });

  it('5xx refusals and a timeout are retried until the last attempt marks it failed; it can be tried again', async () => {
    const n = await oneNotice('失敗 四郎');
    smtp.mode = 'refuse-5xx';
    expect(await deliver()).toEqual({ sent: 0, failed: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    smtp.mode = 'hang';
    const started = Date.now();
    expect(await deliver()).toEqual({ sent: 0, failed: 1 }); // the 1 s SMTP timeout
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await notices({ id: n.id }))[0].last_error).toMatch(/timeout/i);
    smtp.mode = 'refuse-5xx';
    await new Promise((r) => setTimeout(r, 2100)); // the second wait doubles
    expect(await deliver()).toEqual({ sent: 0, failed: 1 });
    const row = (await notices({ id: n.id }))[0];
    expect(row).toMatchObject({ status: 'failed', attempts: 3, last_error: expect.stringMatching(/^SMTP 550/) });
    expect(row.failed_at).not.toBeNull();
    expect(new Set(smtp.refused.slice(-3))).toEqual(new Set([n.message_id]));
    expect((await journal(`notice:${n.id}`)).map((e) => e.action)).toEqual(['notices.queued', 'notices.attempt_failed', 'notices.attempt_failed', 'notices.failed']);
    // Listed as failed, with its error and text.
    const listed = (await site.ok('get', '/api/notices?status=failed', undefined, 200)).items.find((x: { id: string }) => x.id === n.id);
    expect(listed).toMatchObject({ status: 'failed', attempts: 3, lastError: expect.stringMatching(/^SMTP 550/), text: expect.stringContaining('失敗 四郎') });
    // Tried again by hand: queued from the start, same Message-ID, delivered.
    smtp.mode = 'accept';
    expect((await site.call('post', `/api/notices/${n.id}/retry`)).body).toMatchObject({ status: 'queued', attempts: 0, messageId: n.message_id });
    expect((await site.call('post', `/api/notices/${n.id}/retry`)).status).toBe(409);
    expect(await deliver()).toEqual({ sent: 1, failed: 0 });
    expect(smtp.received.at(-1)!.mail.messageId).toBe(n.message_id);
  });

  it('an SMTP outage never blocks the request that causes a notice', async () => {
    const down = await startTestServer({ scryptCost: 1024, smtpUrl: 'smtp://127.0.0.1:1', mailFrom: FROM, smtpTimeoutSeconds: 1 });
    try {
      const token = await down.adminToken();
      const org = (await request(down.url).post('/api/orgs').set('authorization', `Bearer ${token}`).send({ name: '預託 停止中', kind: 'depositor' })).body.id;
      await request(down.url).post(`/api/orgs/${org}/contacts`).set('authorization', `Bearer ${token}`).send({ name: '窓口', email: 'x@down.example', kinds: ['personnel_change'] }).expect(201);
      const responsible = await down.createUser({ roles: ['responsible'] });
      const started = Date.now();
      const res = await request(down.url).post(`/api/people/${responsible.personId}/leave`).set('authorization', `Bearer ${token}`).send({ reason: 'resigned' });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(res.body.noticeIds).toHaveLength(1);
      expect(await deliverDueNotices(down.ctx, 'w')).toEqual({ sent: 0, failed: 1 });
      expect((await down.ctx.db.knex('notices').first()).status).toBe('queued');
    } finally {
      await down.close();
    }
  });
});

describe.runIf(usingPostgres)('two servers on one database', () => {
  it('deliver each notice once while the SMTP server is healthy', async () => {
    const other = await openSibling(s.ctx);
    try {
      for (let i = 0; i < 8; i++) {
        const p = await site.person(`並行 ${i}`, ['responsible']); // responsible: concerns every depositor
        await site.ok('post', `/api/people/${p.id}/leave`, { reason: 'resigned' }, 200);
      }
      const queued = (await notices({ status: 'queued' })).map((n: { message_id: string }) => n.message_id);
      expect(queued.length).toBeGreaterThanOrEqual(8 * 3);
      const before = smtp.received.length;
      const run = async (ctx: typeof s.ctx | typeof other, name: string) => {
        let total = 0;
        for (;;) {
          const r = await deliverDueNotices(ctx as typeof s.ctx, name);
          total += r.sent;
          if (r.sent + r.failed === 0) return total;
        }
      };
      const [a, b] = await Promise.all([run(s.ctx, 'server-a'), run(other, 'server-b'), run(s.ctx, 'server-a2'), run(other, 'server-b2')]);
      expect(a + b).toBeGreaterThan(0);
      const ids = smtp.received.slice(before).map((m) => m.mail.messageId);
      expect(ids.length).toBe(queued.length);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(new Set(queued));
      expect((await notices({ status: 'queued' })).length).toBe(0);
    } finally {
      await other.db.close();
    }
  });
});

describe('after-hours alerts (E1.2) go to the responsible persons on file', () => {
  it('one notice per responsible person with an address, listing the media; nothing to those without one or who left', async () => {
    const withMail = await site.person('責任 メール有', ['responsible']);
    await site.call('patch', `/api/people/${withMail.id}`, { email: 'sekinin@site.example.jp', noticeLang: 'ja' });
    const noMail = await site.person('責任 メール無', ['responsible']);
    const gone = await site.person('責任 退職済', ['responsible']);
    await site.call('patch', `/api/people/${gone.id}`, { email: 'gone@site.example.jp' });
    await site.ok('post', `/api/people/${gone.id}/leave`, { reason: 'resigned' }, 200);
    // A room closed at this hour, a medium of it checked out.
    const room = await site.ok('post', '/api/rooms', { name: '夜間閉鎖室', kind: 'secure', hours: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '00:01' } }, 201);
    const loc = await site.ok('post', '/api/locations', { name: '夜間キャビネット', kind: 'cabinet', roomId: room.id }, 201);
    const holder = await site.person('夜間 保持者', ['staff'], { rooms: [room.id] });
    const m = await site.ok('post', '/api/media', { label: 'NIGHT-1', kind: 'hdd', depositorOrgId: depositorA, locationId: loc.id }, 201);
    await knex()('media').where({ id: m.id }).update({ status: 'checked_out', holder_person_id: holder.id, location_id: null });
    const before = (await notices({ kind: 'after_hours' })).length;
    expect(await raiseAfterHoursAlerts(s.ctx)).toBeGreaterThanOrEqual(1);
    const written = (await notices({ kind: 'after_hours' })).slice(before);
    expect(written.map((n: { recipient_email: string }) => n.recipient_email)).toEqual(['sekinin@site.example.jp']);
    expect(written[0].body_text).toContain('NIGHT-1（夜間閉鎖室、持出し者：夜間 保持者）');
    expect(await raiseAfterHoursAlerts(s.ctx)).toBe(0); // once per medium and day
    expect((await notices({ kind: 'after_hours' })).length).toBe(before + 1);
    void noMail;
  });
});

describe('without SMTP configured', () => {
  it('notices wait in the outbox, listed, and nothing is lost', async () => {
    const quiet = await startTestServer({ scryptCost: 1024 });
    try {
      const token = await quiet.adminToken();
      const org = (await request(quiet.url).post('/api/orgs').set('authorization', `Bearer ${token}`).send({ name: '預託 静', kind: 'depositor' })).body.id;
      await request(quiet.url).post(`/api/orgs/${org}/contacts`).set('authorization', `Bearer ${token}`).send({ name: '窓口', email: 'q@quiet.example', kinds: ['personnel_change'] }).expect(201);
      const responsible = await quiet.createUser({ roles: ['responsible'] });
      await request(quiet.url).post(`/api/people/${responsible.personId}/leave`).set('authorization', `Bearer ${token}`).send({ reason: 'resigned' }).expect(200);
      expect(await deliverDueNotices(quiet.ctx, 'w')).toEqual({ sent: 0, failed: 0 });
      const listed = await request(quiet.url).get('/api/notices').set('authorization', `Bearer ${token}`);
      expect(listed.body.smtpConfigured).toBe(false);
      expect(listed.body.items).toEqual([expect.objectContaining({ status: 'queued', attempts: 0, recipient: { name: '窓口', email: 'q@quiet.example' } })]);
    } finally {
      await quiet.close();
    }
  });
});
