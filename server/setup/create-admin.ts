// `tachiai create-admin`: the first administrator, with an account and a badge (administrators
// sign in with password, badge and PIN, E2.17). The person who will hold the badge runs the
// command: the badge's first PIN is drawn at random and shown once, to them.
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import { issueBadge } from '../badges/service.js';
import { randomPin, setPinFromCommandLine } from '../badges/pins.js';
import { createOrg, createPerson, findOrgByName } from '../people/service.js';
import { DEFAULT_SITE_NAMES, siteOf, type Site } from '../system/site.js';

function defaultOperatorName(site: Site): string {
  return site.nameJa === DEFAULT_SITE_NAMES.ja ? '立会い 運用組織' : site.nameJa;
}

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
  const badgePin = randomPin(crypto.randomInt);
  // Without --org, the operating organisation is named in the site's language (issue 14: Japanese
  // first, like the screens and printouts): the site's Japanese name once it is configured. Read
  // before the transaction: on the embedded database there is one connection, and the transaction holds it.
  const orgName = input.orgName ?? defaultOperatorName(await siteOf(ctx));
  return ctx.db.knex.transaction(async (trx) => {
    const org = (await findOrgByName(trx, orgName, 'contractor')) ?? (await createOrg(trx, { name: orgName, kind: 'contractor' }, actor));
    const person = await createPerson(ctx, trx, { name: input.name, orgId: org.id, roles: ['admin'], account: { username: input.username, password: input.password } }, actor);
    const badge = await issueBadge(ctx, trx, { personId: person.id, actor, actorPersonId: null });
    await setPinFromCommandLine(ctx, trx, badge.id, badgePin, actor);
    return { personId: person.id, badgeToken: badge.token, badgePin };
  });
}
