// @ts-check
// The in-browser check of a proof file on the public certificate check page (issue 19): the
// person chooses the downloaded .tlog-proof file and enters the log's verifier key they were
// given; each step is shown in Japanese and English. A convenience — this code comes from the
// contractor's server; the independent check is `npx tachiai verify-proof` (the page says so).
import { checkProofFile } from './tlog-verify.js';
import { PROOF_CHECK_MESSAGES } from './proof-check-messages.js';

/** @param {string} key @param {Record<string, string | number>} [params] */
function words(key, params = {}) {
  const fill = (/** @type {string} */ s) => s.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''));
  const ja = /** @type {Record<string, string>} */ (PROOF_CHECK_MESSAGES.ja)[key] ?? key;
  const en = /** @type {Record<string, string>} */ (PROOF_CHECK_MESSAGES.en)[key] ?? key;
  return `${fill(ja)} ${fill(en)}`;
}

const form = /** @type {HTMLFormElement | null} */ (document.getElementById('proof-check'));
if (form) {
  const file = /** @type {HTMLInputElement} */ (form.querySelector('input[type=file]'));
  const vkey = /** @type {HTMLInputElement} */ (form.querySelector('input[name=vkey]'));
  const out = /** @type {HTMLElement} */ (form.querySelector('[data-testid=proof-check-result]'));
  const show = (/** @type {boolean | null} */ ok, /** @type {Array<{ ok: boolean, text: string }>} */ lines, /** @type {string} */ verdict) => {
    out.replaceChildren();
    const list = document.createElement('ul');
    for (const l of lines) {
      const li = document.createElement('li');
      li.className = l.ok ? 'ok' : 'bad';
      li.textContent = `${l.ok ? '✓' : '✗'} ${l.text}`;
      list.append(li);
    }
    const p = document.createElement('p');
    p.className = `verdict ${ok ? 'valid' : 'mismatch'}`;
    p.dataset.status = ok ? 'valid' : 'invalid';
    p.textContent = verdict;
    out.append(list, p);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      const chosen = file.files?.[0];
      if (!chosen || !vkey.value.trim()) return show(false, [], words('pc.missing'));
      let result;
      try {
        result = await checkProofFile(await chosen.text(), vkey.value);
      } catch {
        return show(false, [], words('pc.unsupported'));
      }
      show(result.ok, result.steps.map((s) => ({ ok: s.ok, text: words(s.key, s.params) })), words(result.ok ? 'pc.valid' : 'pc.invalid'));
    })();
  });
}
