// Read model: handovers with the names of the people involved (people module). Writes nothing.
import type { Knex } from 'knex';

export interface HandoverRow {
  id: string;
  record_id: string;
  direction: 'from_depositor' | 'to_depositor' | 'internal';
  from_person_id: string;
  from_name: string;
  to_person_id: string;
  to_name: string;
  room_id: string | null;
  place: string | null;
  note: string | null;
  at: Date;
  media_ids: string[];
}

function handoversQuery(db: Knex) {
  return db('handovers as h')
    .join('people as f', 'f.id', 'h.from_person_id')
    .join('people as t', 't.id', 'h.to_person_id')
    .select('h.*', 'f.name as from_name', 't.name as to_name', db.raw('ARRAY(SELECT hm.medium_id::text FROM handover_media hm WHERE hm.handover_id = h.id ORDER BY hm.position) AS media_ids'));
}

export async function getHandover(db: Knex, id: string): Promise<HandoverRow | null> {
  return ((await handoversQuery(db).where('h.id', id).first()) as HandoverRow | undefined) ?? null;
}

export async function listHandovers(db: Knex, filter: { mediumId?: string | undefined; personId?: string | undefined }): Promise<HandoverRow[]> {
  const q = handoversQuery(db).orderBy('h.at', 'desc').limit(500);
  if (filter.mediumId) q.whereExists(db('handover_media as x').whereRaw('x.handover_id = h.id').where('x.medium_id', filter.mediumId));
  if (filter.personId) q.where((w) => w.where('h.from_person_id', filter.personId!).orWhere('h.to_person_id', filter.personId!));
  return (await q) as HandoverRow[];
}
