// Test fixtures: the holder's first PIN, set the way the command line does it (`create-admin`,
// `seed-demo` — run by the holder). The API's own ways (two-person setting at the desk, change
// with the old PIN) have their own tests (test/badges/pins.test.ts).
import type { AppContext } from '../../server/context.js';
import { setPinFromCommandLine } from '../../server/badges/pins.js';
import { hashSecret } from '../../server/shared/secret-hash.js';

export async function holderSetsPin(ctx: AppContext, badgeId: string, pin: string): Promise<void> {
  await ctx.db.knex.transaction((trx) => setPinFromCommandLine(ctx, trx, badgeId, pin, 'cli:test'));
}

/** A PIN as badges had them before the security review: chosen at issuance, unpeppered, maybe 4 digits. */
export async function legacyPin(ctx: AppContext, badgeId: string, pin: string): Promise<void> {
  await ctx.db.knex('badges').where({ id: badgeId }).update({ pin_hash: await hashSecret(pin, ctx.config.scryptCost), pin_set_how: 'issued', pin_set_at: ctx.db.knex.fn.now() });
}
