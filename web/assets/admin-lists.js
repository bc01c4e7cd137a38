// @ts-check
// The two panels of the registration screen that list what is on file: a room's access list
// (someone is removed from it here) and the open notices to the depositor (acknowledged here).
import { t } from './i18n.js';
import { el } from './dom.js';
import { formatDate, formatDateTime } from './dates.js';

/**
 * ctx: { host, state() (the screen's state, or null once it ended), roomName(id), accessRoom()
 * (the room chosen in the access form), failure(res) (a refusal in words), renderStatus(task),
 * loadNotifications() }.
 * @param {{ host: import('./page-types.js').Host, state: () => import('./admin.js').AdminState | null, roomName: (id: string) => string,
 *   accessRoom: () => HTMLSelectElement, failure: (res: import('./page-types.js').ApiResult) => import('./admin-forms.js').Status,
 *   renderStatus: (task: string) => void, loadNotifications: () => Promise<void> }} ctx
 */
export function createAdminLists(ctx) {
  const { host, state } = ctx;
  const api = host.api;
  const tz = () => host.config().displayTimeZone;

  // ------------------------------------------------------------------ a room's access list

  async function loadAccess() {
    const a = state();
    if (!a) return;
    const roomId = ctx.accessRoom().value;
    a.access = { roomId, items: null };
    renderAccess();
    if (!roomId) return;
    const res = await api('GET', `/api/rooms/${encodeURIComponent(roomId)}/access`);
    if (state() !== a || a.access?.roomId !== roomId) return;
    a.access.items = res.status === 200 ? (res.data?.items ?? []) : [];
    renderAccess();
  }

  /**
   * @param {string} personId
   * @param {string} name
   */
  async function removeAccess(personId, name) {
    const a = state();
    if (!a?.access) return;
    const roomId = a.access.roomId;
    const res = await api('DELETE', `/api/rooms/${encodeURIComponent(roomId)}/access/${encodeURIComponent(personId)}`);
    if (!state()) return;
    a.status.access = res.status === 204 ? { ok: true, key: 'admin.access.removed', params: { name, room: ctx.roomName(roomId) } } : ctx.failure(res);
    await loadAccess();
    ctx.renderStatus('access');
    ctx.accessRoom().focus();
  }

  function renderAccess() {
    const box = document.getElementById('admin-access-list');
    const a = state();
    if (!a || !box) return;
    const l = host.lang();
    const { roomId, items } = a.access ?? { roomId: '', items: null };
    if (!roomId) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: t(l, 'admin.access.pick') }));
      return;
    }
    if (!items) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: t(l, 'door.loading') }));
      return;
    }
    box.replaceChildren(
      el('h4', { text: t(l, 'admin.option', { name: t(l, 'admin.access.list'), detail: ctx.roomName(roomId) }) }),
      items.length
        ? el(
            'ul',
            { cls: 'access-items' },
            ...items.map((p) => {
              const remove = el('button', {
                cls: 'button button-small button-danger',
                text: t(l, 'admin.access.remove'),
                attrs: { type: 'button', 'aria-label': t(l, 'admin.access.remove.label', { name: p.name }), 'data-testid': 'admin-access-remove' },
              });
              remove.addEventListener('click', () => void removeAccess(p.personId, p.name));
              return el(
                'li',
                { attrs: { 'data-testid': 'admin-access-item', 'data-person-id': p.personId } },
                el('span', { cls: 'occupant-name', text: p.name }),
                el('span', { cls: 'occupant-org', text: p.orgName }),
                el('span', { cls: 'occupant-since', text: t(l, 'admin.access.grantedAt', { time: formatDate(p.grantedAt, tz(), l) }) }),
                remove,
              );
            }),
          )
        : el('p', { cls: 'empty-inline', text: t(l, 'admin.access.empty') }),
    );
  }

  // ------------------------------------------------------------------ notices to the depositor

  /** @param {string} id */
  async function acknowledge(id) {
    const a = state();
    if (!a) return;
    const res = await api('POST', `/api/notifications/${encodeURIComponent(id)}/acknowledge`);
    if (!state()) return;
    a.status.notifications = res.status === 200 ? { ok: true, key: 'admin.notifications.done', params: {} } : ctx.failure(res);
    await ctx.loadNotifications();
    document.getElementById('admin-tab-notifications')?.focus();
  }

  /**
   * A personnel change in the page language, from the person's record; else the server's text.
   * @param {import('./admin.js').AdminState} a
   * @param {string} l
   * @param {import('./api-types.js').Notification} n
   */
  function noticeText(a, l, n) {
    const p = a.people.find((x) => x.id === n.personId);
    if (n.kind === 'personnel_change' && p?.leftAt && ['resigned', 'transferred'].includes(p.leftReason ?? '')) {
      const date = formatDate(p.leftAt, tz(), l);
      return t(l, `admin.notifications.${p.leftReason}`, { name: p.name, org: p.orgName, date });
    }
    // The server writes "日本語 / English": show the page language's half.
    const halves = String(n.message).split(' / ');
    return halves.length === 2 ? halves[l === 'ja' ? 0 : 1] : n.message;
  }

  function renderNotifications() {
    const box = document.getElementById('admin-notifications-list');
    const a = state();
    if (!a || !box) return;
    const l = host.lang();
    const count = /** @type {HTMLElement | null} */ (document.querySelector('[data-count="notifications"]'));
    if (count) {
      count.textContent = String(a.notifications.length);
      count.hidden = a.notifications.length === 0;
    }
    if (!a.notifications.length) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: t(l, 'admin.notifications.empty') }));
      return;
    }
    box.replaceChildren(
      el(
        'ul',
        { cls: 'notices' },
        ...a.notifications.map((n) => {
          const message = noticeText(a, l, n);
          const ack = el('button', { cls: 'button button-small', text: t(l, 'admin.notifications.ack'), attrs: { type: 'button', 'data-testid': 'admin-notification-ack' } });
          ack.addEventListener('click', () => void acknowledge(n.id));
          return el(
            'li',
            { attrs: { 'data-testid': 'admin-notification', 'data-id': n.id } },
            el('p', { cls: 'notice-meta', text: `${formatDateTime(n.createdAt, tz())}${n.depositorName ? `　${t(l, 'admin.notifications.to', { name: n.depositorName })}` : ''}` }),
            el('p', { text: message }),
            ack,
          );
        }),
      ),
    );
  }

  return { loadAccess, renderAccess, renderNotifications };
}
