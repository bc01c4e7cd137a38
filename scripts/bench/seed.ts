// Seeding for the door benchmarks: fast bulk inserts that give the same rows the services would
// (badge tokens are computed with the server's badge key, as issueBadge does).
import crypto from 'node:crypto';
import type { AppContext } from '../../server/context.js';
import { createPerson } from '../../server/people/service.js';
import { policyPassword } from './lib.js';
import { hashSecret } from '../../server/shared/secret-hash.js';
import { badgeTokenFor, newBadgeNonce, tokenDigest } from '../../server/badges/tokens.js';

export interface Seeded {
  guard: { username: string; password: string; accountId: string };
  /** An auditor: reads the compliance view (issue 18). */
  auditor: { username: string; password: string };
  people: Array<{ id: string; token: string; roomId: string }>;
  rooms: string[];
}

const guardPassword = () => policyPassword({ username: 'bench-guard', personName: 'Bench Guard', orgName: 'Bench Contractor' });

export interface SeedOptions {
  people: number;
  rooms: number;
  entries: number;
}

/** Seeds an empty, migrated database: an org, a guard account, people with badges on every
 * room's access list, and past entries over the last year (in time order). */
export async function seedDoor(ctx: AppContext, P: SeedOptions, log: (msg: string) => void): Promise<Seeded> {
  const knex = ctx.db.knex;
  const [org] = (await knex('organisations').insert({ name: '株式会社ベンチ受託', kind: 'contractor' }).returning(['id'])) as Array<{ id: string }>;

  // The guard goes through the service (policy, scrypt, journal): the server signs them in.
  const password = guardPassword();
  const guardPerson = await knex.transaction((trx) =>
    createPerson(ctx, trx, { name: '警備 一郎', orgId: org!.id, roles: ['guard'], account: { username: 'bench-guard', password } }, 'cli:bench'),
  );
  const account = (await knex('accounts').where({ person_id: guardPerson.id }).first('id')) as { id: string };
  const auditorPassword = guardPassword();
  await knex.transaction((trx) => createPerson(ctx, trx, { name: '監査 花子', orgId: org!.id, roles: ['auditor'], account: { username: 'bench-auditor', password: auditorPassword } }, 'cli:bench'));

  // People and badges in bulk: tokens computed with the server's badge key, as issueBadge does.
  const pinHash = await hashSecret(String(crypto.randomInt(0, 1_000_000)).padStart(6, '0'), 1024);
  const people = (await knex.raw(
    `INSERT INTO people (name, org_id, roles)
     SELECT 'ベンチ 社員' || lpad(i::text, 5, '0'), ?, '{staff}' FROM generate_series(1, ?) AS i
     RETURNING id`,
    [org!.id, P.people],
  )).rows as Array<{ id: string }>;
  const tokens = new Map<string, string>();
  const badgeRows = people.map((p) => {
    const nonce = newBadgeNonce();
    const token = badgeTokenFor(nonce, ctx.secrets.badgeKey);
    tokens.set(p.id, token);
    return { person_id: p.id, token_nonce: nonce, token_digest: tokenDigest(token), pin_hash: pinHash, valid_from: knex.raw("now() - interval '400 days'") };
  });
  await knex.batchInsert('badges', badgeRows, 500);

  const rooms = (await knex.raw(
    `INSERT INTO rooms (name, kind) SELECT '第' || i || '処理室', 'secure' FROM generate_series(1, ?) AS i RETURNING id`,
    [P.rooms],
  )).rows as Array<{ id: string }>;
  await knex.raw(
    `INSERT INTO room_access (room_id, person_id, granted_by) SELECT r.id, p.id, 'cli:bench' FROM rooms r CROSS JOIN people p WHERE p.org_id = ? AND NOT ('guard' = ANY (p.roles))`,
    [org!.id],
  );

  // 1M past entries (or --entries) over the last year, in time order (as a real log grows), ~2 % denied.
  if (P.entries > 0) {
    const started = Date.now();
    await knex.transaction(async (trx) => {
      const superuser = (await trx.raw('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]?.rolsuper === true;
      // Foreign keys are satisfied by construction; skip their per-row triggers when allowed.
      if (superuser) await trx.raw('SET LOCAL session_replication_role = replica');
      // Secondary indexes are rebuilt after the bulk insert (faster than maintaining them row by
      // row), from their own definitions, so they are exactly what the migrations created.
      await trx.raw("SET LOCAL maintenance_work_mem = '256MB'");
      const indexes = (await trx.raw(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'entries' AND indexname <> 'entries_pkey'",
      )).rows as Array<{ indexname: string; indexdef: string }>;
      for (const ix of indexes) await trx.raw(`DROP INDEX ${JSON.stringify(ix.indexname)}`);
      await trx.raw(`CREATE TEMP TABLE bench_people ON COMMIT DROP AS
                       SELECT row_number() OVER (ORDER BY p.id) AS n, p.id AS person_id, b.id AS badge_id
                         FROM people p JOIN badges b ON b.person_id = p.id`);
      await trx.raw(`CREATE TEMP TABLE bench_rooms ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM rooms`);
      // In slices of at most a million rows, each its own slice of the year in time order: one
      // statement for 10 million would outlive the client's query timeout (issue 17, item 9).
      const SLICE = 1_000_000;
      const slices = Math.ceil(P.entries / SLICE);
      for (let b = 0; b < slices; b++) {
        const from = b * SLICE + 1;
        const to = Math.min(P.entries, (b + 1) * SLICE);
        await trx.raw(
          `INSERT INTO entries (at, room_id, badge_id, person_id, direction, decision, reason, presented_hint, recorded_by, flags)
           SELECT g.at, r.id, p.badge_id, p.person_id, g.dir,
                  CASE WHEN g.k % 50 = 0 THEN 'denied' ELSE 'granted' END,
                  CASE WHEN g.k % 50 <> 0 THEN NULL WHEN g.dir = 'in' THEN 'already_inside' ELSE 'not_inside' END,
                  '…' || substr(md5(g.k::text), 1, 4), ?::uuid, '{}'
             FROM (SELECT k, date_trunc('milliseconds', now() - interval '365 days' + (? + random()) * (interval '365 days' / ?)) AS at,
                          1 + floor(random() * ?)::int AS pn, 1 + floor(random() * ?)::int AS rn,
                          CASE WHEN k % 2 = 0 THEN 'in' ELSE 'out' END AS dir
                     FROM generate_series(?::int, ?::int) AS k) AS g
             JOIN bench_people p ON p.n = g.pn
             JOIN bench_rooms r ON r.n = g.rn
            ORDER BY g.at`,
          [account.id, b, slices, P.people, P.rooms, from, to],
        );
        if (slices > 1) log(`  entries: ${to.toLocaleString('en')} of ${P.entries.toLocaleString('en')}`);
      }
      for (const ix of indexes) await trx.raw(ix.indexdef);
    });
    log(`  ${P.entries.toLocaleString('en')} entries inserted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const started = Date.now();
  await knex.raw('VACUUM ANALYZE');
  log(`  VACUUM ANALYZE in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const roomIds = rooms.map((r) => r.id);
  return {
    guard: { username: 'bench-guard', password, accountId: account.id },
    auditor: { username: 'bench-auditor', password: auditorPassword },
    // Each person scans at one room, so consecutive scans of a person toggle in / out there.
    people: people.map((p, i) => ({ id: p.id, token: tokens.get(p.id)!, roomId: roomIds[i % roomIds.length]! })),
    rooms: roomIds,
  };
}
