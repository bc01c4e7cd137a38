// @ts-check
// The stylesheet of a screen loaded on first use, added once (a <link>: allowed by style-src 'self').

/** @type {Map<string, Promise<boolean>>} */
const sheets = new Map();

/**
 * Adds the stylesheet once; answers whether it loaded.
 * @param {string} href
 * @returns {Promise<boolean>}
 */
export function loadCss(href) {
  let sheet = sheets.get(href);
  if (!sheet) {
    sheet = new Promise((resolve) => {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = href;
      link.addEventListener('load', () => resolve(true));
      link.addEventListener('error', () => resolve(false));
      document.head.append(link);
    });
    sheets.set(href, sheet);
  }
  return sheet;
}
