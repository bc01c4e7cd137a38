// @ts-check
// What a finding of the weekly review says, in words: its kind and severity, one line that sums it
// up from its facts (names, rooms, counts, reasons — the facts the server wrote, never secrets),
// the facts one by one, and the tables of the records (for the differences a signature or a
// re-check finds).
import { has } from './i18n.js';

/** @typedef {import('./page-types.js').ReviewContext} ReviewContext */
/** @typedef {import('./api-types.js').ReviewFinding} ReviewFinding */

export const SEVERITIES = ['alert', 'warning', 'info'];
export const DISPOSITIONS = ['explained', 'reported', 'incident'];
/** The facts in the order they are listed, and those that are times. */
const FACT_ORDER = ['person', 'username', 'roles', 'room', 'otherRoom', 'rooms', 'reason', 'hint', 'count', 'minutes', 'seconds', 'in', 'out', 'hours', 'stillInside', 'address', 'addresses', 'paths', 'action', 'subject', 'actor', 'labels', 'detail'];
const TIMES = ['in', 'out'];

/**
 * @param {ReviewContext} ctx
 * @param {string} kind
 */
export const kindTitle = (ctx, kind) => (has('en', `review.kind.${kind}`) ? ctx.tx(`review.kind.${kind}`) : kind);

/**
 * @param {ReviewContext} ctx
 * @param {string} reason
 */
const reasonWord = (ctx, reason) => (has('en', `review.reason.${reason}`) ? ctx.tx(`review.reason.${reason}`) : reason);

/**
 * Role codes ("responsible, staff") in words.
 * @param {ReviewContext} ctx
 * @param {string} roles
 */
function roleWords(ctx, roles) {
  const sep = ctx.host.lang() === 'ja' ? '・' : ', ';
  return roles
    .split(/,\s*/)
    .filter(Boolean)
    .map((r) => (has('en', `role.${r}`) ? ctx.tx(`role.${r}`) : r))
    .join(sep);
}

/**
 * A fact's value in words.
 * @param {ReviewContext} ctx
 * @param {string} name
 * @param {string | number | null} value
 */
function factValue(ctx, name, value) {
  if (value === null || value === undefined || value === '') return '';
  if (TIMES.includes(name)) return ctx.time(String(value));
  if (name === 'reason') return reasonWord(ctx, String(value));
  if (name === 'roles') return roleWords(ctx, String(value));
  if (name === 'stillInside') return ctx.tx(value ? 'review.yes' : 'review.no');
  if (typeof value === 'number') return new Intl.NumberFormat('en-US').format(value);
  return String(value);
}

/**
 * One line that sums a finding up: who, where, what and how often.
 * @param {ReviewContext} ctx
 * @param {ReviewFinding} f
 */
export function summary(ctx, f) {
  const x = f.facts;
  const unknown = ctx.tx('review.f.unknown');
  /** @type {Record<string, string>} */
  const p = {};
  for (const [k, v] of Object.entries(x)) p[k] = factValue(ctx, k, v) || unknown;
  switch (f.kind) {
    case 'probing':
      p.who = x.person ? String(x.person) : ctx.tx('review.f.value', { hint: p.hint });
      break;
    case 'outside_hours_presence':
      p.out = x.out ? p.out : ctx.tx('review.f.inside');
      break;
    case 'long_stay':
      p.still = x.stillInside ? ctx.tx('review.f.still_inside') : '';
      break;
    case 'door_alarm': {
      // Issue 20: which alarm, where, and who acknowledged it with what note.
      const sep = ctx.host.lang() === 'ja' ? '・' : ', ';
      const what = ctx.tx(`review.alarm.${String(x.alarm)}`);
      const where = [x.room, x.door].filter((v) => v !== null && v !== undefined && v !== '').map(String).join(' / ');
      const ack = x.actor ? `${x.actor}${x.detail ? `「${x.detail}」` : ''}` : '';
      return [what, where, ack].filter(Boolean).join(sep);
    }
    case 'after_hours_media':
    case 'inspection_discrepancy':
    case 'open_transfer': {
      // The media first, then where and who, as far as they are known.
      const sep = ctx.host.lang() === 'ja' ? '・' : ', ';
      const rest = [x.room, x.person, x.detail].filter((v) => v !== null && v !== undefined && v !== '').map(String);
      return [x.labels ? String(x.labels) : '', rest.join(sep)].filter(Boolean).join(': ') || kindTitle(ctx, f.kind);
    }
    default:
      break;
  }
  const key = `review.sum.${f.kind}`;
  if (has('en', key)) return ctx.tx(key, p);
  return Object.keys(x)
    .map((k) => p[k])
    .join(' / ');
}

/**
 * The facts of a finding one by one: [label, words], in a steady order, the empty ones left out.
 * @param {ReviewContext} ctx
 * @param {ReviewFinding} f
 * @returns {[string, string][]}
 */
export function factRows(ctx, f) {
  const names = [...FACT_ORDER.filter((k) => k in f.facts), ...Object.keys(f.facts).filter((k) => !FACT_ORDER.includes(k))];
  /** @type {[string, string][]} */
  const rows = [];
  for (const k of names) {
    const words = factValue(ctx, k, f.facts[k] ?? null);
    if (words) rows.push([has('en', `review.fact.${k}`) ? ctx.tx(`review.fact.${k}`) : k, words]);
  }
  return rows;
}

/**
 * A table of the records (entries, access_log, journal_entries…) in words.
 * @param {ReviewContext} ctx
 * @param {string} table
 */
export const tableWord = (ctx, table) => (has('en', `review.table.${table}`) ? ctx.tx(`review.table.${table}`) : table);

/**
 * A difference of one table and day: "入退室記録・2026/12/03（木）: 5件 → 6件".
 * @param {ReviewContext} ctx
 * @param {{ table: string, day: string, before: number | null, after: number | null }} d
 */
export function changeLine(ctx, d) {
  const params = { table: tableWord(ctx, d.table), day: ctx.date(d.day), before: d.before ?? 0, after: d.after ?? 0, n: d.after ?? 0 };
  return ctx.tx(d.before !== null && d.before === d.after ? 'review.err.change.same' : 'review.err.change', params);
}

/**
 * A count with thousands separators, the same in both languages: 12,345.
 * @param {number} n
 */
export const count = (n) => new Intl.NumberFormat('en-US').format(Number(n) || 0);
