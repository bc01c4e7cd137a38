// A small custody site for the API tests: a depositor, a secure room with two cabinets, a second
// room, and people with badges (PIN 482913 unless said otherwise, set as their holders would) who can be put inside a room
// through the door (POST /api/scans), because presence is proven by the door log.
import request from 'supertest';
import { expect } from 'vitest';
import type { TestServer } from './server.js';
import { holderSetsPin } from './pins.js';

export const PIN = '482913';

export interface SitePerson {
  id: string;
  name: string;
  badge: string;
  badgeId: string;
  pin: string;
}

export interface CustodySite {
  token: string;
  depositorOrgId: string;
  contractorOrgId: string;
  roomId: string;
  otherRoomId: string;
  cabinetId: string;
  safeId: string;
  otherRoomCabinetId: string;
  call(method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: unknown, token?: string): Promise<request.Response>;
  /** POST/GET that must succeed with this status; returns the body. */
  ok(method: 'get' | 'post', path: string, body: unknown, status: number): Promise<any>;
  person(name: string, roles: string[], opts?: { orgId?: string; rooms?: string[]; pin?: string }): Promise<SitePerson>;
  enter(p: SitePerson, roomId?: string): Promise<void>;
  leave(p: SitePerson, roomId?: string): Promise<any>;
  medium(label: string, opts?: { locationId?: string; kind?: string }): Promise<any>;
  signer(p: SitePerson, pin?: string): { personId: string; badge: string; pin: string };
}

export async function custodySite(s: TestServer): Promise<CustodySite> {
  let token = await s.adminToken();
  let tokenAt = Date.now();
  const auth = async (t?: string) => {
    if (!t && Date.now() - tokenAt > 3 * 60_000) {
      token = await s.adminToken();
      tokenAt = Date.now();
    }
    return { authorization: `Bearer ${t ?? token}` };
  };
  const call = async (method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: unknown, t?: string) => {
    const r = request(s.url)[method](path).set(await auth(t));
    return body === undefined ? r : r.send(body as object);
  };
  const ok = async (method: 'get' | 'post', path: string, body: unknown, status: number) => {
    const res = await call(method, path, body);
    expect(res.status, `${method.toUpperCase()} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
    return res.body;
  };
  const orgs = (await call('get', '/api/orgs')).body.items as Array<{ id: string; kind: string }>;
  const contractorOrgId = orgs.find((o) => o.kind === 'contractor')?.id ?? orgs[0]!.id;
  const depositorOrgId = (await ok('post', '/api/orgs', { name: '株式会社預託元', kind: 'depositor' }, 201)).id;
  const roomId = (await ok('post', '/api/rooms', { name: '第1処理室', kind: 'secure' }, 201)).id;
  const otherRoomId = (await ok('post', '/api/rooms', { name: '第2処理室', kind: 'secure' }, 201)).id;
  const cabinetId = (await ok('post', '/api/locations', { name: 'キャビネットA', kind: 'cabinet', roomId }, 201)).id;
  const safeId = (await ok('post', '/api/locations', { name: '金庫1', kind: 'safe', roomId }, 201)).id;
  const otherRoomCabinetId = (await ok('post', '/api/locations', { name: 'キャビネットB', kind: 'cabinet', roomId: otherRoomId }, 201)).id;

  const site: CustodySite = {
    token,
    depositorOrgId,
    contractorOrgId,
    roomId,
    otherRoomId,
    cabinetId,
    safeId,
    otherRoomCabinetId,
    call,
    ok,
    async person(name, roles, opts = {}) {
      const p = await ok('post', '/api/people', { name, orgId: opts.orgId ?? contractorOrgId, roles }, 201);
      if (opts.orgId && opts.orgId !== contractorOrgId) {
        // External people need an NDA on file before the door lets them into a secure room (M6.3).
        await ok('post', '/api/ndas', { personId: p.id, signedAt: new Date(Date.now() - 86_400_000).toISOString(), documentRef: `NDA-${p.id.slice(0, 6)}` }, 201);
      }
      const pin = opts.pin ?? PIN;
      const b = await ok('post', '/api/badges', { personId: p.id }, 201);
      await holderSetsPin(s.ctx, b.id, pin);
      for (const r of opts.rooms ?? [roomId]) await ok('post', `/api/rooms/${r}/access`, { personId: p.id }, 201);
      return { id: p.id, name, badge: b.token, badgeId: b.id, pin };
    },
    async enter(p, r = roomId) {
      const res = await ok('post', '/api/scans', { roomId: r, badge: p.badge, direction: 'in' }, 201);
      expect(res.decision, JSON.stringify(res)).toBe('granted');
    },
    async leave(p, r = roomId) {
      const res = await ok('post', '/api/scans', { roomId: r, badge: p.badge, direction: 'out' }, 201);
      expect(res.decision, JSON.stringify(res)).toBe('granted');
      return res;
    },
    async medium(label, opts = {}) {
      return ok('post', '/api/media', { label, kind: opts.kind ?? 'usb', depositorOrgId, locationId: opts.locationId ?? cabinetId }, 201);
    },
    signer(p, pin) {
      return { personId: p.id, badge: p.badge, pin: pin ?? p.pin };
    },
  };
  return site;
}
