// @ts-check
// Building the page: el() makes an element with its class, text, attributes and children; $(id)
// is an element the page has.

export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * document.createElement with a class, text and attributes (false, null and undefined leave an
 * attribute out; true sets it empty).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{ cls?: string, text?: string | null, attrs?: Record<string, string | number | boolean | null | undefined> }} [options]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, { cls, text, attrs } = {}, ...children) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs ?? {})) if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  node.append(...children);
  return node;
}
