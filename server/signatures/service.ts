// Witness signatures — the mechanism custody, transfers, inspections and destruction share.
//
// A signer presents their badge and types their PIN at that moment. verifySigners() checks both
// *before* the request's transaction (a wrong PIN must count toward the lockout although the
// request then changes nothing); recordSigned() then stores, in the request's transaction, the
// record's canonical content and one signature per signer (printed name, time, meaning, and an
// Ed25519 signature over the record's hash — see manifest.ts).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { AppError, ConflictError, ValidationError, type ErrorDetail } from '../errors.js';
import type { Permission } from '../auth/permissions.js';
import { appendJournal } from '../journal/journal.js';
import { canonicalJson } from '../journal/canonical.js';
import { badgeIsLive, checkBadgePin, findPresentedBadge } from '../badges/service.js';
import { pinRefusalText } from '../badges/pins.js';
import { getPerson } from '../people/service.js';
import { getRoom } from '../rooms/service.js';
import { peopleInside } from './presence.read-model.js';
import { toRfc3339 } from '../shared/time.js';
import { MEANINGS, recordHash, signManifest, signatureMessage, SIGNATURE_TYPE, type Meaning, type SignatureManifest } from './manifest.js';

export interface SignerInput {
  personId: string;
  badge: string;
  pin: string;
  drawnImage?: string | undefined;
}

export interface VerifiedSigner {
  personId: string;
  badgeId: string;
  meaning: Meaning;
  drawnImage: string | null;
}

/**
 * Checks every signer's badge and PIN (each wrong PIN counts toward that badge's lockout).
 * Throws 400 `signature_invalid` naming each failing signer, or 423 `pin_locked` when a PIN is
 * locked. Returns the signers in the order given.
 */
export async function verifySigners(app: AppContext, signers: Array<SignerInput & { meaning: Meaning; field: string }>): Promise<VerifiedSigner[]> {
  const details: ErrorDetail[] = [];
  const changeRequired: ErrorDetail[] = [];
  let lockedFor = 0;
  const verified: VerifiedSigner[] = [];
  for (const signer of signers) {
    // A badge of somebody else is refused before its PIN is tried: it is not that badge's
    // holder typing, so it must not lock the holder out.
    const presented = await findPresentedBadge(app, app.db.knex, signer.badge);
    if (presented && presented.person_id !== signer.personId) {
      details.push({ field: `${signer.field}.badge`, code: 'badge_not_of_person', message: pinRefusalText('badge_not_of_person') });
      continue;
    }
    const check = await checkBadgePin(app, signer.badge, signer.pin);
    if (!check.ok) {
      if (check.reason === 'pin_locked' || check.reason === 'pin_busy') lockedFor = Math.max(lockedFor, check.retryAfterSeconds ?? 60);
      const detail = { field: `${signer.field}.${['wrong_pin', 'pin_locked', 'pin_busy', 'pin_change_required'].includes(check.reason) ? 'pin' : 'badge'}`, code: check.reason, message: pinRefusalText(check.reason) };
      (check.reason === 'pin_change_required' ? changeRequired : details).push(detail);
      continue;
    }
    verified.push({ personId: signer.personId, badgeId: check.badge.id, meaning: signer.meaning, drawnImage: signer.drawnImage ?? null });
  }
  if (lockedFor > 0) {
    throw new AppError(423, 'pin_locked', 'A PIN is locked after too many wrong attempts; nothing was recorded.', details, { 'Retry-After': String(lockedFor) });
  }
  if (details.length > 0) {
    throw new ValidationError('A signature could not be verified (badge or PIN); nothing was recorded.', [...details, ...changeRequired], 'signature_invalid');
  }
  if (changeRequired.length > 0) {
    // The PIN was right but is shorter than 6 digits (set before the security review): it proves
    // the holder, yet signs nothing until its holder changes it.
    throw new AppError(403, 'pin_change_required', 'A signer\'s PIN is shorter than 6 digits and must be changed by its holder before it signs; nothing was recorded.', changeRequired);
  }
  return verified;
}

export interface PresenceParty {
  personId: string;
  /** What the person is in this record: `witness`, `from`, `to`, `holder`, … */
  role: string;
  field: string;
}

/**
 * Presence is proven, not claimed: everyone named must be inside the room right now according
 * to the door's log, or 409 `not_present` naming who is not (issue "custody" §4).
 */
export async function assertPresent(db: Knex, roomId: string, parties: PresenceParty[]): Promise<void> {
  const room = await getRoom(db, roomId);
  const inside = await peopleInside(db, roomId, [...new Set(parties.map((p) => p.personId))]);
  const missing = parties.filter((p) => !inside.has(p.personId));
  if (missing.length === 0) return;
  const details: ErrorDetail[] = [];
  for (const party of missing) {
    const person = await getPerson(db, party.personId);
    details.push({ field: party.field, code: 'not_present', message: `${person.name} (${party.role}) is not inside ${room.name} according to the door log.` });
  }
  throw new ConflictError('not_present', `Not inside ${room.name} according to the door log: ${details.map((d) => d.message.split(' (')[0]).join(', ')}.`, details);
}

export interface SignedRecordInput {
  kind: string;
  /** The record's id, made by the caller so that it is part of the signed content. */
  id: string;
  content: Record<string, unknown>;
  roomId: string | null;
  place: string | null;
  createdBy: string;
  signers: VerifiedSigner[];
}

export interface StoredSignature {
  id: string;
  manifest: SignatureManifest;
  signature: string;
  signerRoles: string[];
  signerOrg: string;
  drawnImage?: string | null;
}

export interface StoredRecord {
  id: string;
  kind: string;
  at: Date;
  content: string;
  contentHash: string;
  presenceVerified: boolean;
  signatures: StoredSignature[];
}

export const newRecordId = (): string => crypto.randomUUID();

/**
 * The one read permission of each kind of record, whichever route reads it (security review,
 * finding 8: staff read destruction records through /api/records/:id, which the destruction
 * routes refuse them).
 */
const RECORD_READ_PERMISSION: Record<string, Permission> = { destruction: 'destructions:read', certificate_print: 'destructions:read', weekly_review: 'reviews:read', compliance_attestation: 'compliance:read', monthly_report: 'compliance:read', monthly_report_print: 'compliance:read' };
export const recordReadPermission = (kind: string): Permission => RECORD_READ_PERMISSION[kind] ?? 'media:read';

/** Stores the record and its signatures, and journals them, in the caller's transaction. */
export async function recordSigned(app: AppContext, trx: Knex, input: SignedRecordInput): Promise<StoredRecord> {
  const { rows } = await trx.raw("SELECT date_trunc('milliseconds', clock_timestamp()) AS now");
  const at = (rows[0] as { now: Date }).now;
  const people: Array<Awaited<ReturnType<typeof getPerson>>> = [];
  for (const signer of input.signers) {
    // The badge was checked before the transaction; it must still be live now.
    if (!(await badgeIsLive(trx, signer.badgeId))) {
      throw new ConflictError('badge_revoked', 'A signer\'s badge was revoked while the request was being made; nothing was recorded.');
    }
    people.push(await getPerson(trx, signer.personId));
  }
  const presenceVerified = input.roomId !== null;
  // Names as they are now, inside what is signed: a later rename changes no signed record
  // (security review, finding 12).
  const roomName = input.roomId ? (await getRoom(trx, input.roomId)).name : null;
  const content = canonicalJson({
    ...input.content,
    id: input.id,
    kind: input.kind,
    at: at.toISOString(),
    roomId: input.roomId,
    roomName,
    place: input.place,
    presenceVerified,
    signers: input.signers.map((s, i) => ({ position: i + 1, personId: s.personId, name: people[i]!.name, org: people[i]!.org_name, roles: people[i]!.roles, meaning: s.meaning })),
  });
  const contentHash = recordHash(content);
  await trx('signed_records').insert({
    id: input.id,
    kind: input.kind,
    content,
    content_hash: contentHash,
    room_id: input.roomId,
    place: input.place,
    presence_verified: presenceVerified,
    created_by: input.createdBy,
    created_at: at,
  });
  const signatures: StoredSignature[] = [];
  for (const [i, signer] of input.signers.entries()) {
    const person = people[i]!;
    const manifest: SignatureManifest = {
      type: SIGNATURE_TYPE,
      recordId: input.id,
      recordKind: input.kind,
      recordHash: contentHash,
      position: i + 1,
      signerPersonId: signer.personId,
      signerName: person.name,
      meaning: signer.meaning,
      signedAt: at.toISOString(),
      keyId: app.secrets.signing.keyId,
      drawnImageHash: signer.drawnImage ? recordHash(signer.drawnImage) : null,
    };
    const signature = signManifest(manifest, app.secrets.signing.privateKey);
    const [row] = (await trx('signatures')
      .insert({
        record_id: input.id,
        position: i + 1,
        signer_person_id: signer.personId,
        signer_name: person.name,
        signer_roles: person.roles,
        signer_org: person.org_name,
        badge_id: signer.badgeId,
        meaning: signer.meaning,
        signed_at: at,
        key_id: manifest.keyId,
        signature,
        drawn_image: signer.drawnImage,
        drawn_image_hash: manifest.drawnImageHash,
      })
      .returning(['id'])) as Array<{ id: string }>;
    signatures.push({ id: row!.id, manifest, signature, signerRoles: person.roles, signerOrg: person.org_name, drawnImage: signer.drawnImage });
  }
  await appendJournal(trx, {
    actor: input.createdBy,
    action: 'records.signed',
    subject: `record:${input.id}`,
    payload: {
      kind: input.kind,
      contentHash,
      presenceVerified,
      signatures: signatures.map((s) => ({ personId: s.manifest.signerPersonId, meaning: s.manifest.meaning, signature: s.signature })),
    },
  });
  return { id: input.id, kind: input.kind, at, content, contentHash, presenceVerified, signatures };
}

interface SignatureRow {
  id: string;
  record_id: string;
  record_kind: string;
  content_hash: string;
  position: number;
  signer_person_id: string;
  signer_name: string;
  signer_roles: string[];
  signer_org: string;
  meaning: Meaning;
  signed_at: Date;
  key_id: string;
  signature: string;
  drawn_image: string | null;
  drawn_image_hash: string | null;
}

function storedFromRow(row: SignatureRow): StoredSignature & { drawnImage: string | null } {
  return {
    id: row.id,
    manifest: {
      type: SIGNATURE_TYPE,
      recordId: row.record_id,
      recordKind: row.record_kind,
      recordHash: row.content_hash,
      position: row.position,
      signerPersonId: row.signer_person_id,
      signerName: row.signer_name,
      meaning: row.meaning,
      signedAt: row.signed_at.toISOString(),
      keyId: row.key_id,
      drawnImageHash: row.drawn_image_hash,
    },
    signature: row.signature,
    signerRoles: row.signer_roles,
    signerOrg: row.signer_org,
    drawnImage: row.drawn_image,
  };
}

export async function signaturesOf(db: Knex, recordIds: string[]): Promise<Map<string, Array<StoredSignature & { drawnImage: string | null }>>> {
  const byRecord = new Map<string, Array<StoredSignature & { drawnImage: string | null }>>();
  if (recordIds.length === 0) return byRecord;
  const rows = (await db('signatures as s')
    .join('signed_records as r', 'r.id', 's.record_id')
    .whereIn('s.record_id', recordIds)
    .orderBy([{ column: 's.record_id' }, { column: 's.position' }])
    .select('s.*', 'r.kind as record_kind', 'r.content_hash')) as SignatureRow[];
  for (const row of rows) {
    const list = byRecord.get(row.record_id) ?? [];
    list.push(storedFromRow(row));
    byRecord.set(row.record_id, list);
  }
  return byRecord;
}

/** Several records at once, with their signatures (for checks over all records). */
export async function getSignedRecords(db: Knex, ids: string[]): Promise<Map<string, StoredRecord>> {
  const out = new Map<string, StoredRecord>();
  if (ids.length === 0) return out;
  const rows = (await db('signed_records').whereIn('id', ids)) as Array<{ id: string; kind: string; content: string; content_hash: string; presence_verified: boolean; created_at: Date }>;
  const signatures = await signaturesOf(db, ids);
  for (const row of rows) {
    out.set(row.id, { id: row.id, kind: row.kind, at: row.created_at, content: row.content, contentHash: row.content_hash, presenceVerified: row.presence_verified, signatures: signatures.get(row.id) ?? [] });
  }
  return out;
}

export async function getSignedRecord(db: Knex, id: string): Promise<StoredRecord | null> {
  const row = (await db('signed_records').where({ id }).first()) as
    | { id: string; kind: string; content: string; content_hash: string; presence_verified: boolean; created_at: Date }
    | undefined;
  if (!row) return null;
  const signatures = (await signaturesOf(db, [id])).get(id) ?? [];
  return { id: row.id, kind: row.kind, at: row.created_at, content: row.content, contentHash: row.content_hash, presenceVerified: row.presence_verified, signatures };
}

/** The JSON form of a signature: the manifest (§11.50 fields) plus what an offline check needs. */
export function signatureJson(s: StoredSignature & { drawnImage?: string | null }, tz: string) {
  return {
    id: s.id,
    position: s.manifest.position,
    signerPersonId: s.manifest.signerPersonId,
    signerName: s.manifest.signerName,
    signerRoles: s.signerRoles,
    signerOrg: s.signerOrg,
    meaning: s.manifest.meaning,
    meaningJa: MEANINGS[s.manifest.meaning]?.ja ?? s.manifest.meaning,
    signedAt: toRfc3339(new Date(s.manifest.signedAt), tz),
    recordId: s.manifest.recordId,
    recordHash: s.manifest.recordHash,
    keyId: s.manifest.keyId,
    /** The exact message signed (canonical JSON), and the Ed25519 signature over it (base64). */
    message: signatureMessage(s.manifest),
    signature: s.signature,
    hasDrawnImage: s.manifest.drawnImageHash !== null,
  };
}
