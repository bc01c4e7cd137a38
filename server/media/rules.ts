// A medium has one status at a time, and only these moves happen (issue "custody" §1).
// Plain functions, unit-tested in test/unit/media-rules.test.ts.
import { ConflictError } from '../errors.js';

export const MEDIA_KINDS = ['paper', 'usb', 'hdd', 'ssd', 'optical', 'tape', 'other'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export const MEDIA_STATUSES = ['stored', 'checked_out', 'in_transit', 'returned_to_depositor', 'destroyed'] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];

export const CLASSIFICATIONS = ['top_secret', 'secret', 'confidential'] as const;

/** A kind's name in each language. */
export const KIND_NAMES: Record<MediaKind, { ja: string; en: string }> = {
  paper: { ja: '紙', en: 'Paper' },
  usb: { ja: 'USBメモリ', en: 'USB flash' },
  hdd: { ja: 'HDD', en: 'HDD' },
  ssd: { ja: 'SSD', en: 'SSD' },
  optical: { ja: '光ディスク', en: 'Optical disc' },
  tape: { ja: '磁気テープ', en: 'Tape' },
  other: { ja: 'その他', en: 'Other' },
};
/** Words for printed pages (Japanese / English together). */
export const KIND_WORDS = Object.fromEntries(
  MEDIA_KINDS.map((k) => [k, KIND_NAMES[k].ja === KIND_NAMES[k].en ? KIND_NAMES[k].ja : `${KIND_NAMES[k].ja} ${KIND_NAMES[k].en}`]),
) as Record<MediaKind, string>;
export const STATUS_PRINT_WORDS: Record<MediaStatus, string> = {
  stored: '保管中 Stored',
  checked_out: '持出し中 Checked out',
  in_transit: '搬送中 In transit',
  returned_to_depositor: '預託者へ返却済み Returned to the depositor',
  destroyed: '廃棄済み Destroyed',
};
export const CLASSIFICATION_WORDS: Record<string, string> = { top_secret: '極秘 Top secret', secret: '秘 Secret', confidential: '社外秘 Confidential' };

export const LOCATION_KINDS = ['cabinet', 'safe', 'vault'] as const;

/**
 * The custody actions and the statuses each may start from → the status it leaves.
 * - checkout / checkin (E1.2, E6.5): out of, and back into, a locked location;
 * - handover (E1.3): a held medium passes to another person, or back to the depositor;
 *   a medium the depositor took back can be deposited again;
 * - transfer (E1.3, E1.8): leaves the site (stored or held) and is received at the destination;
 * - destroy (E7): from stored or held; a destroyed medium never changes again;
 * - copy (E1.7): the source stays where it is but must be at hand.
 */
export const ACTIONS = {
  checkout: { from: ['stored'], to: ['checked_out'] },
  checkin: { from: ['checked_out'], to: ['stored'] },
  handover: { from: ['checked_out'], to: ['checked_out'] },
  return_to_depositor: { from: ['checked_out'], to: ['returned_to_depositor'] },
  redeposit: { from: ['returned_to_depositor'], to: ['stored'] },
  transfer_send: { from: ['stored', 'checked_out'], to: ['in_transit'] },
  transfer_receive: { from: ['in_transit'], to: ['stored', 'checked_out', 'returned_to_depositor'] },
  destroy: { from: ['stored', 'checked_out'], to: ['destroyed'] },
  copy: { from: ['stored', 'checked_out'], to: ['stored', 'checked_out'] },
} as const satisfies Record<string, { from: readonly MediaStatus[]; to: readonly MediaStatus[] }>;
export type CustodyAction = keyof typeof ACTIONS;

const STATUS_WORDS: Record<MediaStatus, string> = {
  stored: 'stored',
  checked_out: 'checked out',
  in_transit: 'in transit',
  returned_to_depositor: 'returned to the depositor',
  destroyed: 'destroyed',
};

const ACTION_WORDS: Record<CustodyAction, string> = {
  checkout: 'checked out',
  checkin: 'checked in',
  handover: 'handed over',
  return_to_depositor: 'returned to the depositor',
  redeposit: 'deposited again',
  transfer_send: 'sent off site',
  transfer_receive: 'received at a destination',
  destroy: 'destroyed',
  copy: 'copied',
};

/** The status in words, for messages ("is checked out", "is returned to the depositor"). */
export const statusWords = (status: MediaStatus): string => STATUS_WORDS[status];

export function mayDo(action: CustodyAction, current: MediaStatus): boolean {
  return (ACTIONS[action].from as readonly MediaStatus[]).includes(current);
}

/** 409 with the current status in the message when the action is not allowed from it. */
export function assertMayDo(action: CustodyAction, medium: { label: string; status: MediaStatus }, field?: string): void {
  if (mayDo(action, medium.status)) return;
  throw new ConflictError(
    `medium_${medium.status}`,
    `Medium ${medium.label} is ${STATUS_WORDS[medium.status]} and cannot be ${ACTION_WORDS[action]}.`,
    field ? [{ field, code: `medium_${medium.status}`, message: `${medium.label}: ${STATUS_WORDS[medium.status]}` }] : [],
  );
}

export function assertLeadsTo(action: CustodyAction, to: MediaStatus): void {
  if (!(ACTIONS[action].to as readonly MediaStatus[]).includes(to)) {
    throw new Error(`Custody action ${action} cannot lead to ${to}`);
  }
}

/** What the QR code on a medium's label carries: recognisable by the front desk, not secret. */
export const MEDIUM_CODE_PREFIX = 'tm1_';
export const mediumCode = (id: string) => `${MEDIUM_CODE_PREFIX}${id}`;
export function mediumIdFromCode(code: string): string | null {
  const m = /^tm1_([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$/i.exec(code.trim());
  return m ? m[1]!.toLowerCase() : null;
}
