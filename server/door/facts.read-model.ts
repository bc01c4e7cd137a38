// Read model: the facts a scan is decided on, for every scan of a batch in one statement — the
// scanning guard's session (auth's fragment), the room, the presented badge (badges' fragment,
// the same lookup as findPresentedBadge), its holder and their organisation, whether they are
// inside, on the access list, with a valid NDA and a training within a year, whether a host is
// inside for a visitor, and how many media they hold (media's fragment); for a room with rules
// beyond the access list (issue 20), how many are inside (occupancy limit) and since when the
// person is (timed anti-passback) — each read only when the room has that rule. Reads the rooms, people,
// badges, auth and media modules' tables; writes nothing.
import type { RoomRow } from '../rooms/rules.js';
import type { SessionRow } from '../auth/authenticate.js';
import { sessionRowsSql } from '../auth/authenticate.js';
import { presentedBadgeSql } from '../badges/service.js';
import { heldMediaCountSql } from '../media/service.js';

export /** One row of the batch read: the room, the presented badge and its holder's facts. */
interface FactsRow extends Omit<RoomRow, 'created_at'> {
  ord: number;
  /** The scanning guard's session row (auth's lookup), as JSON. */
  session: SessionRow | null;
  room_found: boolean;
  now: Date;
  badge_id: string | null;
  badge_person_id: string | null;
  badge_valid_from: Date | null;
  badge_valid_until: Date | null;
  badge_revoked_at: Date | null;
  person_name: string | null;
  roles: string[] | null;
  org_kind: string | null;
  inside: boolean;
  on_access_list: boolean;
  nda_valid: boolean;
  trained: boolean;
  host_inside: boolean;
  held_media: string;
  /** How many are inside, read only for a room with an occupancy limit (else null). */
  occupancy: string | null;
  /** Since when the person is inside, read only for a room with timed anti-passback (else null). */
  inside_since: Date | null;
}


// Each scan's facts are read by a subquery of its own (LATERAL … OFFSET 0 keeps it apart), which
// PostgreSQL plans for one row: index lookups only, whatever the batch size. Planned for the whole
// batch instead, the checks become hash joins over whole tables.
export const READ_FACTS_SQL = `
WITH s AS MATERIALIZED (
  SELECT * FROM json_to_recordset(?::json) AS s(ord int, room uuid, token_digest text, card_digest text, session uuid)
),
sess AS MATERIALIZED (${sessionRowsSql('SELECT session FROM s')})
SELECT s.ord, f.*, f.id IS NOT NULL AS room_found, to_jsonb(sess) AS session
  FROM s
  LEFT JOIN sess ON sess.id = s.session
  LEFT JOIN LATERAL (
    SELECT r.id, r.name, r.kind, r.hours_days, r.hours_from, r.hours_to, r.requires_training,
           r.two_person, r.two_person_window_seconds, r.occupancy_limit, r.anti_passback_hours,
           date_trunc('milliseconds', clock_timestamp()) AS now,
           b.id AS badge_id, b.person_id AS badge_person_id, b.valid_from AS badge_valid_from,
           b.valid_until AS badge_valid_until, b.revoked_at AS badge_revoked_at,
           p.name AS person_name, p.roles, o.kind AS org_kind,
           EXISTS (SELECT 1 FROM presence pr WHERE pr.room_id = r.id AND pr.person_id = p.id) AS inside,
           EXISTS (SELECT 1 FROM room_access ra WHERE ra.room_id = r.id AND ra.person_id = p.id) AS on_access_list,
           EXISTS (SELECT 1 FROM ndas n WHERE n.person_id = p.id AND n.signed_at <= now()
                     AND (n.expires_at IS NULL OR n.expires_at > now())) AS nda_valid,
           EXISTS (SELECT 1 FROM training_participants tp JOIN trainings t ON t.id = tp.training_id
                    WHERE tp.person_id = p.id AND t.held_at <= now() AND t.held_at > now() - interval '12 months') AS trained,
           EXISTS (SELECT 1 FROM presence pr
                     JOIN room_access ra ON ra.room_id = pr.room_id AND ra.person_id = pr.person_id
                     JOIN people hp ON hp.id = pr.person_id
                     JOIN organisations ho ON ho.id = hp.org_id
                    WHERE pr.room_id = r.id AND pr.person_id <> p.id
                      AND NOT ('visitor' = ANY (hp.roles)) AND ho.kind <> 'visitor_company') AS host_inside,
           ${heldMediaCountSql('p.id')} AS held_media,
           CASE WHEN r.occupancy_limit IS NOT NULL THEN (SELECT count(*) FROM presence po WHERE po.room_id = r.id) END AS occupancy,
           CASE WHEN r.anti_passback_hours IS NOT NULL THEN (SELECT pr.entered_at FROM presence pr WHERE pr.room_id = r.id AND pr.person_id = p.id) END AS inside_since
      FROM rooms r
      LEFT JOIN LATERAL (
        ${presentedBadgeSql('s.token_digest', 's.card_digest', 'id, person_id, valid_from, valid_until, revoked_at')}
      ) b ON true
      LEFT JOIN people p ON p.id = b.person_id
      LEFT JOIN organisations o ON o.id = p.org_id
     WHERE r.id = s.room
    OFFSET 0
  ) f ON true
 ORDER BY s.ord`;

