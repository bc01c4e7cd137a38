// A destruction as it was signed, and whether today's rows still say the same (security review,
// findings 3 and 4). Plain functions, unit-tested in test/unit/destruction-record.test.ts.
//
// The certificate, its public check and every list that prints a certificate's facts are rendered
// from the signed record's content — never from the `destructions`, `media` or `people` rows,
// which a plain UPDATE could change. Those rows are still compared with the record: a difference
// makes the public check say "does not match" and `tachiai verify --deep` name it.
import crypto from 'node:crypto';
import type { StoredRecord } from '../signatures/service.js';
import type { Category, DestructionMethod } from './rules.js';

export interface SignedMedium {
  id: string;
  label: string;
  kind: string;
  manufacturer: string | null;
  model: string | null;
  serialNo: string | null;
  classification: string;
  depositor: { id: string; name: string };
  source: string;
  backedUp: boolean | null;
  backupLocation: string | null;
  /** Its own DIN 66399 / ISO/IEC 21964 level (records signed since levels per medium). */
  securityLevel?: string | null;
}

/** The content of a `destruction` record (server/destructions/service.ts writes it). */
export interface DestructionContent {
  id: string;
  at: string;
  certificateNo: string;
  method: DestructionMethod;
  category: Category;
  standard: string | null;
  securityLevel: string | null;
  technique: string | null;
  tool: string | null;
  toolVersion: string | null;
  pattern: string | null;
  verified: boolean | null;
  verificationMethod: string | null;
  destinationAfter: string | null;
  vendor: { id: string; name: string } | null;
  performer: { personId: string; name: string; org: string; title: string | null; contact: string | null };
  performedAt: string;
  media: SignedMedium[];
  note: string | null;
  roomId: string | null;
  /** Since the security review; earlier records name the room through the journal's history. */
  roomName?: string | null;
  place: string | null;
  presenceVerified: boolean;
}

export function destructionContent(record: StoredRecord): DestructionContent {
  return JSON.parse(record.content) as DestructionContent;
}

/** Depositors named in the record, in the order their media appear. */
export function depositorNames(content: DestructionContent): string[] {
  return [...new Set(content.media.map((m) => m.depositor.name))];
}

/** The `destructions` row as stored (the columns the record also holds). */
export interface DestructionTableRow {
  id: string;
  record_id: string;
  certificate_no: string;
  method: string;
  category: string;
  standard: string | null;
  security_level: string | null;
  technique: string | null;
  tool: string | null;
  tool_version: string | null;
  pattern: string | null;
  verified: boolean | null;
  verification_method: string | null;
  destination_after: string | null;
  vendor_org_id: string | null;
  performed_by_person_id: string;
  performer_title: string | null;
  performer_contact: string | null;
  room_id: string | null;
  place: string | null;
  performed_at: Date;
  note: string | null;
}

/** A destroyed medium as stored today: its destruction_media row and its media row. */
export interface DestroyedMediumFacts {
  medium_id: string;
  position: number;
  backed_up: boolean | null;
  backup_location: string | null;
  security_level: string | null;
  label: string;
  kind: string;
  manufacturer: string | null;
  model: string | null;
  serial_no: string | null;
  classification: string;
  depositor_org_id: string;
}

/**
 * The first difference between today's rows and the signed record (and the journal's entry of the
 * destruction), as a sentence; null when they agree. Names of people and organisations may change
 * later and are not compared; everything that was decided and destroyed is.
 */
export function destructionRowProblem(row: DestructionTableRow, media: DestroyedMediumFacts[], content: DestructionContent, journal: Record<string, unknown> | null): string | null {
  const fields: Array<[string, unknown, unknown]> = [
    ['certificate number', row.certificate_no, content.certificateNo],
    ['method', row.method, content.method],
    ['category', row.category, content.category],
    ['standard', row.standard, content.standard],
    ['security level', row.security_level, content.securityLevel],
    ['technique', row.technique, content.technique],
    ['tool', row.tool, content.tool],
    ['tool version', row.tool_version, content.toolVersion],
    ['pattern', row.pattern, content.pattern],
    ['verified', row.verified, content.verified],
    ['verification method', row.verification_method, content.verificationMethod],
    ['destination after', row.destination_after, content.destinationAfter],
    ['vendor', row.vendor_org_id, content.vendor?.id ?? null],
    ['performer', row.performed_by_person_id, content.performer.personId],
    ['performer title', row.performer_title, content.performer.title],
    ['performer contact', row.performer_contact, content.performer.contact],
    ['room', row.room_id, content.roomId],
    ['place', row.place, content.place],
    ['performed at', row.performed_at.toISOString(), content.performedAt],
    ['note', row.note, content.note],
  ];
  for (const [name, stored, signed] of fields) {
    if ((stored ?? null) !== (signed ?? null)) return `Certificate ${content.certificateNo}: its ${name} differs from the signed record.`;
  }
  const sorted = [...media].sort((a, b) => a.position - b.position);
  if (sorted.length !== content.media.length) return `Certificate ${content.certificateNo}: ${sorted.length} media are recorded, ${content.media.length} were signed.`;
  for (const [i, m] of sorted.entries()) {
    const s = content.media[i]!;
    const pairs: Array<[string, unknown, unknown]> = [
      ['medium', m.medium_id, s.id],
      ['label', m.label, s.label],
      ['kind', m.kind, s.kind],
      ['manufacturer', m.manufacturer, s.manufacturer],
      ['model', m.model, s.model],
      ['serial number', m.serial_no, s.serialNo],
      ['classification', m.classification, s.classification],
      ['depositor', m.depositor_org_id, s.depositor.id],
      ['backup', m.backed_up, s.backedUp],
      ['backup location', m.backup_location, s.backupLocation],
      // Records signed before levels per medium carry none: the row then holds the single level.
      ...(s.securityLevel !== undefined ? [['security level', m.security_level, s.securityLevel] as [string, unknown, unknown]] : []),
    ];
    for (const [name, stored, signed] of pairs) {
      if ((stored ?? null) !== (signed ?? null)) return `Certificate ${content.certificateNo}: the ${name} of medium ${i + 1} differs from the signed record.`;
    }
  }
  if (!journal) return `Certificate ${content.certificateNo}: the journal has no entry of this destruction.`;
  const ids = content.media.map((m) => m.id);
  if (
    journal.certificateNo !== content.certificateNo ||
    journal.recordId !== row.record_id ||
    journal.method !== content.method ||
    journal.category !== content.category ||
    journal.performedAt !== content.performedAt ||
    JSON.stringify(journal.mediaIds) !== JSON.stringify(ids)
  ) {
    return `Certificate ${content.certificateNo}: the journal's entry of the destruction differs from the signed record.`;
  }
  return null;
}

// ---- The check code printed in the certificate's QR code (finding 4) -------------------------

/**
 * The certificate's check code: 128 bits, derived from the destruction's id under the server's
 * badge key (so a reprint carries the same code, and a copy of the database alone yields none).
 * The database keeps only its SHA-256. Base64url, 22 characters.
 */
export function checkCodeFor(destructionId: string, key: Buffer): string {
  return crypto.createHmac('sha256', key).update(`tachiai:certificate-check:${destructionId}`).digest().subarray(0, 16).toString('base64url');
}

export function checkCodeHash(code: string): string {
  return crypto.createHash('sha256').update(code, 'utf8').digest('hex');
}

/** Does `presented` match the stored hash? (constant time) */
export function checkCodeMatches(presented: string | undefined, storedHash: string | null, destructionId: string, key: Buffer): boolean {
  if (!presented || !/^[A-Za-z0-9_-]{22}$/.test(presented)) return false;
  // Certificates recorded before the check code existed have no stored hash: derived the same way.
  const expected = Buffer.from(storedHash ?? checkCodeHash(checkCodeFor(destructionId, key)), 'hex');
  const actual = Buffer.from(checkCodeHash(presented), 'hex');
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}
