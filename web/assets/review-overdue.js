// @ts-check
// The weeks overdue for the weekly review (E4.2: a week not signed within 7 days after it ends),
// shown to the responsible person after sign-in, above the tabs — so at the front desk's door
// screen too — each week a button that opens it in the review tab (週次点検). Loaded by app.js only
// for those who may read the reviews (GET /api/reviews/status answers 403 to the others).
import { t, addMessages } from './i18n.js';
import { el } from './dom.js';
import { weekDays } from './review-week.js';

addMessages({
  ja: {
    'review.overdue.title': '週次点検の期限を過ぎた週が{n}週あります。',
    'review.overdue.hint': '週が終わってから7日以内に点検し、署名してください（E4.2）。',
    'review.overdue.week': '{year}年 第{n}週（{from}〜{to}）',
    'review.overdue.week.label': '{year}年 第{n}週（{from}〜{to}）を点検する',
    'review.overdue.more': 'ほか{n}週',
  },
  en: {
    'review.overdue.title': 'The weekly review is overdue for {n} week(s).',
    'review.overdue.hint': 'Review and sign each week within 7 days after it ends (E4.2).',
    'review.overdue.week': 'Week {n}, {year} ({from}–{to})',
    'review.overdue.week.label': 'Review week {n}, {year} ({from}–{to})',
    'review.overdue.more': 'and {n} more',
  },
});

/** Weeks offered as buttons; the rest are counted. */
const SHOWN = 3;

/**
 * The overdue notice: refresh() asks the server again (after sign-in, after a week is signed),
 * render() words it in the page language, clear() removes it (the sign-in ended).
 * @param {import('./page-types.js').Host} host
 * @param {{ open: (week: string) => void }} options open(week): the review tab with that week
 */
export function createOverdue(host, { open }) {
  const box = el('div', { cls: 'notice notice-warning review-overdue', attrs: { role: 'status', hidden: true, 'data-testid': 'review-overdue' } });
  document.querySelector('.sections-nav')?.before(box);
  /** @type {string[]} */
  let weeks = [];
  const session = host.session();

  box.addEventListener('click', (e) => {
    const b = /** @type {Element} */ (e.target).closest('[data-week]');
    if (b instanceof HTMLElement && b.dataset.week) open(b.dataset.week);
  });

  /** What is on screen (the language and the weeks): the page's other renders leave the buttons, and the focus, alone. */
  let drawn = '';

  function render() {
    const lang = host.lang();
    box.hidden = weeks.length === 0 || host.session() !== session;
    const stamp = box.hidden ? '' : `${lang}|${weeks.join(',')}`;
    if (stamp === drawn) return;
    drawn = stamp;
    if (box.hidden) {
      box.replaceChildren();
      return;
    }
    // "2026年 第47週（11/16〜11/22）": the month and day are enough beside the year.
    const short = (day) => day.slice(5).replace('-', '/');
    const button = (week) => {
      const d = weekDays(week);
      const params = d ? { year: d.year, n: d.n, from: short(d.monday), to: short(d.sunday) } : null;
      return el('button', {
        cls: 'button button-small review-overdue-week',
        text: params ? t(lang, 'review.overdue.week', params) : week,
        attrs: { type: 'button', 'data-week': week, 'aria-label': params ? t(lang, 'review.overdue.week.label', params) : week, 'data-testid': 'review-overdue-week' },
      });
    };
    box.replaceChildren(
      el(
        'p',
        { cls: 'review-overdue-title' },
        el('strong', { text: t(lang, 'review.overdue.title', { n: weeks.length }) }),
        ' ',
        el('span', { cls: 'review-overdue-hint', text: t(lang, 'review.overdue.hint') }),
      ),
      el(
        'p',
        { cls: 'review-overdue-weeks' },
        ...weeks.slice(0, SHOWN).map(button),
        ...(weeks.length > SHOWN ? [el('span', { text: t(lang, 'review.overdue.more', { n: weeks.length - SHOWN }) })] : []),
      ),
    );
  }

  return {
    /** Asks the server which weeks are overdue, then shows them (oldest last, as the server lists them). */
    async refresh() {
      if (host.session() !== session) return;
      const res = await host.api('GET', '/api/reviews/status', { background: true });
      if (host.session() !== session) return;
      if (res.status === 200 && Array.isArray(res.data?.overdue)) weeks = res.data.overdue.map(String);
      render();
    },
    render,
    clear() {
      weeks = [];
      box.remove();
    },
  };
}
