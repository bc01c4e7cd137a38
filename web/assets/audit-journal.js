// @ts-check
// The journal for auditors (記録簿（ジャーナル）): the check of the whole hash chain with a progress
// bar (GET /api/journal/verify?format=ndjson, optionally deep), its verdict in words; the latest
// signed checkpoint and the public key saved as files to keep off the server (signing one now is
// offered to those who may: journal:checkpoint); and the entries, newest first, 50 at a time,
// each with its content on demand.
import { el } from './dom.js';
import { count, emptyState, field, fetchFile, listArea, loadPage, newList, saveFile, words } from './audit-shared.js';

/** Who may sign a checkpoint now (server/auth/permissions.ts: journal:checkpoint). */
const SIGNERS = ['admin', 'responsible'];
const BAD_REASONS = ['missing_entry', 'broken_link', 'hash_mismatch', 'not_canonical', 'checkpoint_mismatch', 'checkpoint_beyond_head', 'checkpoint_signature_invalid'];
const TABLE_PHASES = ['signed_records', 'destructions', 'monthly_reports'];

/**
 * A journal entry (server/journal/routes.ts, entrySchema).
 * @typedef {{ chain: string, seq: number, at: string, actor: string, action: string, subject: string, payload: unknown,
 *   payloadCanonical: string, prevHash: string, hash: string }} JournalEntry
 */
/**
 * The verdict of a check (server/integrity/routes.ts): ok with the head, or the first bad entry,
 * or (deep) the first difference between the tables and the journal.
 * @typedef {{ ok: boolean, entries: number, head?: string, headSeq?: number, checkpoints?: number, records?: number, destructions?: number, monthlyReports?: number,
 *   firstBadEntry?: { chain: string, seq: number, reason: string, message: string },
 *   firstDifference?: { check: string, message: string, recordId?: string } }} VerifyResult
 */
/**
 * A check under way or done: deep or not, the phase, how far (the journal's total once known),
 * and how it ended — a result, an error code, or cancelled.
 * @typedef {{ deep: boolean, phase: string, checked: number, total: number | null, journalTotal: number | null, running: boolean,
 *   result: VerifyResult | null, error: string | null, cancelled: boolean, at: string, controller: AbortController }} Check
 */
/** @typedef {{ seq: number, at: string }} CheckpointInfo */

/**
 * @param {import('./audit-shared.js').AuditContext} ctx
 * @returns {import('./audit-shared.js').AuditView}
 */
export function createJournalView(ctx) {
  const { tx } = ctx;
  let dead = false;

  // ------------------------------------------------------------------ the check

  /** @type {Check | null} */
  let check = null;
  let frame = 0;

  const deep = el('input', { attrs: { type: 'checkbox', id: 'aj-deep', 'data-testid': 'verify-deep' } });
  const run = el('button', { cls: 'button button-primary', attrs: { type: 'button', 'data-m': 'audit.j.verify.run', 'data-testid': 'verify-run' } });
  const cancel = el('button', { cls: 'button button-small audit-plain', attrs: { type: 'button', hidden: true, 'data-m': 'audit.j.verify.cancel', 'data-testid': 'verify-cancel' } });
  const progress = el('progress', { attrs: { id: 'aj-progress', 'aria-labelledby': 'aj-progress-text', 'data-testid': 'verify-progress' } });
  const progressText = el('p', { cls: 'audit-progress-text', attrs: { id: 'aj-progress-text', 'data-testid': 'verify-progress-text' } });
  const progressBox = el('div', { cls: 'audit-progress', attrs: { hidden: true } }, progress, progressText);
  const verdict = el('div', { cls: 'audit-verdict', attrs: { role: 'status', tabindex: '-1', 'data-testid': 'verify-verdict' } });
  const verifyCard = el(
    'section',
    { cls: 'audit-card audit-verify', attrs: { 'aria-labelledby': 'aj-verify-title', 'data-testid': 'verify-card' } },
    el('h3', { attrs: { id: 'aj-verify-title', 'data-m': 'audit.j.verify.title' } }),
    el('p', { cls: 'audit-intro', attrs: { 'data-m': 'audit.j.verify.intro' } }),
    el('label', { cls: 'check audit-deep' }, deep, el('span', { attrs: { 'data-m': 'audit.j.verify.deep' } })),
    el('div', { cls: 'audit-actions audit-actions-start' }, run, cancel),
    progressBox,
    verdict,
  );

  async function startCheck() {
    if (check?.running || dead) return;
    const session = ctx.host.session();
    if (!session) return;
    const my = /** @type {Check} */ ({ deep: deep.checked, phase: 'start', checked: 0, total: null, journalTotal: null, running: true, result: null, error: null, cancelled: false, at: '', controller: new AbortController() });
    check = my;
    paintCheck();
    cancel.focus();
    const finish = () => {
      my.running = false;
      if (check !== my) return;
      paintCheck();
      // The verdict takes the focus from the cancel button (which is gone), not from elsewhere.
      const active = document.activeElement;
      if (ctx.shown() && (!active || active === document.body || active === cancel)) verdict.focus();
    };
    let res;
    try {
      res = await fetch(`/api/journal/verify?format=ndjson${my.deep ? '&deep=true' : ''}`, {
        headers: { Authorization: `Bearer ${session.token}`, Accept: 'application/x-ndjson' },
        cache: 'no-store',
        signal: my.controller.signal,
      });
    } catch {
      if (!my.cancelled) my.error = 'network';
      finish();
      return;
    }
    if (!res.ok || !res.body) {
      const code = (await res.json().catch(() => null))?.error?.code ?? `HTTP ${res.status}`;
      if (res.status === 401 && ctx.host.session() === session) ctx.host.sessionRefused(code);
      my.error = code;
      finish();
      return;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const take = (line) => {
      if (!line.trim()) return;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg?.type === 'progress') {
        my.phase = String(msg.phase);
        my.checked = Number(msg.checked) || 0;
        my.total = typeof msg.total === 'number' ? msg.total : null;
        if (my.phase === 'journal' && my.total !== null) my.journalTotal = my.total;
        schedulePaint();
      } else if (msg?.type === 'result') {
        const { type: _type, ...result } = msg;
        my.result = /** @type {VerifyResult} */ (result);
      }
    };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let i;
        while ((i = buffer.indexOf('\n')) >= 0) {
          take(buffer.slice(0, i));
          buffer = buffer.slice(i + 1);
        }
      }
      take(buffer + decoder.decode());
    } catch {
      // cancelled, or the connection broke: said below
    }
    if (!my.result && !my.cancelled) my.error = 'incomplete';
    my.at = new Date().toISOString();
    finish();
  }

  /** Stops a check under way (the user cancelled, or left the screen). */
  function cancelCheck() {
    if (!check?.running) return;
    check.cancelled = true;
    check.controller.abort();
  }

  function schedulePaint() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      paintCheck();
    });
  }

  /** The bar and its line: determinate over the journal, indeterminate over the tables. */
  function paintProgress(c) {
    progressBox.hidden = !c || c.cancelled || (!c.running && !c.result);
    if (progressBox.hidden || !c) return;
    const total = c.journalTotal ?? 0;
    if (!c.running) {
      // Done: the whole journal, or as far as the first bad entry.
      const checked = Math.min(c.result?.firstBadEntry ? c.result.entries : total, total);
      progress.max = Math.max(total, 1);
      progress.value = total ? checked : 1;
      progressText.textContent =
        checked < total
          ? tx('audit.j.phase.stopped', { checked: count(checked), total: count(total) })
          : tx('audit.j.phase.done', { checked: count(total), total: count(total) });
    } else if (c.phase === 'journal' && c.total !== null) {
      progress.max = Math.max(c.total, 1);
      progress.value = c.total ? c.checked : 0;
      const pct = c.total ? Math.floor((c.checked / c.total) * 100) : 0;
      progressText.textContent = tx('audit.j.phase.journal', { checked: count(c.checked), total: count(c.total), pct });
    } else {
      progress.removeAttribute('value'); // indeterminate: the tables' totals are not known ahead
      progressText.textContent = TABLE_PHASES.includes(c.phase) ? tx(`audit.j.phase.${c.phase}`, { checked: count(c.checked), total: count(total) }) : tx('audit.j.phase.start');
    }
  }

  function paintCheck() {
    const c = check;
    const running = Boolean(c?.running);
    run.hidden = running;
    cancel.hidden = !running;
    deep.disabled = running;
    paintProgress(c);
    verifyCard.dataset.state = !c ? '' : running ? 'running' : c.result ? (c.result.ok ? 'ok' : 'bad') : c.cancelled ? 'cancelled' : 'error';
    verdict.replaceChildren(...(c && !running ? verdictNodes(c) : []));
  }

  /** @param {Check} c */
  function verdictNodes(c) {
    if (c.cancelled) return [el('p', { cls: 'audit-verdict-note', text: tx('audit.j.cancelled') })];
    if (!c.result) return [el('p', { cls: 'alert', text: c.error === 'incomplete' ? tx('audit.j.incomplete') : tx('audit.j.failed', { code: c.error ?? '' }) })];
    const r = c.result;
    if (r.ok) {
      /** @type {[string, Node][]} */
      const rows = [
        ['audit.j.ok.entries', document.createTextNode(tx('audit.j.ok.entries.n', { n: count(r.entries) }))],
        ['audit.j.ok.head', document.createTextNode(tx('audit.j.ok.head.seq', { seq: r.headSeq ?? 0 }))],
        ['audit.j.ok.hash', el('code', { cls: 'audit-hash', text: r.head ?? '', attrs: { 'data-testid': 'verify-head' } })],
        ['audit.j.ok.checkpoints', document.createTextNode(tx('audit.j.ok.entries.n', { n: count(r.checkpoints ?? 0) }))],
        ...(c.deep
          ? /** @type {[string, Node][]} */ ([
              ['audit.j.ok.records', document.createTextNode(tx('audit.j.ok.entries.n', { n: count(r.records ?? 0) }))],
              ['audit.j.ok.destructions', document.createTextNode(tx('audit.j.ok.entries.n', { n: count(r.destructions ?? 0) }))],
              ['audit.j.ok.monthly_reports', document.createTextNode(tx('audit.j.ok.entries.n', { n: count(r.monthlyReports ?? 0) }))],
            ])
          : []),
        ['audit.j.ok.at', document.createTextNode(ctx.time(c.at))],
      ];
      return [
        el('p', { cls: 'audit-verdict-title audit-verdict-ok', text: tx(c.deep ? 'audit.j.ok.deep' : 'audit.j.ok') }),
        el('dl', { cls: 'audit-facts' }, ...rows.map(([k, v]) => el('div', {}, el('dt', { text: tx(k) }), el('dd', {}, v)))),
      ];
    }
    const bad = r.firstBadEntry;
    const diff = r.firstDifference;
    const lines = bad
      ? [
          tx('audit.j.bad.entry', { seq: bad.seq, chain: bad.chain }),
          BAD_REASONS.includes(bad.reason) ? tx(`audit.j.bad.${bad.reason}`) : bad.reason,
          tx('audit.j.bad.detail', { message: bad.message }),
        ]
      : diff
        ? [
            tx('audit.j.diff.check', { check: TABLE_PHASES.includes(diff.check) ? tx(`audit.j.diff.${diff.check}`) : diff.check }),
            ...(diff.recordId ? [tx('audit.j.diff.record', { id: diff.recordId })] : []),
            tx('audit.j.bad.detail', { message: diff.message }),
          ]
        : [];
    return [
      el('p', { cls: 'audit-verdict-title audit-verdict-bad', text: tx(bad || !diff ? 'audit.j.bad' : 'audit.j.diff') }),
      ...lines.map((line) => el('p', { cls: 'audit-verdict-line', text: line })),
      el('p', { cls: 'audit-verdict-hint', text: tx('audit.j.bad.hint') }),
    ];
  }

  run.addEventListener('click', () => void startCheck());
  cancel.addEventListener('click', () => {
    cancelCheck();
    run.focus();
  });

  // ------------------------------------------------------------------ checkpoints

  /** @type {CheckpointInfo | null | undefined} undefined: not known yet */
  let latest;
  /** @type {{ key: string, params?: Record<string, unknown>, error?: boolean } | null} */
  let cpNote = null;
  let signing = false;
  const mayAnySign = () => ctx.can(SIGNERS);

  const cpLatest = el('p', { cls: 'audit-cp-latest', attrs: { 'data-testid': 'checkpoint-latest' } });
  const cpHint = el('p', { cls: 'field-hint', attrs: { hidden: true, 'data-testid': 'checkpoint-hint' } });
  const cpDownload = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-m': 'audit.cp.download', 'data-testid': 'checkpoint-download' } });
  const keyDownload = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-m': 'audit.cp.key', 'data-testid': 'checkpoint-key' } });
  const cpSign = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-m': 'audit.cp.sign', 'data-testid': 'checkpoint-sign' } });
  const cpStatus = el('p', { cls: 'audit-cp-note', attrs: { role: 'status', 'data-testid': 'checkpoint-note' } });
  // The journal as a transparency log (issue 19): the C2SP checkpoint and the log's verifier key.
  /** @type {{ origin: string, treeSize: number } | null | undefined} */
  let tlog;
  const tlogLatest = el('p', { cls: 'audit-cp-latest', attrs: { 'data-testid': 'tlog-latest' } });
  const tlogDownload = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-m': 'audit.tlog.download', 'data-testid': 'tlog-download' } });
  const vkeyDownload = el('button', { cls: 'button button-small', attrs: { type: 'button', 'data-m': 'audit.tlog.vkey', 'data-testid': 'tlog-vkey' } });
  const cpCard = el(
    'section',
    { cls: 'audit-card audit-checkpoint', attrs: { 'aria-labelledby': 'aj-cp-title', 'data-testid': 'checkpoint-card' } },
    el('h3', { attrs: { id: 'aj-cp-title', 'data-m': 'audit.cp.title' } }),
    el('p', { cls: 'audit-intro', attrs: { 'data-m': 'audit.cp.intro' } }),
    el('p', {}, el('code', { cls: 'audit-command', attrs: { 'data-m': 'audit.cp.command', 'data-testid': 'checkpoint-command' } })),
    cpLatest,
    cpHint,
    el('div', { cls: 'audit-actions audit-actions-start' }, cpDownload, keyDownload, ...(mayAnySign() ? [cpSign] : [])),
    el('h4', { attrs: { 'data-m': 'audit.tlog.title' } }),
    el('p', { cls: 'audit-intro', attrs: { 'data-m': 'audit.tlog.intro' } }),
    el('p', {}, el('code', { cls: 'audit-command', attrs: { 'data-m': 'audit.tlog.command', 'data-testid': 'tlog-command' } })),
    tlogLatest,
    el('div', { cls: 'audit-actions audit-actions-start' }, tlogDownload, vkeyDownload),
    cpStatus,
  );

  async function loadLatest() {
    const res = await ctx.host.api('GET', '/api/journal/checkpoints?limit=1');
    if (dead || res.status !== 200) return;
    const cp = res.data?.items?.[0];
    latest = cp ? { seq: Number(cp.seq), at: String(cp.at) } : null;
    const log = await ctx.host.api('GET', '/api/journal/tlog');
    if (dead) return;
    if (log.status === 200) tlog = log.data?.checkpoint ? { origin: String(log.data.origin), treeSize: Number(log.data.checkpoint.treeSize) } : null;
    paintCheckpoint();
  }

  async function downloadTlogCheckpoint() {
    const got = await fetchFile(ctx, '/checkpoint');
    if (dead) return;
    if (got.blob) {
      const text = await got.blob.text();
      const [origin = 'log', size = '0'] = text.split('\n');
      const name = `tachiai-checkpoint-${safeName(origin)}-${Number(size) || 0}.txt`;
      saveFile(new Blob([text], { type: 'text/plain' }), name);
      cpNote = { key: 'audit.cp.saved', params: { file: name } };
    } else if (got.status === 404) {
      tlog = null;
      cpNote = null;
    } else if (got.status !== 401) cpNote = { key: 'audit.cp.failed', params: { code: got.code }, error: true };
    paintCheckpoint();
  }

  async function downloadVkey() {
    const res = await ctx.host.api('GET', '/api/journal/tlog');
    if (dead) return;
    if (res.status === 200 && typeof res.data?.vkey === 'string') {
      const name = `tachiai-log-${safeName(String(res.data.origin ?? 'log'))}.vkey`;
      saveFile(new Blob([`${res.data.vkey}\n`], { type: 'text/plain' }), name);
      cpNote = { key: 'audit.cp.saved', params: { file: name } };
    } else if (res.status !== 401) cpNote = { key: 'audit.cp.failed', params: { code: res.code ?? `HTTP ${res.status}` }, error: true };
    paintCheckpoint();
  }

  async function downloadCheckpoint() {
    const got = await fetchFile(ctx, '/api/journal/checkpoints/latest');
    if (dead) return;
    if (got.blob) {
      const text = await got.blob.text();
      let file;
      try {
        file = JSON.parse(text);
      } catch {
        cpNote = { key: 'audit.cp.failed', params: { code: 'json' }, error: true };
        paintCheckpoint();
        return;
      }
      const name = `tachiai-checkpoint-${safeName(String(file.site ?? 'site'))}-${Number(file.seq) || 0}.json`;
      saveFile(new Blob([`${JSON.stringify(file, null, 2)}\n`], { type: 'application/json' }), name);
      cpNote = { key: 'audit.cp.saved', params: { file: name } };
      latest = { seq: Number(file.seq), at: String(file.at) };
    } else if (got.status === 404) {
      latest = null;
      cpNote = null;
    } else if (got.status !== 401) cpNote = { key: 'audit.cp.failed', params: { code: got.code }, error: true };
    paintCheckpoint();
  }

  async function downloadKey() {
    const res = await ctx.host.api('GET', '/api/signing-key');
    if (dead) return;
    if (res.status === 200 && typeof res.data?.publicKeyPem === 'string') {
      const name = `tachiai-signing-key-${safeName(String(res.data.keyId ?? 'key'))}.pem`;
      saveFile(new Blob([res.data.publicKeyPem], { type: 'application/x-pem-file' }), name);
      cpNote = { key: 'audit.cp.saved', params: { file: name } };
    } else if (res.status !== 401) cpNote = { key: 'audit.cp.failed', params: { code: res.code ?? `HTTP ${res.status}` }, error: true };
    paintCheckpoint();
  }

  async function signNow() {
    if (signing || !mayAnySign()) return;
    signing = true;
    paintCheckpoint();
    const res = await ctx.host.api('POST', '/api/journal/checkpoints');
    signing = false;
    if (dead) return;
    if (res.status === 201) cpNote = { key: 'audit.cp.signed', params: { seq: res.data?.seq } };
    else if (res.status === 200) cpNote = { key: 'audit.cp.uptodate' };
    else if (res.status !== 401) cpNote = { key: 'audit.cp.sign.failed', params: { code: res.code ?? `HTTP ${res.status}` }, error: true };
    paintCheckpoint();
    await loadLatest();
  }

  function paintCheckpoint() {
    if (latest === undefined) cpLatest.textContent = tx('audit.loading');
    else if (latest) cpLatest.textContent = tx('audit.cp.latest', { seq: latest.seq, at: ctx.time(latest.at) });
    else cpLatest.textContent = tx('audit.cp.none');
    cpHint.hidden = latest !== null;
    cpHint.textContent = latest === null ? tx(mayAnySign() ? 'audit.cp.none.sign' : 'audit.cp.none.auto') : '';
    cpDownload.disabled = latest === null;
    if (tlog === undefined) tlogLatest.textContent = tx('audit.loading');
    else tlogLatest.textContent = tlog ? tx('audit.tlog.latest', { size: tlog.treeSize }) : tx('audit.tlog.none');
    tlogDownload.disabled = !tlog;
    cpSign.disabled = signing;
    cpStatus.className = cpNote?.error ? 'alert audit-cp-note' : 'audit-cp-note';
    cpStatus.textContent = cpNote ? tx(cpNote.key, cpNote.params) : '';
  }

  cpDownload.addEventListener('click', () => void downloadCheckpoint());
  keyDownload.addEventListener('click', () => void downloadKey());
  tlogDownload.addEventListener('click', () => void downloadTlogCheckpoint());
  vkeyDownload.addEventListener('click', () => void downloadVkey());
  cpSign.addEventListener('click', () => void signNow());

  // ------------------------------------------------------------------ the entries

  const f = { action: '', subject: '' };
  /** @type {import('./audit-shared.js').PagedList<JournalEntry>} */
  const list = newList();
  /** The entries whose content is open (by seq). */
  const open = new Set();
  let loaded = false;

  const params = () => {
    const q = new URLSearchParams();
    if (f.action) q.set('action', f.action);
    if (f.subject) q.set('subject', f.subject);
    return q;
  };

  async function load(more = false) {
    loaded = true;
    if (!more) open.clear();
    const pending = loadPage(ctx, list, '/api/journal', params(), more);
    renderList();
    if (await pending) renderList();
  }

  const action = el('input', { attrs: { type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 100, 'data-filter': 'action', 'data-m-ph': 'audit.j.action.ph', 'data-testid': 'journal-action' } });
  const subject = el('input', { attrs: { type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 200, 'data-filter': 'subject', 'data-m-ph': 'audit.j.subject.ph', 'data-testid': 'journal-subject' } });
  const clear = el('button', { cls: 'button button-small audit-plain', attrs: { type: 'button', 'data-m': 'audit.clear', 'data-testid': 'journal-clear' } });
  const refresh = el('button', { cls: 'button button-small audit-plain', attrs: { type: 'button', 'data-m': 'audit.refresh', 'data-testid': 'journal-refresh' } });
  const results = listArea('journal', { onMore: () => void load(true) });
  const listSection = el(
    'section',
    { cls: 'audit-journal-list', attrs: { 'aria-labelledby': 'aj-list-title' } },
    el('h3', { attrs: { id: 'aj-list-title', 'data-m': 'audit.j.list.title' } }),
    el('div', { cls: 'audit-filters audit-filters-2', attrs: { role: 'search', 'data-m-aria': 'audit.j.list.title' } }, field('aj-action', 'audit.j.action', action), field('aj-subject', 'audit.j.subject', subject)),
    el('p', { cls: 'field-hint', attrs: { 'data-m': 'audit.j.filter.hint' } }),
    el('div', { cls: 'audit-actions' }, refresh, clear),
    results.node,
  );

  /** Applies a text filter (Enter, or leaving the field). */
  function applyFilter(input) {
    const name = input.dataset.filter;
    if (!name || f[name] === input.value.trim()) return;
    f[name] = input.value.trim();
    void load();
  }
  for (const input of [action, subject]) {
    input.addEventListener('change', () => applyFilter(input));
    input.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' || event.isComposing) return;
      event.preventDefault();
      applyFilter(input);
    });
  }
  clear.addEventListener('click', () => {
    f.action = '';
    f.subject = '';
    action.value = '';
    subject.value = '';
    void load();
    action.focus();
  });
  refresh.addEventListener('click', () => void load());
  listSection.addEventListener('click', (event) => {
    const b = /** @type {HTMLElement} */ (event.target).closest('[data-open-seq]');
    if (!(b instanceof HTMLElement)) return;
    const seq = Number(b.dataset.openSeq);
    if (open.has(seq)) open.delete(seq);
    else open.add(seq);
    renderList();
    /** @type {HTMLElement | null} */ (listSection.querySelector(`[data-open-seq="${seq}"]`))?.focus();
  });

  const short = (hash) => `${hash.slice(0, 12)}…`;

  /** @param {JournalEntry} e */
  function rows(e) {
    const isOpen = open.has(e.seq);
    const detailId = `aj-detail-${e.seq}`;
    const main = el(
      'tr',
      { attrs: { 'data-testid': 'journal-row', 'data-seq': e.seq } },
      el('td', { cls: 'audit-num', text: String(e.seq) }),
      el('td', { cls: 'log-time', text: ctx.time(e.at) }),
      el('td', { cls: 'audit-code', text: e.action }),
      el('td', { cls: 'audit-code audit-subject', text: e.subject }),
      el('td', { cls: 'audit-code', text: e.actor.length > 12 ? short(e.actor) : e.actor, attrs: { title: e.actor } }),
      el('td', { cls: 'audit-code', text: short(e.hash), attrs: { title: e.hash } }),
      el(
        'td',
        {},
        el('button', {
          cls: 'button button-small audit-toggle',
          text: tx('audit.j.show'),
          attrs: { type: 'button', 'data-open-seq': e.seq, 'aria-expanded': String(isOpen), 'aria-controls': isOpen ? detailId : null, 'aria-label': tx('audit.j.show.label', { seq: e.seq }), 'data-testid': 'journal-open' },
        }),
      ),
    );
    if (!isOpen) return [main];
    const fact = (key, node) => el('div', {}, el('dt', { text: tx(key) }), el('dd', {}, node));
    const detail = el(
      'tr',
      { cls: 'audit-detail', attrs: { id: detailId, 'data-testid': 'journal-detail' } },
      el(
        'td',
        { attrs: { colspan: 7 } },
        el(
          'dl',
          { cls: 'audit-facts' },
          fact('audit.j.col.actor', el('code', { cls: 'audit-hash', text: e.actor })),
          fact('audit.j.hash', el('code', { cls: 'audit-hash', text: e.hash })),
          fact('audit.j.prev', el('code', { cls: 'audit-hash', text: e.prevHash })),
        ),
        el('p', { cls: 'audit-label', text: tx('audit.j.payload') }),
        el('pre', { cls: 'audit-payload', text: JSON.stringify(e.payload, null, 2), attrs: { 'data-testid': 'journal-payload' } }),
      ),
    );
    return [main, detail];
  }

  function renderList() {
    if (document.activeElement !== action) action.value = f.action;
    if (document.activeElement !== subject) subject.value = f.subject;
    words(listSection, tx);
    results.render(list, {
      tx,
      cls: 'audit-journal-table',
      headings: [...['seq', 'at', 'action', 'subject', 'actor', 'hash'].map((k) => tx(`audit.j.col.${k}`)), ''],
      rows,
      stamp: `${ctx.host.lang()}|${[...open].join(',')}`,
      empty: () => emptyState(tx, Boolean(f.action || f.subject), 'audit.j.empty', 'journal'),
    });
  }

  // ------------------------------------------------------------------ the view

  const node = el(
    'div',
    { cls: 'audit-view', attrs: { 'data-testid': 'audit-journal-view' } },
    el('p', { cls: 'audit-intro', attrs: { 'data-m': 'audit.j.intro' } }),
    el('div', { cls: 'audit-cards' }, verifyCard, cpCard),
    listSection,
  );

  function render() {
    words(verifyCard, tx);
    words(cpCard, tx);
    words(node.firstElementChild ?? node, tx);
    paintCheck();
    paintCheckpoint();
    renderList();
  }

  return {
    node,
    render,
    show: () => {
      void loadLatest();
      if (!loaded) void load();
    },
    leave: () => cancelCheck(),
    stop: () => {
      dead = true;
      list.dead = true;
      cancelCheck();
      cancelAnimationFrame(frame);
    },
  };
}

/** A part of a file name: letters, digits, - and _ only. */
const safeName = (s) => s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
