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

/**
 * Before a container is rebuilt: remembers the control inside it that has the focus (by its id)
 * and its caret; the function returned gives both back once the new content is in.
 * @param {HTMLElement} box
 * @returns {() => void}
 */
export function keepFocus(box) {
  const active = document.activeElement;
  const id = active && box.contains(active) && active.id ? active.id : null;
  const caret = active instanceof HTMLInputElement && active.type === 'text' ? [active.selectionStart, active.selectionEnd] : null;
  return () => {
    if (!id) return;
    const again = document.getElementById(id);
    again?.focus();
    if (caret && again instanceof HTMLInputElement && caret[0] !== null && caret[1] !== null) again.setSelectionRange(caret[0], caret[1]);
  };
}
