// `tachiai create-admin`: the first administrator, with an account and a badge (administrators
// sign in with password and badge, E2.17). The badge's PIN is generated and shown once.
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import { issueBadge } from '../badges/service.js';
import { createOrg, createPerson } from './service.js';

export interface CreateAdminInput {
  username: string;
  password: string;
  name: string;
  orgName?: string | undefined;
}

export interface CreatedAdmin {
  personId: string;
  badgeToken: string;
  badgePin: string;
}

export async function createAdmin(ctx: AppContext, input: CreateAdminInput): Promise<CreatedAdmin> {
  const actor = 'cli:create-admin';
  const badgePin = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  return ctx.db.knex.transaction(async (trx) => {
    const orgName = input.orgName ?? 'Tachiai operator';
    const org = (await trx('organisations').where({ name: orgName, kind: 'contractor' }).first()) ?? (await createOrg(trx, { name: orgName, kind: 'contractor' }, actor));
    const person = await createPerson(ctx, trx, { name: input.name, orgId: org.id, roles: ['admin'], account: { username: input.username, password: input.password } }, actor);
    const badge = await issueBadge(ctx, trx, { personId: person.id, pin: badgePin, actor });
    return { personId: person.id, badgeToken: badge.token, badgePin };
  });
}
