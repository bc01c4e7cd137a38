// Read model: destructions with the names the lists show — the performer and their organisation,
// the vendor, the room, the depositors (people, rooms modules) — the destroyed media (media
// module), and certificate prints with who printed and who was present. Writes nothing.
// (Certificates themselves are rendered from the signed record, not from these: record.ts.)
import type { Knex } from 'knex';
import { NotFoundError } from '../errors.js';
import type { Category, DestructionMethod } from './rules.js';
import type { DestroyedMediumFacts } from './record.js';


export interface DestructionRow {
  id: string;
  record_id: string;
  certificate_no: string;
  method: DestructionMethod;
  category: Category;
  standard: string | null;
  security_level: string | null;
  technique: string | null;
  tool: string | null;
  tool_version: string | null;
  pattern: string | null;
  verified: boolean | null;
  verification_method: string | null;
  destination_after: string | null;
  vendor_org_id: string | null;
  vendor_name: string | null;
  performed_by_person_id: string;
  performer_name: string;
  performer_org: string;
  performer_title: string | null;
  performer_contact: string | null;
  room_id: string | null;
  room_name: string | null;
  place: string | null;
  performed_at: Date;
  note: string | null;
  created_at: Date;
  depositor_ids: string[];
  depositor_names: string[];
  media_count: string;
}

export function destructionsQuery(db: Knex) {
  return db('destructions as d')
    .join('people as p', 'p.id', 'd.performed_by_person_id')
    .join('organisations as po', 'po.id', 'p.org_id')
    .leftJoin('organisations as v', 'v.id', 'd.vendor_org_id')
    .leftJoin('rooms as r', 'r.id', 'd.room_id')
    .select(
      'd.*',
      'p.name as performer_name',
      'po.name as performer_org',
      'v.name as vendor_name',
      'r.name as room_name',
      db.raw(`ARRAY(SELECT DISTINCT m.depositor_org_id::text FROM destruction_media dm JOIN media m ON m.id = dm.medium_id WHERE dm.destruction_id = d.id) AS depositor_ids`),
      db.raw(`ARRAY(SELECT DISTINCT o.name FROM destruction_media dm JOIN media m ON m.id = dm.medium_id JOIN organisations o ON o.id = m.depositor_org_id WHERE dm.destruction_id = d.id) AS depositor_names`),
      db.raw('(SELECT count(*) FROM destruction_media dm WHERE dm.destruction_id = d.id) AS media_count'),
    );
}

export async function getDestruction(db: Knex, id: string): Promise<DestructionRow> {
  const row = (await destructionsQuery(db).where('d.id', id).first()) as DestructionRow | undefined;
  if (!row) throw new NotFoundError('destruction');
  return row;
}

export interface DestroyedMediumRow {
  destruction_id: string;
  position: number;
  security_level: string | null;
  backed_up: boolean | null;
  backup_location: string | null;
  id: string;
  label: string;
  kind: string;
  manufacturer: string | null;
  model: string | null;
  serial_no: string | null;
  classification: string;
  source_medium_id: string | null;
  depositor_org_id: string;
  depositor_name: string;
}

export async function destroyedMedia(db: Knex, destructionIds: string[]): Promise<DestroyedMediumRow[]> {
  if (destructionIds.length === 0) return [];
  return (await db('destruction_media as dm')
    .join('media as m', 'm.id', 'dm.medium_id')
    .join('organisations as o', 'o.id', 'm.depositor_org_id')
    .whereIn('dm.destruction_id', destructionIds)
    .orderBy([{ column: 'dm.destruction_id' }, { column: 'dm.position' }])
    .select('dm.destruction_id', 'dm.position', 'dm.backed_up', 'dm.backup_location', 'dm.security_level', 'm.id', 'm.label', 'm.kind', 'm.manufacturer', 'm.model', 'm.serial_no', 'm.classification', 'm.source_medium_id', 'm.depositor_org_id', 'o.name as depositor_name')) as DestroyedMediumRow[];
}

export interface DestructionFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  depositorOrgId?: string | undefined;
  method?: DestructionMethod | undefined;
}

export function filteredDestructions(db: Knex, f: DestructionFilter) {
  const q = destructionsQuery(db).orderBy([{ column: 'd.performed_at', order: 'desc' }, { column: 'd.id', order: 'desc' }]);
  if (f.from) q.where('d.performed_at', '>=', f.from);
  if (f.to) q.where('d.performed_at', '<', f.to);
  if (f.method) q.where('d.method', f.method);
  if (f.depositorOrgId) {
    q.whereExists(db('destruction_media as x').join('media as xm', 'xm.id', 'x.medium_id').whereRaw('x.destruction_id = d.id').where('xm.depositor_org_id', f.depositorOrgId));
  }
  return q;
}

export async function getPrint(db: Knex, destructionId: string, printNo: number) {
  return (await db('certificate_prints as c')
    .join('people as p', 'p.id', 'c.present_person_id')
    .join('people as b', 'b.id', 'c.printed_by_person_id')
    .where({ 'c.destruction_id': destructionId, 'c.print_no': printNo })
    .first('c.*', 'p.name as present_name', 'b.name as printed_by_name', db.raw('extract(epoch FROM now() - c.printed_at)::int AS age_seconds'))) as
    | { print_no: number; printed_by: string; printed_by_name: string; printed_at: Date; present_name: string; age_seconds: number }
    | undefined;
}

export async function destroyedMediumFacts(db: Knex, destructionIds: string[]): Promise<Map<string, DestroyedMediumFacts[]>> {
  const out = new Map<string, DestroyedMediumFacts[]>();
  if (destructionIds.length === 0) return out;
  const rows = (await db('destruction_media as dm')
    .join('media as m', 'm.id', 'dm.medium_id')
    .whereIn('dm.destruction_id', destructionIds)
    .select('dm.destruction_id', 'dm.medium_id', 'dm.position', 'dm.backed_up', 'dm.backup_location', 'dm.security_level', 'm.label', 'm.kind', 'm.manufacturer', 'm.model', 'm.serial_no', 'm.classification', 'm.depositor_org_id')) as Array<DestroyedMediumFacts & { destruction_id: string }>;
  for (const row of rows) {
    const list = out.get(row.destruction_id) ?? [];
    list.push(row);
    out.set(row.destruction_id, list);
  }
  return out;
}

