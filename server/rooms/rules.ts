// Plain facts of rooms that others build on (the door's decisions, custody's after-hours alerts).

export const ROOM_KINDS = ['secure', 'reception'] as const;
export type RoomKind = (typeof ROOM_KINDS)[number];

export interface OpeningHours {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** 'HH:MM', site time; from < to (a room does not stay open across midnight). */
  from: string;
  to: string;
}

export interface RoomRow {
  id: string;
  name: string;
  kind: RoomKind;
  hours_days: number[] | null;
  hours_from: string | null;
  hours_to: string | null;
  requires_training: boolean;
  /** The two-person rule (二人制) and its pairing window in seconds (issue 20). */
  two_person: boolean;
  two_person_window_seconds: number;
  /** At most this many people inside; null: no limit. */
  occupancy_limit: number | null;
  /** Timed anti-passback: a presence older than this many hours no longer blocks re-entry; null: off. */
  anti_passback_hours: number | null;
  created_at: Date;
}

/** The room rules beyond the access list (issue 20 part 5), as the API shows and takes them. */
export interface RoomRules {
  twoPerson: { enabled: boolean; windowSeconds: number };
  occupancyLimit: number | null;
  antiPassbackHours: number | null;
}

export const DEFAULT_TWO_PERSON_WINDOW_SECONDS = 5;

export function roomRules(row: Pick<RoomRow, 'two_person' | 'two_person_window_seconds' | 'occupancy_limit' | 'anti_passback_hours'>): RoomRules {
  return {
    twoPerson: { enabled: row.two_person, windowSeconds: Number(row.two_person_window_seconds) },
    occupancyLimit: row.occupancy_limit === null ? null : Number(row.occupancy_limit),
    antiPassbackHours: row.anti_passback_hours === null ? null : Number(row.anti_passback_hours),
  };
}

/** Does the room have any rule beyond the access list (its scans then go through the room's guard)? */
export function hasRoomRules(row: Pick<RoomRow, 'two_person' | 'occupancy_limit' | 'anti_passback_hours'>): boolean {
  return row.two_person || row.occupancy_limit !== null || row.anti_passback_hours !== null;
}

export function roomHours(row: Pick<RoomRow, 'hours_days' | 'hours_from' | 'hours_to'>): OpeningHours | null {
  return row.hours_days && row.hours_from && row.hours_to ? { days: row.hours_days.map(Number), from: row.hours_from, to: row.hours_to } : null;
}

