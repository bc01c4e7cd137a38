// What a scan writes besides its entry: the journal payload and the live-log channel — shared by
// the common write (scan.ts) and the room rules' guarded write (room-guard.ts).

export const ENTRY_CHANNEL = 'tachiai_entries';

/**
 * A scan's journal payload in canonical form (RFC 8785, as canonicalJson writes it), assembled
 * directly: its values are strings or null, its keys are written in sorted order. The busiest
 * writer skips the general serialiser; test/unit/door-payload.test.ts holds them equal.
 */
export function scanJournalPayload(p: { roomId: string; badgeId: string | null; personId: string | null; direction: string; decision: string; reason: string | null; at: string }): string {
  const s = JSON.stringify;
  return `{"at":${s(p.at)},"badgeId":${s(p.badgeId)},"decision":${s(p.decision)},"direction":${s(p.direction)},"personId":${s(p.personId)},"reason":${s(p.reason)},"roomId":${s(p.roomId)}}`;
}
