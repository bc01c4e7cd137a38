// @ts-check
// The holder changes their badge PIN: the badge and the current PIN prove who they are (no
// sign-in needed). Also how a PIN shorter than 6 digits, set before the security review, is
// replaced. A first PIN, or a forgotten or locked one, is set at the desk with a confirmer
// (Registration → "Set a PIN"). Nothing typed here stays on screen after an answer.
import { addMessages, pickLanguage, t } from './i18n.js';

addMessages({
  ja: {
    'pin.title': 'バッジの暗証番号の変更',
    'pin.intro': '入館証（バッジ・ICカード）を読み取り、今の暗証番号と新しい暗証番号を入力してください。暗証番号は、媒体の受け渡しや廃棄の立会いでの署名と、管理者のサインインに使います。',
    'pin.note.rules': '新しい暗証番号は6〜12桁の数字です。同じ数字の繰り返しや連番（123456 など）、以前使った番号は使えません。',
    'pin.note.forgotten': '暗証番号を忘れた・ロックされた場合や、まだ設定していない場合は、受付で確認者（管理者・責任者・権限者）の立会いのもとで設定します。',
    'pin.note.secret': '暗証番号は他人に教えたり、書き留めたりしないでください。発行者も知りません。',
    'pin.badge': '入館証（バッジ・ICカード）',
    'pin.current': '今の暗証番号',
    'pin.new': '新しい暗証番号',
    'pin.again': '新しい暗証番号（確認）',
    'pin.submit': '暗証番号を変更',
    'pin.busy': '変更しています…',
    'pin.back': 'サインイン画面に戻る',
    'pin.done': '暗証番号を変更しました。次の署名から新しい暗証番号を使ってください。',
    'pin.err.required': 'すべての欄を入力してください。',
    'pin.err.mismatch': '確認用の暗証番号が一致しません。',
    'pin.err.pin_format': '暗証番号は6〜12桁の数字です。',
    'pin.err.pin_too_short': '新しい暗証番号は6桁以上にしてください。',
    'pin.err.pin_too_long': '新しい暗証番号は12桁以内にしてください。',
    'pin.err.pin_trivial': '推測されやすい番号です（同じ数字の繰り返し・連番・よく使われる番号）。別の番号にしてください。',
    'pin.err.pin_reused': 'この入館証で以前使った番号です。別の番号にしてください。',
    'pin.err.wrong_pin': '今の暗証番号が違います。',
    'pin.err.unknown_badge': '登録されていない入館証です。',
    'pin.err.badge_revoked': '失効した入館証です。',
    'pin.err.badge_expired': '有効期間外の入館証です。',
    'pin.err.pin_not_set': 'この入館証にはまだ暗証番号がありません。受付で確認者の立会いのもとで設定してください。',
    'pin.err.pin_locked': '誤りが続いたため、この入館証の暗証番号はロックされています。しばらく待つか、受付で確認者の立会いのもとで再設定してください。',
    'pin.err.pin_busy': '確認が同時に多すぎます。少し待ってからやり直してください。',
    'pin.err.too_many_requests': '試行回数が多すぎます。しばらく待ってからやり直してください。',
    'pin.err.network': 'サーバーに接続できません。ネットワークの接続を確認してください。',
    'pin.err.other': '変更できませんでした（{code}）。',
  },
  en: {
    'pin.title': 'Change your badge PIN',
    'pin.intro': 'Scan your badge or IC card, then type your current PIN and the new one. Your PIN signs handovers and destructions you witness, and is an administrator’s second factor at sign-in.',
    'pin.note.rules': 'A new PIN has 6 to 12 digits; no repeats, sequences (such as 123456) or PINs you used before.',
    'pin.note.forgotten': 'If you forgot your PIN, it is locked, or you have none yet, set it at the desk with a confirmer (an administrator, responsible or authorised person) present.',
    'pin.note.secret': 'Never tell anyone your PIN or write it down. Whoever issued your badge does not know it either.',
    'pin.badge': 'Badge or IC card',
    'pin.current': 'Current PIN',
    'pin.new': 'New PIN',
    'pin.again': 'New PIN (again)',
    'pin.submit': 'Change the PIN',
    'pin.busy': 'Changing…',
    'pin.back': 'Back to sign-in',
    'pin.done': 'Your PIN is changed. Use the new one from your next signature.',
    'pin.err.required': 'Fill in every field.',
    'pin.err.mismatch': 'The two new PINs are not the same.',
    'pin.err.pin_format': 'A PIN is 6 to 12 digits.',
    'pin.err.pin_too_short': 'The new PIN needs at least 6 digits.',
    'pin.err.pin_too_long': 'The new PIN has at most 12 digits.',
    'pin.err.pin_trivial': 'Too easy to guess (a repeat, a sequence or a common PIN). Choose another.',
    'pin.err.pin_reused': 'This badge had this PIN before. Choose another.',
    'pin.err.wrong_pin': 'The current PIN is wrong.',
    'pin.err.unknown_badge': 'This badge is not registered.',
    'pin.err.badge_revoked': 'This badge is revoked.',
    'pin.err.badge_expired': 'This badge is outside its validity.',
    'pin.err.pin_not_set': 'This badge has no PIN yet: set it at the desk with a confirmer present.',
    'pin.err.pin_locked': 'This badge’s PIN is locked after too many wrong tries. Wait, or have it reset at the desk with a confirmer present.',
    'pin.err.pin_busy': 'Too many checks at once. Wait a moment and try again.',
    'pin.err.too_many_requests': 'Too many attempts. Wait a while and try again.',
    'pin.err.network': 'Cannot reach the server. Check the network connection.',
    'pin.err.other': 'The PIN could not be changed ({code}).',
  },
});

const LANG_STORAGE_KEY = 'tachiai.lang';
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

function savedLanguage() {
  try {
    return localStorage.getItem(LANG_STORAGE_KEY);
  } catch {
    return null;
  }
}

let lang = pickLanguage(savedLanguage(), navigator.languages?.length ? navigator.languages : [navigator.language]);
/** @type {{ key: string, params?: Record<string, string> } | null} */
let error = null;
let done = false;
let busy = false;

function render() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(lang, /** @type {string} */ (node.getAttribute('data-i18n')));
  document.title = `${t(lang, 'pin.title')} — Tachiai 立会い`;
  const sw = $('lang-switch');
  sw.textContent = t(lang, 'lang.switch');
  sw.setAttribute('aria-label', t(lang, 'lang.switch.label'));
  $('pin-result').hidden = !done;
  $('pin-result').textContent = done ? t(lang, 'pin.done') : '';
  $('pin-error').hidden = !error;
  $('pin-error').textContent = error ? t(lang, error.key, error.params) : '';
  const submit = /** @type {HTMLButtonElement} */ ($('pin-submit'));
  submit.disabled = busy;
  submit.textContent = t(lang, busy ? 'pin.busy' : 'pin.submit');
}

async function onSubmit(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  if (busy) return;
  const fields = ['pin-badge', 'pin-current', 'pin-new', 'pin-again'].map(input);
  const [badge, current, fresh, again] = fields.map((f) => f.value);
  done = false;
  if (!badge?.trim() || !current || !fresh || !again) {
    error = { key: 'pin.err.required' };
    render();
    fields.find((f) => !f.value)?.focus();
    return;
  }
  if (fresh !== again) {
    error = { key: 'pin.err.mismatch' };
    input('pin-again').value = '';
    render();
    input('pin-again').focus();
    return;
  }
  busy = true;
  error = null;
  render();
  let status = 0;
  /** @type {Partial<import('./api-types.js').ErrorBody> | null} */
  let data = null;
  try {
    const res = await fetch('/api/badges/pin/change', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ badge: badge.trim(), currentPin: current, newPin: fresh }) });
    status = res.status;
    data = await res.json().catch(() => null);
  } catch {
    status = 0;
  }
  busy = false;
  // Nothing typed here stays on screen, whatever the answer.
  for (const f of fields) f.value = '';
  if (status === 200) {
    done = true;
    render();
    input('pin-badge').focus();
    return;
  }
  const codes = (data?.error?.details ?? []).map((/** @type {{ code: string }} */ d) => d.code);
  const code = codes.find((/** @type {string} */ c) => t('en', `pin.err.${c}`) !== `pin.err.${c}`) ?? data?.error?.code ?? '';
  if (status === 0) error = { key: 'pin.err.network' };
  else if (t('en', `pin.err.${code}`) !== `pin.err.${code}`) error = { key: `pin.err.${code}` };
  else error = { key: 'pin.err.other', params: { code: code || `HTTP ${status}` } };
  render();
  // Every field was cleared: the holder starts over from the badge.
  input('pin-badge').focus();
}

$('lang-switch').addEventListener('click', () => {
  lang = lang === 'ja' ? 'en' : 'ja';
  try {
    localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // storage disabled
  }
  render();
});
$('pin-form').addEventListener('submit', (event) => void onSubmit(/** @type {SubmitEvent} */ (event)));
// A reader ends the badge with Enter: move on to the current PIN.
input('pin-badge').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && input('pin-badge').value.trim()) {
    event.preventDefault();
    input('pin-current').focus();
  }
});
render();
