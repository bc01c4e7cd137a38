// Read model: the facts of a person that the badge module needs — who holds or confirms a PIN
// (name, roles, whether they left). Reads the people module's tables; writes nothing.
import type { Knex } from 'knex';
import { NotFoundError } from '../errors.js';

export interface PersonFacts {
  id: string;
  name: string;
  roles: string[];
  left_at: Date | null;
  org_name: string;
}

export async function personFacts(db: Knex, personId: string): Promise<PersonFacts> {
  const row = (await db('people as p')
    .join('organisations as o', 'o.id', 'p.org_id')
    .where('p.id', personId)
    .first('p.id', 'p.name', 'p.roles', 'p.left_at', 'o.name as org_name')) as PersonFacts | undefined;
  if (!row) throw new NotFoundError('person');
  return row;
}
