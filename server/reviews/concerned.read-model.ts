// Read model: which depositors a finding concerns (E4.2 reporting) — those whose media it names,
// or whose media are kept in the rooms it names; a finding about neither (sign-ins, settings) is
// site-wide and concerns every depositor. Reads the media, locations and organisations tables.
import type { Knex } from 'knex';

export async function depositorsConcerned(db: Knex, finding: { roomIds: string[]; mediumIds: string[] }): Promise<string[]> {
  if (finding.roomIds.length === 0 && finding.mediumIds.length === 0) {
    return (await db('organisations').where({ kind: 'depositor' }).orderBy('created_at').pluck('id')) as string[];
  }
  const rows = (await db('media as m')
    .join('locations as l', 'l.id', 'm.home_location_id')
    .where((w) => {
      if (finding.mediumIds.length) w.orWhereIn('m.id', finding.mediumIds);
      if (finding.roomIds.length) w.orWhereIn('l.room_id', finding.roomIds);
    })
    .distinct('m.depositor_org_id')) as Array<{ depositor_org_id: string }>;
  return rows.map((r) => r.depositor_org_id);
}
