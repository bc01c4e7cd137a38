// The statements that write a round of decided scans (the door module's busy path): one
// statement per round. `change` says what the decision does to presence; only the rows whose
// change happened (or that change nothing) get their entry and journal event. Entry ids come from
// the entries' own sequence, so presence can point at them.
//
// Two forms from one text: the plain one (rooms without rules, scan.ts) and the guarded one
// (room-guard.ts: rooms with an occupancy limit or timed anti-passback), which adds the limit on
// the insert (`need`: how many enter together, 2 for a pair — both rows see the same count, so a
// pair enters whole or not at all) and the replacement of a stale presence.
import { intakeInsertSql } from '../journal/intake.js';

function scanWriteSql(guarded: boolean): string {
  return `
WITH s AS MATERIALIZED (
  SELECT s.*, nextval('entries_id_seq') AS id
    FROM json_to_recordset(?::json) AS s(ord int, at timestamptz, room uuid, badge uuid, person uuid,
         direction text, decision text, reason text, hint text, recorded_by uuid, station uuid, flags text,
         change text, actor text, payload text, rest text, door uuid, door_message text${guarded ? ',\n         room_limit int, need int, stale_hours int' : ''})
),
came_in AS (
  INSERT INTO presence (room_id, person_id, entered_at, entry_id)
  SELECT room, person, at, id FROM s WHERE change = 'in'${guarded ? '\n     AND (room_limit IS NULL OR (SELECT count(*) FROM presence po WHERE po.room_id = s.room) + need <= room_limit)' : ''}
  ON CONFLICT DO NOTHING
  RETURNING entry_id
),${
    guarded
      ? `
replaced AS (
  UPDATE presence pr SET entered_at = s.at, entry_id = s.id
    FROM s
   WHERE s.change = 'replace' AND pr.room_id = s.room AND pr.person_id = s.person
     AND pr.entered_at <= s.at - make_interval(hours => s.stale_hours)
  RETURNING s.id
),`
      : ''
  }
went_out AS (
  DELETE FROM presence pr USING s
   WHERE s.change = 'out' AND pr.room_id = s.room AND pr.person_id = s.person
  RETURNING s.id
),
done AS MATERIALIZED (
  SELECT * FROM s
   WHERE change = 'none' OR id IN (SELECT entry_id FROM came_in)${guarded ? ' OR id IN (SELECT id FROM replaced)' : ''} OR id IN (SELECT id FROM went_out)
),
logged AS (
  INSERT INTO entries (id, at, room_id, badge_id, person_id, direction, decision, reason, presented_hint, recorded_by, station_id, flags, door_id, door_message_id)
  SELECT id, at, room, badge, person, direction, decision, reason, hint, recorded_by, station, string_to_array(flags, ','), door, door_message FROM done
),
journaled AS (
  ${intakeInsertSql('done', { at: 'at', actor: 'actor', action: "'door.scan'", subject: "'entry:' || id", payload: 'payload', notifyChannel: '?', notifyPayload: `'{"entryId":"' || id || '",' || rest`, orderBy: 'id' })}
)
SELECT ord, id FROM done`;
}

/** Bindings: the rows as JSON, the entry channel. */
export const WRITE_SQL = scanWriteSql(false);
/** Bindings as WRITE_SQL; each row also carries room_limit, need and stale_hours. */
export const GUARDED_WRITE_SQL = scanWriteSql(true);
