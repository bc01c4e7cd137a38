// Read model: approvals with the approver's name (people module). Writes nothing.
import type { Knex } from 'knex';

export const copyApprovalsQuery = (db: Knex) =>
  db('copy_approvals as c').join('people as p', 'p.id', 'c.approved_by_person_id').select('c.*', 'p.name as approved_by_name');

export const transmissionQuery = (db: Knex) =>
  db('transmission_approvals as t').join('people as p', 'p.id', 't.approver_person_id').select('t.*', 'p.name as approver_name');
