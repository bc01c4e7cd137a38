// What a witness signature says, and how anyone checks it offline with only the public key
// (GET /api/signing-key) and the printed record.
//
// 21 CFR Part 11 §11.50: a signed record shows the signer's printed name, the date and time of
// signing, and the meaning of the signature. §11.70: the signature is linked to its record so it
// cannot be copied onto another — here the signed message carries the SHA-256 of the record's
// canonical content (RFC 8785), and the server signs the message with its Ed25519 key.
import crypto, { type KeyObject } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../journal/canonical.js';

export const SIGNATURE_TYPE = 'tachiai.signature.v1';

/** The meanings a signature can carry (shown in Japanese and English on every printout). */
export const MEANINGS = {
  received: { ja: '受領', en: 'received' },
  returned: { ja: '返却', en: 'returned' },
  'witnessed handover': { ja: '受け渡し立会い', en: 'witnessed handover' },
  'witnessed transfer': { ja: '搬出立会い', en: 'witnessed transfer' },
  'received transfer': { ja: '搬送品受領', en: 'received transfer' },
  inspected: { ja: '点検実施', en: 'inspected' },
  'witnessed destruction': { ja: '廃棄立会い', en: 'witnessed destruction' },
  'present at printing': { ja: '出力立会い', en: 'present at printing' },
  reviewed: { ja: '週次点検の承認', en: 'reviewed' },
  'took backup': { ja: 'バックアップ取得', en: 'took backup' },
  attested: { ja: '遵守の表明', en: 'attested' },
  'approved monthly report': { ja: '月次報告の承認', en: 'approved monthly report' },
  'remote unlock': { ja: '遠隔解錠', en: 'remote unlock' },
} as const;
export type Meaning = keyof typeof MEANINGS;

export interface SignatureManifest {
  type: typeof SIGNATURE_TYPE;
  recordId: string;
  recordKind: string;
  /** SHA-256 (hex) of the record's canonical content. */
  recordHash: string;
  position: number;
  signerPersonId: string;
  signerName: string;
  meaning: Meaning;
  /** ISO 8601 UTC with milliseconds. */
  signedAt: string;
  keyId: string;
  /** SHA-256 (hex) of the drawn signature image's data URL, when one was drawn. */
  drawnImageHash: string | null;
}

/** The exact bytes the server signs (and a verifier re-creates). */
export function signatureMessage(m: SignatureManifest): string {
  return canonicalJson(m);
}

export function signManifest(m: SignatureManifest, privateKey: KeyObject): string {
  return crypto.sign(null, Buffer.from(signatureMessage(m), 'utf8'), privateKey).toString('base64');
}

export function recordHash(content: string): string {
  return sha256Hex(content);
}

/**
 * Offline check: the record's content hashes to the manifest's recordHash, and the signature
 * verifies under the public key. Needs nothing from the server but its public key.
 */
export function verifySignatureOffline(opts: { recordContent: string; manifest: SignatureManifest; signature: string; publicKeyPem: string }): boolean {
  if (sha256Hex(opts.recordContent) !== opts.manifest.recordHash) return false;
  try {
    return crypto.verify(null, Buffer.from(signatureMessage(opts.manifest), 'utf8'), crypto.createPublicKey(opts.publicKeyPem), Buffer.from(opts.signature, 'base64'));
  } catch {
    return false;
  }
}
