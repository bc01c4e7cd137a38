// The signing key's history and its rotation (issue 19, item 6b; `tachiai rotate-key`). The
// server's Ed25519 key (SIGNING_KEY) signs checkpoints, record signatures, receipts and
// certificates, each naming its key id. A rotation:
//   1. `rotate-key --begin` makes the next key (DATA_DIR/secrets/signing-key.next.pem, or the one
//      given as SIGNING_KEY_NEXT), records its public key endorsed by the current key, journaled.
//      Every server given the next key co-signs each C2SP checkpoint with it (a second signature
//      line under the same origin): witnesses and depositors move to the new vkey at their pace.
//   2. `rotate-key --finish` makes the next key the current one: the old public key is kept,
//      endorsed by the new key, and the old private key is removed; the shared-secrets fingerprint
//      becomes the new one's and the escrow must be made again (the server says so until it is).
// The history holds public keys only. A key is trusted only through endorsements from the key the
// server holds (each key endorsed by its predecessor or successor): a row added behind the
// application's back makes no key trusted, so what old keys signed stays verifiable by key id and
// nothing else does.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { ConflictError, ValidationError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { newEd25519Pem, signingKeysFromPem, type PublicSigningKey, type Secrets, type SigningKeys } from '../secrets.js';
import { secretsFingerprint } from './escrow.js';

interface KeyRow {
  key_id: string;
  public_key_pem: string;
  state: 'current' | 'next' | 'retired';
  endorsed_by: string | null;
  endorsement: string | null;
  added_at: Date;
  retired_at: Date | null;
}

const endorsementText = (keyId: string, publicKeyPem: string) => `tachiai/signing-key-endorsement/v1\n${keyId}\n${publicKeyPem.trim()}\n`;

function endorse(by: SigningKeys, key: PublicSigningKey): string {
  return crypto.sign(null, Buffer.from(endorsementText(key.keyId, key.publicKeyPem), 'utf8'), by.privateKey).toString('base64');
}

function publicOf(row: Pick<KeyRow, 'key_id' | 'public_key_pem'>): PublicSigningKey | null {
  try {
    const publicKey = crypto.createPublicKey(row.public_key_pem);
    const keyId = crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
    return keyId === row.key_id && publicKey.asymmetricKeyType === 'ed25519' ? { keyId, publicKey, publicKeyPem: row.public_key_pem } : null;
  } catch {
    return null;
  }
}

/**
 * The earlier keys this server may trust: every key of the history reachable by valid
 * endorsements from the key it holds (and its next key). Public keys only.
 */
export async function trustedPreviousKeys(db: Knex, keys: SigningKeys): Promise<PublicSigningKey[]> {
  if (!(await db.schema.hasTable('signing_keys'))) return [];
  const rows = (await db('signing_keys').orderBy('added_at')) as KeyRow[];
  return endorsedKeys(rows.map((r) => ({ keyId: r.key_id, publicKeyPem: r.public_key_pem, endorsedBy: r.endorsed_by, endorsement: r.endorsement })), keys);
}

/** The keys of a history reachable by valid endorsements from `keys` (and its next key); pure (the restore's key check uses it on a backup's header). */
export function endorsedKeys(history: Array<{ keyId: string; publicKeyPem: string; endorsedBy: string | null; endorsement: string | null }>, keys: SigningKeys): PublicSigningKey[] {
  const rows = history.map((h) => ({ key_id: h.keyId, public_key_pem: h.publicKeyPem, endorsed_by: h.endorsedBy, endorsement: h.endorsement }));
  const trusted = new Map<string, PublicSigningKey>([[keys.keyId, keys], ...(keys.next ? [[keys.next.keyId, keys.next] as const] : [])]);
  const previous: PublicSigningKey[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) {
      if (trusted.has(row.key_id) || !row.endorsed_by || !row.endorsement) continue;
      const by = trusted.get(row.endorsed_by);
      const key = publicOf(row);
      if (!by || !key) continue;
      let valid = false;
      try {
        valid = crypto.verify(null, Buffer.from(endorsementText(key.keyId, key.publicKeyPem), 'utf8'), by.publicKey, Buffer.from(row.endorsement, 'base64'));
      } catch {
        valid = false;
      }
      if (!valid) continue;
      trusted.set(key.keyId, key);
      previous.push(key);
      grew = true;
    }
  }
  return previous;
}

/** Loads the trusted earlier keys into the server's signing keys (at start, and after a rotation step). */
export async function loadKeyHistory(db: Knex, keys: SigningKeys): Promise<void> {
  keys.previous = await trustedPreviousKeys(db, keys);
}

export interface KeyView extends PublicSigningKey {
  state: 'current' | 'next' | 'previous';
}

/** The keys to publish (GET /api/signing-key): current, next (during a rotation), previous. */
export function publishedKeys(keys: SigningKeys): KeyView[] {
  return [
    { keyId: keys.keyId, publicKey: keys.publicKey, publicKeyPem: keys.publicKeyPem, state: 'current' },
    ...(keys.next ? [{ keyId: keys.next.keyId, publicKey: keys.next.publicKey, publicKeyPem: keys.next.publicKeyPem, state: 'next' as const }] : []),
    ...(keys.previous ?? []).map((k) => ({ keyId: k.keyId, publicKey: k.publicKey, publicKeyPem: k.publicKeyPem, state: 'previous' as const })),
  ];
}

async function siteRow(trx: Knex): Promise<{ site_id: string }> {
  const row = (await trx('site_settings').where({ id: 1 }).forUpdate().first('site_id')) as { site_id: string } | undefined;
  if (!row) throw new ConflictError('no_site', 'The site is not set up yet: start the server once with "tachiai serve".');
  return row;
}

/** `rotate-key --begin`: records the next key (made here unless given), endorsed by the current one. */
export async function beginRotation(app: Pick<AppContext, 'db' | 'secrets'>, actor: string, nextPem?: string): Promise<SigningKeys> {
  const current = app.secrets.signing;
  const next = signingKeysFromPem(nextPem ?? newEd25519Pem());
  if (next.keyId === current.keyId) throw new ValidationError('The next signing key is the current one: a rotation needs a new key.');
  return app.db.knex.transaction(async (trx) => {
    const site = await siteRow(trx);
    const under = (await trx('signing_keys').where({ state: 'next' }).first('key_id')) as { key_id: string } | undefined;
    if (under) throw new ConflictError('rotation_under_way', `A rotation is under way already (next key ${under.key_id}): finish it first (tachiai rotate-key --finish).`);
    const now = new Date();
    await trx('signing_keys').insert({ key_id: current.keyId, public_key_pem: current.publicKeyPem, state: 'current', added_at: now }).onConflict('key_id').ignore();
    await trx('signing_keys').insert({ key_id: next.keyId, public_key_pem: next.publicKeyPem, state: 'next', endorsed_by: current.keyId, endorsement: endorse(current, next), added_at: now });
    await appendJournal(trx, { actor, action: 'secrets.signing_key_rotation_begun', subject: `site:${site.site_id}`, payload: { keyId: current.keyId, nextKeyId: next.keyId, nextPublicKeyPem: next.publicKeyPem } });
    return next;
  });
}

/**
 * `rotate-key --finish`: the next key (configured on this server) becomes the current one; the
 * old one is retired, endorsed by the new; the shared-secrets fingerprint is the new one's and the
 * escrow is due again. Returns the new fingerprint.
 */
export async function finishRotation(app: Pick<AppContext, 'db' | 'secrets'>, actor: string): Promise<{ previousKeyId: string; keyId: string; fingerprint: string }> {
  const old = app.secrets.signing;
  const next = old.next;
  if (!next) throw new ValidationError('This server has no next signing key (DATA_DIR/secrets/signing-key.next.pem or SIGNING_KEY_NEXT): nothing to finish. Begin with "tachiai rotate-key --begin".');
  const fingerprint = secretsFingerprint({ ...(app.secrets as Secrets), signing: next });
  return app.db.knex.transaction(async (trx) => {
    const site = await siteRow(trx);
    const row = (await trx('signing_keys').where({ key_id: next.keyId }).first('state')) as { state: string } | undefined;
    if (row?.state !== 'next') throw new ConflictError('no_rotation', `The next key ${next.keyId} is not the one "rotate-key --begin" recorded: nothing is changed.`);
    const now = new Date();
    await trx('signing_keys').where({ key_id: old.keyId }).update({ state: 'retired', retired_at: now, endorsed_by: next.keyId, endorsement: endorse(next, old) });
    await trx('signing_keys').where({ key_id: next.keyId }).update({ state: 'current' });
    await trx('site_settings').where({ id: 1 }).update({ secrets_fingerprint: fingerprint, secrets_escrowed_at: null });
    await appendJournal(trx, { actor, action: 'secrets.signing_key_rotated', subject: `site:${site.site_id}`, payload: { previousKeyId: old.keyId, keyId: next.keyId, fingerprint } });
    return { previousKeyId: old.keyId, keyId: next.keyId, fingerprint };
  });
}
