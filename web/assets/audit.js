// @ts-check
// The audit screens (監査), for auditors, the responsible person (責任者), authorised persons (権限者)
// and administrators: the entry log (入退室記録), the access log (アクセスログ), the journal
// (記録簿（ジャーナル）: its check with a progress bar, the signed checkpoint to keep off the
// server, the entries) and the media list (媒体一覧). Each is a sub-view in its own file
// (audit-entries.js, audit-access.js, audit-journal.js, audit-media.js) over audit-shared.js;
// more views (the weekly review, compliance) take their place in VIEWS. Reading only: auditors
// change nothing; the one write here, signing a checkpoint now, is offered to those who may.
// Loaded by app.js when the tab is first opened, with its stylesheet.
import { addMessages } from './i18n.js';
import { formatDateTime } from './dates.js';
import { loadCss } from './stylesheets.js';
import { getList, screenFrame, translate } from './screen.js';
import { AUDIT_MESSAGES } from './audit-messages.js';
import { createEntriesView } from './audit-entries.js';
import { createAccessView } from './audit-access.js';
import { createJournalView } from './audit-journal.js';
import { createMediaView } from './audit-media.js';

addMessages(AUDIT_MESSAGES);

/** Who reads the audit records (server/auth/permissions.ts: entries:read, accesslog:read, journal:read). */
const READERS = ['admin', 'responsible', 'authorized', 'auditor'];
/** The sub-views, in the order of their tabs, and what makes each. */
const VIEWS = /** @type {const} */ (['entries', 'access', 'journal', 'media']);
const MAKERS = { entries: createEntriesView, access: createAccessView, journal: createJournalView, media: createMediaView };
const CSS = ['/assets/audit.css'];

/**
 * The audit screen's session state: the view on screen, the views (made per session), the rooms
 * to filter by, and whether it is ready.
 * @typedef {{ session: import('./page-types.js').Session, view: string, ready: boolean,
 *   views: Record<string, import('./audit-shared.js').AuditView>, rooms: import('./api-types.js').Room[] }} AuditState
 */

/**
 * Creates the audit screens; app.js calls start() when the tab is first opened after sign-in,
 * shown() when it comes on screen, render() on every change, stop() when the sign-in ends.
 * @param {import('./page-types.js').Host} host
 */
export function createAudit(host) {
  const frame = screenFrame('audit', host, (view, focusTab) => selectView(view, focusTab));
  const { root, tx } = frame;

  /** @type {AuditState | null} */
  let s = null;
  const can = (roles) => Boolean(s?.session.user.roles.some((r) => roles.includes(r)));

  /** @type {import('./audit-shared.js').AuditContext} */
  const ctx = {
    host,
    tx,
    tz: () => host.config().displayTimeZone,
    time: (iso) => formatDateTime(iso, host.config().displayTimeZone),
    can,
    rooms: () => s?.rooms ?? [],
    shown: () => host.visible(),
  };

  // ------------------------------------------------------------------ lifecycle

  function start() {
    const session = host.session();
    if (!session || s?.session === session) return;
    stop();
    const my = /** @type {AuditState} */ ({ session, view: VIEWS[0], ready: false, views: {}, rooms: [] });
    s = my;
    frame.loading();
    const rooms = can(READERS)
      ? getList(host, '/api/rooms').then((items) => {
          if (items) my.rooms = items;
        })
      : Promise.resolve();
    void Promise.all([...CSS.map(loadCss), rooms]).then(() => {
      if (s !== my) return;
      my.ready = true;
      frame.ready();
      build();
      render();
      if (host.visible()) shown();
    });
  }

  function stop() {
    if (!s) return;
    for (const v of Object.values(s.views)) v.stop();
    s = null;
    frame.clear();
  }

  /** The tab came on screen: the view on screen loads what it has not loaded yet. */
  function shown() {
    if (!s?.ready || !can(READERS)) return;
    s.views[s.view]?.show();
  }

  // ------------------------------------------------------------------ building

  function build() {
    if (!s) return;
    if (!can(READERS)) {
      frame.forbidden('audit.forbidden');
      return;
    }
    for (const v of VIEWS) s.views[v] = MAKERS[v](ctx);
    frame.tabs([...VIEWS]);
    root.replaceChildren(
      ...VIEWS.map((v) => {
        const panel = frame.panel(v);
        panel.classList.add('audit-panel');
        panel.append(/** @type {AuditState} */ (s).views[v].node);
        return panel;
      }),
    );
  }

  // ------------------------------------------------------------------ views and rendering

  function selectView(view, focusTab = false) {
    if (!s?.ready || !s.views[view]) return;
    if (s.view !== view) s.views[s.view]?.leave();
    s.view = view;
    render();
    if (focusTab) document.getElementById(`audit-tab-${view}`)?.focus();
    s.views[view].show();
  }

  function render() {
    if (!s?.ready) return;
    if (!can(READERS)) {
      translate(root, tx);
      return;
    }
    // Off screen (another tab, or signed out): what runs stops — a journal check is cancelled.
    if (!host.visible()) s.views[s.view]?.leave();
    frame.show(s.view);
    s.views[s.view]?.render();
    frame.translate(tx);
  }

  return { start, stop, render, shown };
}
