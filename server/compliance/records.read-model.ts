// Read model of the compliance module's records: drills with their leader's name and
// participants, attestations with their signer's name (the people module's table); and the people
// a drill names. Writes nothing.
import type { Knex } from 'knex';

export const DRILL_KINDS = ['fire', 'migration'] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

export interface DrillRow {
  id: string;
  kind: DrillKind;
  held_at: Date;
  leader_person_id: string;
  findings: string;
  standby_site: string | null;
  note: string | null;
  created_by: string;
  created_at: Date;
  leader_name: string;
  participant_ids: string[];
}

export interface AttestationRow {
  id: string;
  clause_id: string;
  note: string;
  record_id: string;
  signed_by: string;
  attested_at: Date;
  expires_at: Date;
  created_by: string;
  signed_by_name?: string;
}

/** The people of these ids that exist. */
export async function listPeopleByIds(db: Knex, ids: string[]): Promise<Array<{ id: string }>> {
  return (await db('people').whereIn('id', ids).select('id')) as Array<{ id: string }>;
}

export async function listDrills(db: Knex, filter: { kind?: DrillKind | undefined; id?: string }): Promise<DrillRow[]> {
  const q = db('drills as d')
    .join('people as p', 'p.id', 'd.leader_person_id')
    .select('d.*', 'p.name as leader_name', db.raw('ARRAY(SELECT x.person_id::text FROM drill_participants x WHERE x.drill_id = d.id ORDER BY x.person_id) AS participant_ids'))
    .orderBy([{ column: 'd.held_at', order: 'desc' }, { column: 'd.id', order: 'desc' }])
    .limit(500);
  if (filter.kind) q.where('d.kind', filter.kind);
  if (filter.id) q.where('d.id', filter.id);
  return (await q) as DrillRow[];
}

export async function listAttestations(db: Knex, clauseId?: string): Promise<AttestationRow[]> {
  const q = db('compliance_attestations as a').join('people as p', 'p.id', 'a.signed_by').select('a.*', 'p.name as signed_by_name').orderBy([{ column: 'a.attested_at', order: 'desc' }, { column: 'a.id', order: 'desc' }]).limit(500);
  if (clauseId) q.where('a.clause_id', clauseId);
  return (await q) as AttestationRow[];
}
