// @ts-check
// The evidence of a finding of the weekly review, as rows: the entries of the door log, the
// requests of the access log and the journal entries it rests on (the first 50 of each kind, by
// their numbers). They are read when the finding is first opened, from the lists the audit screens
// read (GET /api/entries, /api/access-log, /api/journal), narrowed to the week and to whom or what
// the finding is about; a number that the narrowed list does not hold is still shown, as a number.
import { el } from './dom.js';

/** @typedef {import('./api-types.js').ReviewFinding} ReviewFinding */
/** @typedef {import('./api-types.js').Entry} Entry */
/** @typedef {import('./api-types.js').AccessLogRow} AccessLogRow */
/** @typedef {import('./api-types.js').JournalRow} JournalRow */
/**
 * The rows found for a finding's evidence, by number, and what could not be read.
 * @typedef {{ entries: Map<string, Entry>, access: Map<string, AccessLogRow>, journal: Map<number, JournalRow>, error: string | null }} EvidenceRows
 */

const PAGE = 200;
const MAX_PAGES = 3;
/** Kinds resting on refused scans, and the status of the requests each sign-in kind rests on. */
const DENIALS = ['denied_scans', 'probing', 'unknown_badge', 'anti_passback'];
const STATUS = { failed_signins: '401', lockout: '423', forbidden: '403' };

/**
 * Reads the rows of the list at `path` (filters `q`), page after page, until every wanted number is
 * found or MAX_PAGES were read; answers them by number, or the error code.
 * @template T
 * @param {import('./page-types.js').Host} host
 * @param {string} path
 * @param {URLSearchParams} q
 * @param {Set<string>} wanted
 * @param {(row: T) => string} idOf
 * @returns {Promise<Map<string, T> | string>}
 */
async function collect(host, path, q, wanted, idOf) {
  /** @type {Map<string, T>} */
  const found = new Map();
  let cursor = '';
  for (let page = 0; page < MAX_PAGES && found.size < wanted.size; page++) {
    const params = new URLSearchParams(q);
    params.set('limit', String(PAGE));
    if (cursor) params.set('cursor', cursor);
    const res = await host.api('GET', `${path}?${params}`);
    if (res.status !== 200 || !Array.isArray(res.data?.items)) return res.code ?? `HTTP ${res.status || 'network'}`;
    for (const row of /** @type {T[]} */ (res.data.items)) if (wanted.has(idOf(row))) found.set(idOf(row), row);
    cursor = res.data.nextCursor ?? '';
    if (!cursor) break;
  }
  return found;
}

/** An instant `ms` milliseconds after an RFC 3339 time, in UTC. */
const after = (iso, ms) => new Date(Date.parse(iso) + ms).toISOString();

/**
 * Reads the evidence rows of a finding of the week `period` (from, to).
 * @param {import('./page-types.js').Host} host
 * @param {ReviewFinding} f
 * @param {{ from: string, to: string }} period
 * @returns {Promise<EvidenceRows>}
 */
export async function loadEvidence(host, f, period) {
  /** @type {EvidenceRows} */
  const out = { entries: new Map(), access: new Map(), journal: new Map(), error: null };
  const jobs = [];
  if (f.evidence.entries.length) {
    const q = new URLSearchParams({ from: period.from, to: period.to });
    if (f.personIds.length === 1) q.set('personId', f.personIds[0]);
    else if (f.roomIds.length === 1) q.set('roomId', f.roomIds[0]);
    if (DENIALS.includes(f.kind)) q.set('decision', 'denied');
    if (f.kind === 'unknown_badge') q.set('reason', 'unknown_badge');
    jobs.push(
      collect(host, '/api/entries', q, new Set(f.evidence.entries), (/** @type {Entry} */ r) => String(r.id)).then((got) => {
        if (typeof got === 'string') out.error = got;
        else out.entries = got;
      }),
    );
  }
  if (f.evidence.accessLog.length) {
    // From the first request on; a single one, or a burst within minutes, narrowly.
    const minutes = typeof f.facts.minutes === 'number' ? f.facts.minutes : 0;
    const to = f.evidence.accessLog.length === 1 ? after(f.at, 1000) : minutes ? after(f.at, (minutes + 1) * 60_000) : period.to;
    const q = new URLSearchParams({ from: f.at, to: Date.parse(to) < Date.parse(period.to) ? to : period.to });
    const status = STATUS[/** @type {keyof typeof STATUS} */ (f.kind)];
    if (status) q.set('status', status);
    jobs.push(
      collect(host, '/api/access-log', q, new Set(f.evidence.accessLog), (/** @type {AccessLogRow} */ r) => String(r.id)).then((got) => {
        if (typeof got === 'string') out.error = got;
        else out.access = got;
      }),
    );
  }
  if (f.evidence.journal.length && typeof f.facts.subject === 'string' && f.facts.subject) {
    const q = new URLSearchParams({ subject: f.facts.subject });
    jobs.push(
      collect(host, '/api/journal', q, new Set(f.evidence.journal.map(String)), (/** @type {JournalRow} */ r) => String(r.seq)).then((got) => {
        if (typeof got === 'string') out.error = got;
        else out.journal = new Map([...got].map(([k, v]) => [Number(k), v]));
      }),
    );
  }
  await Promise.all(jobs);
  return out;
}

/**
 * The evidence of a finding on screen: a table per kind of record (the rows read), the numbers the
 * lists did not hold, and how many there are in all when there are more than shown.
 * @param {import('./page-types.js').ReviewContext} ctx
 * @param {ReviewFinding} f
 * @param {EvidenceRows | 'loading' | null} rows
 */
export function evidenceNodes(ctx, f, rows) {
  const { tx } = ctx;
  const loaded = rows && rows !== 'loading' ? rows : null;
  const parts = [];
  const shown = f.evidence.entries.length + f.evidence.accessLog.length + f.evidence.journal.length;
  if (rows === 'loading') parts.push(el('p', { cls: 'muted', text: tx('review.ev.loading') }));
  if (loaded?.error) parts.push(el('p', { cls: 'rv-ev-error', text: tx('review.ev.failed', { code: loaded.error }) }));
  const cell = (text, cls = '') => el('td', { cls, text });
  const section = (titleKey, testid, ids, found, heads, row) => {
    const have = ids.filter((id) => found?.has(id));
    const missing = ids.filter((id) => !found?.has(id));
    return el(
      'div',
      { cls: 'rv-ev', attrs: { 'data-testid': testid } },
      el('h5', { text: tx('review.ev.head', { title: tx(titleKey), n: ids.length }) }),
      ...(have.length
        ? [
            el(
              'div',
              { cls: 'table-wrap' },
              el(
                'table',
                { cls: 'log-table rv-ev-table' },
                el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { text: tx(`review.ev.col.${h}`), attrs: { scope: 'col' } })))),
                el('tbody', {}, ...have.map((id) => row(found.get(id)))),
              ),
            ),
          ]
        : []),
      ...(missing.length ? [el('p', { cls: 'rv-ev-ids', text: tx(have.length ? 'review.ev.others' : 'review.ev.ids', { ids: missing.join(', ') }), attrs: { 'data-testid': `${testid}-ids` } })] : []),
    );
  };
  if (f.evidence.entries.length) {
    parts.push(
      section('review.ev.entries', 'evidence-entries', f.evidence.entries, loaded?.entries, ['id', 'at', 'who', 'room', 'direction', 'decision', 'reason'], (/** @type {Entry} */ e) =>
        el(
          'tr',
          { attrs: { 'data-testid': 'evidence-entry', 'data-id': e.id } },
          cell(e.id, 'audit-num'),
          cell(ctx.time(e.at), 'log-time'),
          cell(e.person?.name ?? (e.presentedHint ? tx('review.ev.presented', { hint: e.presentedHint }) : tx('review.f.unknown')), 'rv-nowrap'),
          cell(e.roomName, 'rv-nowrap'),
          cell(tx(`review.ev.${e.direction}`)),
          cell(tx(`review.ev.${e.decision}`), e.decision === 'denied' ? 'rv-ev-denied' : ''),
          cell(e.reason ? tx(`review.reason.${e.reason}`) : ''),
        ),
      ),
    );
  }
  if (f.evidence.accessLog.length) {
    parts.push(
      section('review.ev.access', 'evidence-access', f.evidence.accessLog, loaded?.access, ['id', 'at', 'user', 'request', 'status', 'source'], (/** @type {AccessLogRow} */ a) =>
        el(
          'tr',
          { attrs: { 'data-testid': 'evidence-request', 'data-id': a.id } },
          cell(a.id, 'audit-num'),
          cell(ctx.time(a.at), 'log-time'),
          cell(a.username ?? '—', 'rv-nowrap'),
          cell(`${a.method} ${a.path}`, 'audit-code rv-ev-path'),
          cell(String(a.status), `audit-num${a.status >= 400 ? ' rv-ev-denied' : ''}`),
          cell(a.sourceIp ?? '—', 'audit-code'),
        ),
      ),
    );
  }
  if (f.evidence.journal.length) {
    const byNumber = loaded?.journal ? new Map([...loaded.journal].map(([k, v]) => [String(k), v])) : undefined;
    parts.push(
      section('review.ev.journal', 'evidence-journal', f.evidence.journal.map(String), byNumber, ['id', 'at', 'action', 'subject'], (/** @type {JournalRow} */ j) =>
        el(
          'tr',
          { attrs: { 'data-testid': 'evidence-journal-row', 'data-id': j.seq } },
          cell(String(j.seq), 'audit-num'),
          cell(ctx.time(j.at), 'log-time'),
          cell(j.action, 'audit-code'),
          cell(j.subject, 'audit-code rv-ev-path'),
        ),
      ),
    );
  }
  if (f.evidenceCount > shown) parts.push(el('p', { cls: 'field-hint', text: tx('review.ev.capped', { n: f.evidenceCount }) }));
  return parts;
}
