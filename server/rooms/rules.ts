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
  created_at: Date;
}

export function roomHours(row: Pick<RoomRow, 'hours_days' | 'hours_from' | 'hours_to'>): OpeningHours | null {
  return row.hours_days && row.hours_from && row.hours_to ? { days: row.hours_days.map(Number), from: row.hours_from, to: row.hours_to } : null;
}

