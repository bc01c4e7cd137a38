// Read model: inspections with their location, room and inspector's names. Writes nothing.
import type { Knex } from 'knex';

export interface InspectionRow {
  id: string;
  record_id: string;
  location_id: string;
  location_name: string;
  room_name: string;
  month: string;
  inspector_person_id: string;
  inspector_name: string;
  expected_ids: string[];
  found_ids: string[];
  missing_ids: string[];
  unexpected_ids: string[];
  note: string | null;
  at: Date;
}

export async function listInspections(db: Knex, filter: { month?: string | undefined; locationId?: string | undefined }): Promise<InspectionRow[]> {
  const q = db('inspections as i')
    .join('locations as l', 'l.id', 'i.location_id')
    .join('rooms as r', 'r.id', 'l.room_id')
    .join('people as p', 'p.id', 'i.inspector_person_id')
    .select('i.*', 'l.name as location_name', 'r.name as room_name', 'p.name as inspector_name')
    .orderBy('i.at', 'desc')
    .limit(500);
  if (filter.month) q.where('i.month', filter.month);
  if (filter.locationId) q.where('i.location_id', filter.locationId);
  return (await q) as InspectionRow[];
}
