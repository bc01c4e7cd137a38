// @ts-check
// The notices screens (通知), for responsible persons, authorised persons, auditors and
// administrators (notices:read, issue 15): the outbox (送信箱: every e-mail notice with its status,
// attempts, last error and text; a failed one tried again), the contacts of the organisations
// (取引先の連絡先, depositors first) and the site's own people who receive notices by role (社内の
//受信者). Each is a sub-view in its own file (notices-outbox.js, notices-contacts.js,
// notices-people.js) over notices-shared.js. Responsible persons and administrators change
// contacts and addresses and try failed notices again (contacts:write, people:write); the others
// read. Loaded by app.js when the tab is first opened, with its stylesheet.
import { addMessages } from './i18n.js';
import { formatDateTime } from './dates.js';
import { loadCss } from './stylesheets.js';
import { getAll, screenFrame, translate } from './screen.js';
import { NOTICES_MESSAGES } from './notices-messages.js';
import { createOutboxView } from './notices-outbox.js';
import { createContactsView } from './notices-contacts.js';
import { createPeopleView } from './notices-people.js';

addMessages(NOTICES_MESSAGES);

/** Who reads the outbox and the contacts (server/auth/permissions.ts: notices:read). */
const READERS = ['admin', 'responsible', 'authorized', 'auditor'];
/** Who changes contacts, addresses, and tries a failed notice again (contacts:write, people:write). */
const WRITERS = ['admin', 'responsible'];
const VIEWS = /** @type {const} */ (['outbox', 'contacts', 'people']);
const MAKERS = { outbox: createOutboxView, contacts: createContactsView, people: createPeopleView };
const CSS = ['/assets/forms.css', '/assets/notices.css'];
/** Organisations in this order in the chooser: depositors first (server/people/rules.ts, ORG_KINDS). */
const ORG_ORDER = ['depositor', 'subcontractor', 'carrier', 'disposal_vendor', 'contractor', 'visitor_company'];

/**
 * The notices screen's session state; onScreen: the view on screen was told so (show()) since
 * the tab was last left (the outbox reads itself again while it is on screen).
 * @typedef {{ session: import('./page-types.js').Session, view: string, ready: boolean, onScreen: boolean,
 *   views: Record<string, import('./notices-shared.js').NoticesView>, orgs: import('./api-types.js').Organisation[] }} NoticesState
 */

/**
 * Creates the notices screens; app.js calls start() when the tab is first opened after sign-in,
 * shown() when it comes on screen, render() on every change, stop() when the sign-in ends.
 * @param {import('./page-types.js').Host} host
 */
export function createNotices(host) {
  const frame = screenFrame('notices', host, (view, focusTab) => selectView(view, focusTab));
  const { root, tx } = frame;

  /** @type {NoticesState | null} */
  let s = null;
  const can = (roles) => Boolean(s?.session.user.roles.some((r) => roles.includes(r)));

  /** @type {import('./notices-shared.js').NoticesContext} */
  const ctx = {
    host,
    tx,
    time: (iso) => (iso ? formatDateTime(iso, host.config().displayTimeZone) : ''),
    mayWrite: () => can(WRITERS),
    orgs: () => s?.orgs ?? [],
    orgName: (id) => s?.orgs.find((o) => o.id === id)?.name ?? '',
    reloadOrgs: async () => {
      const my = s;
      const items = my ? await getAll(host, '/api/orgs?limit=200') : null;
      if (my && s === my && items) my.orgs = sortOrgs(items);
    },
    shown: () => host.visible(),
  };

  // ------------------------------------------------------------------ lifecycle

  function start() {
    const session = host.session();
    if (!session || s?.session === session) return;
    stop();
    const my = /** @type {NoticesState} */ ({ session, view: VIEWS[0], ready: false, onScreen: false, views: {}, orgs: [] });
    s = my;
    frame.loading();
    const orgs = can(READERS)
      ? getAll(host, '/api/orgs?limit=200').then((items) => {
          if (items) my.orgs = sortOrgs(items);
        })
      : Promise.resolve();
    void Promise.all([...CSS.map(loadCss), orgs]).then(() => {
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
    if (!s?.ready || !can(READERS) || s.onScreen) return;
    s.onScreen = true;
    s.views[s.view]?.show();
  }

  /** @param {import('./api-types.js').Organisation[]} items */
  function sortOrgs(items) {
    const rank = (kind) => (ORG_ORDER.includes(kind) ? ORG_ORDER.indexOf(kind) : ORG_ORDER.length);
    return [...items].sort((a, b) => rank(a.kind) - rank(b.kind) || a.name.localeCompare(b.name, 'ja'));
  }

  // ------------------------------------------------------------------ building

  function build() {
    if (!s) return;
    if (!can(READERS)) {
      frame.forbidden('nt.forbidden');
      return;
    }
    for (const v of VIEWS) s.views[v] = MAKERS[v](ctx);
    frame.tabs([...VIEWS]);
    root.replaceChildren(
      ...VIEWS.map((v) => {
        const panel = frame.panel(v);
        panel.classList.add('nt-panel');
        panel.append(/** @type {NoticesState} */ (s).views[v].node);
        return panel;
      }),
    );
  }

  // ------------------------------------------------------------------ views and rendering

  function selectView(view, focusTab = false) {
    if (!s?.ready || !s.views[view]) return;
    if (s.view !== view) s.views[s.view]?.leave();
    s.view = view;
    s.onScreen = true;
    render();
    if (focusTab) document.getElementById(`notices-tab-${view}`)?.focus();
    s.views[view].show();
  }

  function render() {
    if (!s?.ready) return;
    if (!can(READERS)) {
      translate(root, tx);
      return;
    }
    frame.show(s.view);
    s.views[s.view]?.render();
    frame.translate(tx);
    // Off screen (another tab, or signed out) the view stops reading itself again; back on screen
    // (by the arrow keys too, which do not call shown()) it starts again.
    if (!host.visible()) {
      if (s.onScreen) s.views[s.view]?.leave();
      s.onScreen = false;
    } else if (!s.onScreen && can(READERS)) {
      s.onScreen = true;
      s.views[s.view]?.show();
    }
  }

  return { start, stop, render, shown };
}
