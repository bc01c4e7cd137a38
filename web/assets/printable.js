// @ts-check
// Printable pages (muster list, badge card, labels, receipts, certificates): fetched with the
// bearer token and opened in a new tab from a Blob URL; or (openPrintLink) opened straight from
// the server through a print link, a short-lived address bound to this user and this one page.
import { t, addMessages } from './i18n.js';
import { el } from './dom.js';

addMessages({
  ja: {
    'print.loading': '読み込んでいます…',
    'print.blocked': '新しいウィンドウを開けませんでした。このサイトのポップアップを許可してから、もう一度お試しください。',
    'print.failed': '印刷用のページを取得できませんでした（{code}）。',
  },
  en: {
    'print.loading': 'Loading…',
    'print.blocked': 'A new window could not be opened. Allow pop-ups for this site and try again.',
    'print.failed': 'The printable page could not be loaded ({code}).',
  },
});

/**
 * Fetches a printable page with the bearer token and opens it in a new tab from a Blob URL.
 * The window is opened at once, within the click, so pop-up blockers allow it.
 * The page's stylesheet link is made absolute: a blob: document cannot resolve "/assets/…".
 * With `print`, the page opens the browser's print dialog once loaded (autoprint.js).
 * Answers null on success, or an error message key and parameters.
 * @param {import('./page-types.js').Host} host
 * @param {string} path
 * @returns {Promise<null | { key: string, params: Record<string, string> }>}
 */
export async function openPrintable(host, path, { print = false } = {}) {
  const session = host.session();
  if (!session) return null;
  const lang = host.lang();
  const win = window.open('', '_blank');
  if (win) {
    try {
      win.opener = null;
      win.document.title = t(lang, 'print.loading');
      win.document.body.textContent = t(lang, 'print.loading');
    } catch {
      // not our document (should not happen for about:blank): it is replaced below anyway
    }
  }
  let res;
  try {
    res = await fetch(path, { headers: { Authorization: `Bearer ${session.token}`, Accept: 'text/html' }, cache: 'no-store' });
  } catch {
    win?.close();
    return { key: 'print.failed', params: { code: 'network' } };
  }
  if (res.status === 401) {
    win?.close();
    host.sessionRefused((await res.json().catch(() => null))?.error?.code);
    return null;
  }
  if (!res.ok) {
    win?.close();
    const code = (await res.json().catch(() => null))?.error?.code ?? `HTTP ${res.status}`;
    return { key: 'print.failed', params: { code } };
  }
  const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
  for (const link of doc.querySelectorAll('link[href]')) link.setAttribute('href', /** @type {HTMLLinkElement} */ (link).href);
  if (print) doc.head.append(el('script', { attrs: { src: new URL('/assets/autoprint.js', location.href).href } }));
  const url = URL.createObjectURL(new Blob([`<!doctype html>\n${doc.documentElement.outerHTML}`], { type: 'text/html;charset=utf-8' }));
  setTimeout(() => URL.revokeObjectURL(url), 120_000);
  if (win && !win.closed) {
    win.location.href = url;
    return null;
  }
  return window.open(url, '_blank', 'noopener') ? null : { key: 'print.blocked', params: {} };
}

/**
 * Opens a printable page in a new tab straight from the server, through a print link (POST
 * /api/print-links): the page keeps its own address (its QR code, its stylesheet) and prints as
 * the server made it. With `print`, the browser's print dialog opens once it is laid out.
 * Answers null, or an error message key and parameters.
 * @param {import('./page-types.js').Host} host
 * @param {string} path the page, e.g. /api/reviews/2026-W49/print
 * @returns {Promise<null | { key: string, params: Record<string, string> }>}
 */
export async function openPrintLink(host, path, { print = false } = {}) {
  const lang = host.lang();
  // Opened at once, within the user's action, so that pop-up blockers allow it.
  let win = window.open('', '_blank');
  if (win) {
    try {
      win.opener = null;
      win.document.title = t(lang, 'print.loading');
      win.document.body.textContent = t(lang, 'print.loading');
    } catch {
      // not our document: it is replaced below anyway
    }
  }
  const res = await host.api('POST', '/api/print-links', { body: { path } });
  if (res.status !== 201 || typeof res.data?.url !== 'string') {
    win?.close();
    return res.status === 401 ? null : { key: 'print.failed', params: { code: res.code ?? `HTTP ${res.status || 'network'}` } };
  }
  const url = new URL(res.data.url, location.href).href;
  if (win && !win.closed) win.location.href = url;
  else win = window.open(url, '_blank');
  if (!win) return { key: 'print.blocked', params: {} };
  if (print) {
    const opened = win;
    const target = new URL(url);
    const started = Date.now();
    const timer = setInterval(() => {
      try {
        if (opened.closed || Date.now() - started > 30_000) clearInterval(timer);
        else if (opened.location.pathname === target.pathname && opened.document.readyState === 'complete') {
          clearInterval(timer);
          setTimeout(() => opened.print(), 200);
        }
      } catch {
        clearInterval(timer);
      }
    }, 100);
  }
  return null;
}
