// Read model: who receives a notice — the site's people by role (people module's table: their
// e-mail address, language, roles, whether they left), and the depositors whose information a
// person handled (media, custody steps and signatures of the media and signatures modules).
// Writes nothing.
import type { Knex } from 'knex';

export interface PersonRecipient {
  id: string;
  name: string;
  email: string;
  notice_lang: string;
}

/** People with one of `roles` and an e-mail address on file, who have not left. */
export async function peopleWithRoles(db: Knex, roles: readonly string[]): Promise<PersonRecipient[]> {
  if (roles.length === 0) return [];
  return (await db('people')
    .whereRaw(`roles && ARRAY[${roles.map(() => '?').join(', ')}]::text[]`, [...roles])
    .whereNotNull('email')
    .whereNull('left_at')
    .orderBy('created_at')
    .select('id', 'name', 'email', 'notice_lang')) as PersonRecipient[];
}

/**
 * The depositors whose information a person handled (E1.1: they are told when that person leaves
 * or moves): the depositors of media the person held, or whose custody records they signed. A
 * responsible or authorised person answers for every depositor's information: all of them.
 */
export async function depositorsHandledBy(db: Knex, personId: string, roles: readonly string[]): Promise<string[]> {
  if (roles.some((r) => r === 'responsible' || r === 'authorized')) {
    return (await db('organisations').where({ kind: 'depositor' }).orderBy('created_at').pluck('id')) as string[];
  }
  // The depositors whose media they held or signed for, and those they were appointed for as
  // responsible person or staff member (E1.1, issue 18).
  const { rows } = await db.raw(
    `SELECT id FROM (
       SELECT m.depositor_org_id AS id, min(m.created_at) AS first
         FROM media m
        WHERE EXISTS (SELECT 1 FROM custody_steps cs
                       WHERE cs.medium_id = m.id
                         AND (cs.holder_person_id = ?
                              OR cs.record_id IN (SELECT sg.record_id FROM signatures sg WHERE sg.signer_person_id = ?)))
        GROUP BY m.depositor_org_id
       UNION ALL
       SELECT d.depositor_org_id AS id, min(d.created_at) AS first
         FROM depositor_appointments d
        WHERE d.person_id = ?
        GROUP BY d.depositor_org_id
     ) x
     GROUP BY id
     ORDER BY min(first)`,
    [personId, personId, personId],
  );
  return (rows as Array<{ id: string }>).map((r) => r.id);
}

/** Every depositor organisation (an alarm about the journal concerns them all). */
export async function depositorOrgIds(db: Knex): Promise<string[]> {
  const rows = (await db('organisations').where({ kind: 'depositor' }).orderBy('created_at').select('id')) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}
