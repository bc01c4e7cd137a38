// @ts-check
// Door stations in the registration screen (issue 14, item 1; docs/operations.md "Door stations"):
// a device at one room's door — a kiosk browser (station.html) or a hardware reader — that records
// scans at that room with a credential of its own and never times out. Administrators register
// (the form is admin-forms.js "station") and revoke them; responsible persons see the list.
//
// The credential is shown once, right after registering: as text, as the enrolment QR code (the
// server's SVG, shown as an <img> from a data: URL, never inserted as markup) and as the address to
// open on the kiosk. It lives only in this screen's memory until "close" (or until the screen
// ends): the server keeps only its digest, so it can never be shown again.
import { t } from './i18n.js';
import { el, keepFocus } from './dom.js';
import { createRevokeFlow } from './revoke-form.js';
import { formatDateTime } from './dates.js';

/**
 * The credential of a station just registered, shown once.
 * @typedef {{ id: string, name: string, roomId: string, credential: string, address: string, qr: string, relative: boolean, copied: null | boolean }} IssuedStation
 */
/**
 * The revoke form open under a station: its reason, the message at the field, whether it is being sent.
 * @typedef {{ id: string, reason: string, error: string | null, busy: boolean }} StationRevoke
 */

/**
 * An SVG text as a data: URL for an <img> (img-src allows data:; the markup is never parsed into the page).
 * @param {string} svg
 */
export function svgDataUrl(svg) {
  let binary = '';
  for (const byte of new TextEncoder().encode(svg)) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

/**
 * ctx: { host, state() (the screen's state, or null once it ended), roomName(id), isAdmin(),
 * failure(res) (a refusal in words), renderStatus(task), focusForm() (the registration form's first field) }.
 * @param {{ host: import('./page-types.js').Host, state: () => import('./admin.js').AdminState | null, roomName: (id: string) => string,
 *   isAdmin: () => boolean, failure: (res: import('./page-types.js').ApiResult) => import('./admin-forms.js').Status,
 *   renderStatus: (task: string) => void, focusForm: () => void }} ctx
 */
export function createAdminStations(ctx) {
  const { host, state } = ctx;
  const api = host.api;
  const tz = () => host.config().displayTimeZone;

  async function load() {
    const a = state();
    if (!a) return;
    const res = await api('GET', '/api/door-stations');
    if (state() !== a) return;
    /** @type {import('./api-types.js').DoorStation[]} */
    const items = res.status === 200 && Array.isArray(res.data?.items) ? res.data.items : [];
    // Active first (the server's order), newest first within each.
    a.stations = items;
    render();
  }

  /**
   * A station was just registered (the form's answer): its credential is shown, once.
   * @param {import('./api-types.js').DoorStationRegistered} d
   */
  async function registered(d) {
    const a = state();
    if (!a) return;
    const relative = !/^https?:\/\//i.test(d.enrolUrl);
    a.stationIssued = {
      id: d.id,
      name: d.name,
      roomId: d.roomId,
      credential: d.credential,
      address: new URL(d.enrolUrl, location.origin).href,
      qr: svgDataUrl(d.enrolQrSvg),
      relative,
      copied: null,
    };
    await load();
  }

  /** "Close": the credential leaves this page for good. */
  function dismiss() {
    const a = state();
    if (!a) return;
    a.stationIssued = null;
    render();
    ctx.focusForm();
  }

  async function copyAddress() {
    const a = state();
    const issued = a?.stationIssued;
    if (!issued) return;
    let ok = false;
    try {
      await navigator.clipboard.writeText(issued.address);
      ok = true;
    } catch {
      // No clipboard (an insecure origin, or refused): select the address so that Ctrl+C copies it.
      const field = /** @type {HTMLTextAreaElement | null} */ (document.getElementById('admin-station-address'));
      field?.focus();
      field?.select();
    }
    if (state() !== a || a?.stationIssued !== issued) return;
    issued.copied = ok;
    renderIssued();
  }

  // ------------------------------------------------------------------ revoking

  const revoke = createRevokeFlow({
    kind: 'station',
    host,
    state,
    get: (a) => a.stationRevoke,
    set: (a, r) => (a.stationRevoke = r),
    nameOf: (a, id) => a.stations?.find((/** @type {{ id: string }} */ x) => x.id === id)?.name ?? '',
    path: (id) => `/api/door-stations/${encodeURIComponent(id)}/revoke`,
    done: (_res, name) => ({ ok: true, key: 'admin.station.revoke.done', params: { name } }),
    failure: ctx.failure,
    renderStatus: ctx.renderStatus,
    renderList: () => renderList(),
    reload: () => load(),
  });

  // ------------------------------------------------------------------ rendering

  function renderIssued() {
    const box = document.getElementById('admin-station-issued');
    const a = state();
    if (!box) return;
    const issued = a?.stationIssued;
    box.hidden = !issued;
    if (!issued) {
      box.replaceChildren();
      return;
    }
    const l = host.lang();
    const copy = el('button', { cls: 'button button-small', text: t(l, 'admin.station.copy'), attrs: { type: 'button', 'data-testid': 'admin-station-copy' } });
    copy.addEventListener('click', () => void copyAddress());
    const close = el('button', { cls: 'button button-primary', text: t(l, 'admin.station.dismiss'), attrs: { type: 'button', 'data-testid': 'admin-station-dismiss' } });
    close.addEventListener('click', dismiss);
    // The whole address on screen (wrapped), selectable for a copy by hand.
    const address = el('textarea', {
      text: issued.address,
      attrs: { id: 'admin-station-address', readonly: true, rows: 2, spellcheck: 'false', 'data-testid': 'admin-station-address' },
    });
    address.addEventListener('focus', () => address.select());
    box.replaceChildren(
      el('h4', { attrs: { id: 'admin-station-issued-title', tabindex: '-1' }, text: t(l, 'admin.station.issued.title', { name: issued.name, room: ctx.roomName(issued.roomId) }) }),
      el('p', { cls: 'station-once', text: t(l, 'admin.station.issued.warning'), attrs: { 'data-testid': 'admin-station-once' } }),
      el('p', { text: t(l, 'admin.station.issued.how') }),
      el(
        'div',
        { cls: 'station-issued-body' },
        el('img', { cls: 'station-qr', attrs: { src: issued.qr, alt: t(l, 'admin.station.issued.qr', { name: issued.name }), width: 180, height: 180, 'data-testid': 'admin-station-qr' } }),
        el(
          'div',
          { cls: 'station-issued-text' },
          el('label', { attrs: { for: 'admin-station-address' }, text: t(l, 'admin.station.issued.address') }),
          el('div', { cls: 'station-address' }, address, copy),
          issued.copied === null
            ? ''
            : el('p', { cls: issued.copied ? 'field-hint' : 'field-error', attrs: { role: 'status', 'data-testid': 'admin-station-copied' }, text: t(l, issued.copied ? 'admin.station.copied' : 'admin.station.copy_failed') }),
          el('p', { cls: 'station-credential-label', text: t(l, 'admin.station.issued.credential') }),
          el('code', { cls: 'station-credential', text: issued.credential, attrs: { 'data-testid': 'admin-station-credential' } }),
          issued.relative ? el('p', { cls: 'field-hint', text: t(l, 'admin.station.issued.relative') }) : '',
        ),
      ),
      el('div', { cls: 'form-actions' }, close),
    );
  }

  function renderList() {
    const box = document.getElementById('admin-stations');
    const a = state();
    if (!a || !box) return;
    const l = host.lang();
    const admin = ctx.isAdmin();
    if (!a.stations) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: t(l, 'door.loading') }));
      return;
    }
    // The revoke form is rebuilt with the list: it keeps its focus and caret.
    const refocus = keepFocus(box);
    if (!a.stations.length) {
      box.replaceChildren(
        el('h4', { text: t(l, 'admin.station.list') }),
        el('p', { cls: 'empty-inline', attrs: { 'data-testid': 'admin-stations-empty' }, text: t(l, admin ? 'admin.station.empty' : 'admin.station.empty.readonly') }),
      );
      return;
    }
    const rows = a.stations.map((s) => {
      const revoked = s.status === 'revoked';
      const open = a.stationRevoke?.id === s.id ? a.stationRevoke : null;
      const revokeButton = admin && !revoked && !open ? revoke.button(l, s.id, s.name) : '';
      return el(
        'li',
        { cls: revoked ? 'station-revoked' : '', attrs: { 'data-testid': 'admin-station', 'data-station-id': s.id, 'data-status': s.status } },
        el(
          'div',
          { cls: 'station-row' },
          el('span', { cls: 'station-name', text: s.name }),
          el('span', { cls: 'station-room', text: ctx.roomName(s.roomId) }),
          el('span', { cls: `pill ${revoked ? 'pill-denied' : 'pill-granted'}`, text: t(l, revoked ? 'admin.station.revoked' : 'admin.station.active') }),
          revokeButton,
        ),
        el(
          'p',
          { cls: 'station-meta' },
          el('span', { text: t(l, 'admin.station.createdAt', { time: formatDateTime(s.createdAt, tz()) }) }),
          el('span', { text: s.lastSeenAt ? t(l, 'admin.station.lastSeen', { time: formatDateTime(s.lastSeenAt, tz()) }) : t(l, 'admin.station.neverSeen') }),
          revoked ? el('span', { text: t(l, 'admin.station.revokedAt', { time: formatDateTime(s.revokedAt, tz()), reason: s.revokedReason ?? '' }) }) : '',
        ),
        open ? revoke.form(l, s.name, open) : '',
      );
    });
    box.replaceChildren(el('h4', { text: t(l, 'admin.station.list') }), el('ul', { cls: 'station-items' }, ...rows));
    refocus();
  }


  function render() {
    renderIssued();
    renderList();
    const a = state();
    const readonly = document.getElementById('admin-station-readonly');
    if (readonly) readonly.hidden = !a || ctx.isAdmin();
  }

  return { load, registered, render };
}
