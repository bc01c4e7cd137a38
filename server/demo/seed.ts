// `tachiai seed-demo`: a small, realistic demo site to try every flow — a depositor, the
// contractor's responsible person, authorised person, staff and guard, a subcontractor with
// consent, a visitor with an NDA, a secure processing room and a reception room with hours,
// access lists, a training, a badge for everyone (with a first PIN drawn at random and printed once), the depositor's contact, an approved
// carrier, a disposal vendor, a cabinet and a safe in the secure room, and entrusted media in them. Everything goes through the
// same functions as the API, so it is all journaled. Runs once: a second run is refused.
import type { AppContext } from '../context.js';
import { ConflictError } from '../errors.js';
import { createOrg, createPerson, orgNameStartsWith, setOrgApproval } from '../people/service.js';
import { recordConsent, recordNda, recordTraining } from '../people/records.js';
import { appointFireManager, appointForDepositor, recordInterview } from '../people/duties.js';
import { recordDrill } from '../compliance/service.js';
import crypto from 'node:crypto';
import { issueBadge } from '../badges/service.js';
import { randomPin, setPinFromCommandLine } from '../badges/pins.js';
import { passwordPolicyViolations } from '../auth/password-policy.js';
import { createRoom, grantRoomAccess } from '../rooms/service.js';
import { createLocation, registerMedium } from '../media/service.js';
import type { MediaKind } from '../media/rules.js';

export interface DemoPerson {
  name: string;
  roles: string[];
  organisation: string;
  username: string | null;
  password: string | null;
  badgeToken: string;
  badgePin: string;
}

export interface DemoSite {
  rooms: Array<{ id: string; name: string; kind: string }>;
  people: DemoPerson[];
  locations: Array<{ id: string; name: string; kind: string }>;
  media: Array<{ id: string; label: string; kind: string; location: string }>;
}

const DEMO_MARKER = '【デモ】';

/** The demo accounts' password: new on every run (never a constant in code), printed once. */
function demoPassword(): string {
  for (;;) {
    const candidate = `Demo#${crypto.randomBytes(6).toString('base64url')}-9`;
    if (passwordPolicyViolations(candidate, { username: 'demo1' }).length === 0) return candidate;
  }
}

export async function seedDemo(ctx: AppContext): Promise<DemoSite> {
  const actor = 'cli:seed-demo';
  const DEMO_PASSWORD = demoPassword();
  return ctx.db.knex.transaction(async (trx) => {
    if (await orgNameStartsWith(trx, DEMO_MARKER)) {
      throw new ConflictError('demo_exists', 'The demo site is already in this database.');
    }
    const depositor = await createOrg(trx, { name: `${DEMO_MARKER}株式会社みらい銀行`, kind: 'depositor' }, actor);
    const contractor = await createOrg(trx, { name: `${DEMO_MARKER}株式会社データ処理センター`, kind: 'contractor' }, actor);
    const sub = await createOrg(trx, { name: `${DEMO_MARKER}有限会社入力サービス`, kind: 'subcontractor' }, actor);
    const guests = await createOrg(trx, { name: `${DEMO_MARKER}来訪者`, kind: 'visitor_company' }, actor);
    await recordConsent(trx, sub.id, { depositorOrgId: depositor.id, grantedAt: new Date(Date.now() - 30 * 86400_000), documentRef: '再委託承諾書 2026-001' }, actor);

    const secure = await createRoom(trx, { name: '第1データ処理室', kind: 'secure', requiresTraining: true }, actor);
    const reception = await createRoom(trx, { name: '応接室A', kind: 'reception', hours: { days: [1, 2, 3, 4, 5], from: '08:30', to: '19:00' } }, actor);

    const specs: Array<{ name: string; roles: string[]; org: { id: string; name: string }; account: boolean; rooms: string[] }> = [
      { name: '佐藤 健一', roles: ['responsible'], org: contractor, account: true, rooms: [secure.id, reception.id] },
      { name: '鈴木 真理子', roles: ['authorized'], org: contractor, account: true, rooms: [secure.id, reception.id] },
      { name: '高橋 翔', roles: ['staff'], org: contractor, account: true, rooms: [secure.id] },
      { name: '田中 美咲', roles: ['guard'], org: contractor, account: true, rooms: [reception.id] },
      { name: '伊藤 大輔', roles: ['staff'], org: sub, account: false, rooms: [secure.id] },
      { name: '渡辺 さくら', roles: ['visitor'], org: guests, account: false, rooms: [secure.id, reception.id] },
      { name: '山口 直樹', roles: ['staff'], org: depositor, account: false, rooms: [secure.id, reception.id] },
    ];
    const people: DemoPerson[] = [];
    const ids: string[] = [];
    for (const [i, spec] of specs.entries()) {
      const username = spec.account ? `demo${i + 1}` : null;
      const person = await createPerson(
        ctx,
        trx,
        { name: spec.name, orgId: spec.org.id, roles: spec.roles, ...(username ? { account: { username, password: DEMO_PASSWORD } } : {}) },
        actor,
      );
      ids.push(person.id);
      for (const roomId of spec.rooms) await grantRoomAccess(trx, roomId, person.id, actor);
      // Run by the people who will hold these badges (a demo): the first PINs are drawn at random and printed once.
      const badge = await issueBadge(ctx, trx, { personId: person.id, actor, actorPersonId: null });
      const pin = randomPin(crypto.randomInt);
      await setPinFromCommandLine(ctx, trx, badge.id, pin, actor);
      people.push({ name: spec.name, roles: spec.roles, organisation: spec.org.name, username, password: username ? DEMO_PASSWORD : null, badgeToken: badge.token, badgePin: pin });
    }
    // The subcontractor's worker, the visitor and the depositor's contact have NDAs on file (M6.3).
    for (const personId of [ids[4]!, ids[5]!, ids[6]!]) {
      await recordNda(trx, { personId, signedAt: new Date(Date.now() - 7 * 86400_000), documentRef: '秘密保持契約書 (デモ)' }, actor);
    }
    await recordTraining(
      trx,
      {
        title: '預託情報保護要領 教育研修',
        heldAt: new Date(Date.now() - 60 * 86400_000),
        instructor: '佐藤 健一',
        method: '集合研修',
        content: '要領の内容、監視の周知、ウイルス対策、ソフトウェアの導入禁止、懲戒規定',
        participantIds: [...ids.slice(0, 5), ids[6]!],
        // E5.2: c (no privacy on company computers) was left out — the compliance view shows it.
        topics: ['a', 'b', 'd', 'e', 'f'],
      },
      actor,
    );
    // E1.1: the responsible person and the staff member for the depositor; only the first has
    // met the depositor's contact yet (the compliance view asks for the other interview).
    const responsibleAppt = await appointForDepositor(trx, { depositorOrgId: depositor.id, personId: ids[0]!, role: 'responsible', appointedAt: new Date(Date.now() - 90 * 86400_000) }, actor);
    await recordInterview(trx, responsibleAppt.id, { heldAt: new Date(Date.now() - 89 * 86400_000), depositorParticipants: ['山口 直樹'], participantIds: [ids[0]!], note: '選任時の面談（デモ）' }, actor);
    await appointForDepositor(trx, { depositorOrgId: depositor.id, personId: ids[2]!, role: 'staff', appointedAt: new Date(Date.now() - 30 * 86400_000) }, actor);
    // E9.1: the fire-prevention manager and a fire drill; no migration drill yet (E9.2).
    await appointFireManager(trx, { personId: ids[1]!, appointedAt: new Date(Date.now() - 180 * 86400_000), certificateRef: '防火管理講習修了証 (デモ)' }, actor);
    await recordDrill(trx, { kind: 'fire', heldAt: new Date(Date.now() - 45 * 86400_000), leaderPersonId: ids[1]!, participantIds: ids.slice(0, 4), findings: '全員が3分以内に避難。媒体は施錠保管のまま。' }, actor);

    // Custody: an approved carrier (E1.3), a disposal vendor (E7.1), locked storage (E1.2) and media.
    const carrier = await createOrg(trx, { name: `${DEMO_MARKER}安全輸送株式会社`, kind: 'carrier' }, actor);
    await setOrgApproval(trx, carrier.id, true, '運送業者評価 2026年度 (デモ)', actor);
    await createOrg(trx, { name: `${DEMO_MARKER}株式会社セキュア廃棄`, kind: 'disposal_vendor' }, actor);
    const cabinet = await createLocation(trx, { name: '施錠キャビネットA', kind: 'cabinet', roomId: secure.id }, actor);
    const safe = await createLocation(trx, { name: '耐火金庫1', kind: 'safe', roomId: secure.id }, actor);
    const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
    const at = (rows[0] as { now: Date }).now;
    const mediaSpecs: Array<{ label: string; kind: MediaKind; location: typeof cabinet; description: string; manufacturer?: string; model?: string; serialNo?: string }> = [
      { label: 'MB-2026-001', kind: 'paper', location: cabinet, description: '顧客申込書 2026年10月分 一式' },
      { label: 'MB-2026-002', kind: 'paper', location: cabinet, description: '口座振替依頼書 控え' },
      { label: 'MB-2026-003', kind: 'usb', location: safe, description: '入力データ 10月分', manufacturer: 'I-O DATA', model: 'ED-HB3', serialNo: 'IOD2026A0031' },
      { label: 'MB-2026-004', kind: 'hdd', location: safe, description: '旧システム データ移行元', manufacturer: 'Seagate', model: 'ST2000DM008', serialNo: 'ZFL3A1B2' },
      { label: 'MB-2026-005', kind: 'tape', location: safe, description: '月次バックアップ LTO-8', manufacturer: 'FUJIFILM', model: 'LTO8 Ultrium', serialNo: 'FJ8L000512' },
    ];
    const media = [];
    for (const m of mediaSpecs) {
      const row = await registerMedium(
        trx,
        { label: m.label, kind: m.kind, depositorOrgId: depositor.id, locationId: m.location.id, description: m.description, classification: 'top_secret', manufacturer: m.manufacturer, model: m.model, serialNo: m.serialNo },
        { action: 'registered', recordId: null, actor, at },
      );
      media.push({ id: row.id, label: row.label, kind: row.kind, location: m.location.name });
    }
    return {
      rooms: [secure, reception].map((r) => ({ id: r.id, name: r.name, kind: r.kind })),
      people,
      locations: [cabinet, safe].map((l) => ({ id: l.id, name: l.name, kind: l.kind })),
      media,
    };
  });
}
