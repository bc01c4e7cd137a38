// Badge tokens: what the QR code carries. `tb1_` + nonce + MAC(badge key, nonce).
// - ≥ 128 bits of unpredictability (the MAC under a server secret), URL-safe, not derived
//   from the person.
// - The database stores the random nonce and a digest of the token: a copy of the database
//   alone yields no working badge, yet the server can print a damaged card again.
// Card UIDs (IC cards) are matched by their MAC as well, for the same reason.
import crypto from 'node:crypto';

const PREFIX = 'tb1_';
const NONCE_BYTES = 16;
const MAC_BYTES = 16;

export function newBadgeNonce(): string {
  return crypto.randomBytes(NONCE_BYTES).toString('base64url');
}

export function badgeTokenFor(nonce: string, badgeKey: Buffer): string {
  const mac = crypto.createHmac('sha256', badgeKey).update(`badge-token:${nonce}`).digest().subarray(0, MAC_BYTES);
  return `${PREFIX}${nonce}${mac.toString('base64url')}`;
}

export function tokenDigest(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

export function looksLikeBadgeToken(value: string): boolean {
  return /^tb1_[A-Za-z0-9_-]{44}$/.test(value);
}

/** IC card readers differ in case and separators; the UID is the hex digits. */
export function normaliseCardUid(value: string): string {
  return value.trim().replace(/[\s:-]/g, '').toUpperCase();
}

export function cardUidDigest(uid: string, badgeKey: Buffer): string {
  return crypto.createHmac('sha256', badgeKey).update(`card-uid:${normaliseCardUid(uid)}`).digest('hex');
}
