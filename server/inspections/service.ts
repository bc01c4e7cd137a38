// Monthly inspection (E4.1): for a location, the media expected there (stored in it), what the
// inspector saw (scanned or ticked), the discrepancies, and the inspector's signature.
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { NotFoundError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { getPerson } from '../people/service.js';
import { assertPresent, newRecordId, recordSigned, verifySigners, type SignerInput, type StoredRecord } from '../signatures/service.js';
import { getLocation, knownMediumIds, mediaQuery, noteCustodyStep, type MediumRow } from '../media/service.js';
import { zonedParts } from '../shared/time.js';

export function siteMonth(now: Date, timeZone: string): string {
  const p = zonedParts(now, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}`;
}

/** What should be in the location: every medium stored in it, by label. */
export async function expectedIn(db: Knex, locationId: string): Promise<MediumRow[]> {
  return (await mediaQuery(db).where('m.location_id', locationId).where('m.status', 'stored').orderBy('m.label')) as MediumRow[];
}

/** Discrepancies, as plain sets (unit-tested): expected but not seen; seen but not expected. */
export function compareInventory(expected: string[], found: string[]): { missing: string[]; unexpected: string[] } {
  const e = new Set(expected);
  const f = new Set(found);
  return { missing: expected.filter((id) => !f.has(id)), unexpected: [...f].filter((id) => !e.has(id)) };
}

export interface InspectionInput {
  locationId: string;
  foundMediaIds: string[];
  inspector: SignerInput & { drawnSignature?: string | undefined };
  note?: string | undefined;
  actor: string;
}

export async function recordInspection(app: AppContext, input: InspectionInput): Promise<{ id: string; month: string; record: StoredRecord; expected: string[]; found: string[]; missing: string[]; unexpected: string[] }> {
  const db = app.db.knex;
  const location = await getLocation(db, input.locationId);
  await getPerson(db, input.inspector.personId);
  const [signer] = await verifySigners(app, [{ ...input.inspector, drawnImage: input.inspector.drawnSignature, meaning: 'inspected', field: 'body.inspector' }]);
  return db.transaction(async (trx) => {
    const found = [...new Set(input.foundMediaIds)];
    const known = await knownMediumIds(trx, found);
    const unknown = found.filter((id) => !known.includes(id));
    if (unknown.length > 0) throw new NotFoundError('medium', `No such medium: ${unknown.join(', ')}.`);
    await assertPresent(trx, location.room_id, [{ personId: input.inspector.personId, role: 'inspector', field: 'body.inspector' }]);
    const expectedRows = await expectedIn(trx, location.id);
    const expected = expectedRows.map((m) => m.id);
    const { missing, unexpected } = compareInventory(expected, found);
    const id = newRecordId();
    const record = await recordSigned(app, trx, {
      kind: 'inspection',
      id,
      content: {
        location: { id: location.id, name: location.name, roomName: location.room_name },
        expected: expectedRows.map((m) => ({ id: m.id, label: m.label })),
        found,
        missing,
        unexpected,
        note: input.note ?? null,
      },
      roomId: location.room_id,
      place: null,
      createdBy: input.actor,
      signers: [signer!],
    });
    const month = siteMonth(record.at, app.config.displayTimeZone);
    await trx('inspections').insert({
      id,
      record_id: record.id,
      location_id: location.id,
      month,
      inspector_person_id: input.inspector.personId,
      expected_ids: expected,
      found_ids: found,
      missing_ids: missing,
      unexpected_ids: unexpected,
      note: input.note ?? null,
      at: record.at,
    });
    for (const m of expectedRows) {
      await noteCustodyStep(trx, m, { action: missing.includes(m.id) ? 'inspection_missing' : 'inspection_seen', actor: input.actor, at: record.at, recordId: record.id, details: { inspectionId: id } });
    }
    await appendJournal(trx, {
      actor: input.actor,
      action: 'inspections.recorded',
      subject: `inspection:${id}`,
      payload: { locationId: location.id, month, expected: expected.length, found: found.length, missing, unexpected, recordId: record.id },
    });
    return { id, month, record, expected, found, missing, unexpected };
  });
}

export type { InspectionRow } from './inspections.read-model.js';

export { listInspections } from './inspections.read-model.js';
