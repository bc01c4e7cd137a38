// The two-person rule (二人制, issue 20 part 5): exits are never denied (fire safety), so one of two
// can leave and leave the other alone in the room. That must raise the door alarm "a person left
// alone" (lone_person), which the door alarms (issue 20 part 4, another branch) provide.
import type { Knex } from 'knex';

export interface LonePersonEvent {
  roomId: string;
  /** The one person still inside. */
  alonePersonId: string;
  /** The granted exit that left them alone, and who left. */
  exitEntryId: string;
  leftPersonId: string | null;
}

/**
 * Called in the exit's transaction, under the room's guard, when a granted exit from a two-person
 * room leaves exactly one person inside.
 *
 * lone_person alarm: wired to raiseDoorAlarm after merge — until then this does nothing (the exit
 * itself is recorded and journaled as usual). test/door/room-rules.test.ts holds a skipped test
 * describing what it must do.
 */
export async function lonePersonLeft(_trx: Knex, _event: LonePersonEvent): Promise<void> {
  // lone_person alarm: wired to raiseDoorAlarm after merge
}
