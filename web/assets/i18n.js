// @ts-check
// Every string the page shows, in Japanese and English. The door screens (door.js) and the
// administration forms (admin.js) are loaded after sign-in and add their own tables with
// addMessages(), so that the sign-in page stays small.
// Japanese uses サインイン / サインアウト throughout (never ログイン / ログアウト),
// and the role names of the depositor's guidelines (責任者, 権限者, 担当者).
// Placeholders are written {name} and filled in by t().

export const LANGS = ['ja', 'en'];

/** @type {Record<string, Record<string, string>>} */
export const messages = {
  ja: {
    'app.name': 'Tachiai 立会い',
    'app.tagline': '預託情報の取り扱いを、記録で証明する',
    'lang.switch': 'English',
    'lang.switch.label': 'Switch to English',

    'signin.title': 'サインイン',
    'signin.intro': 'ユーザー名とパスワードを入力してください。管理者は、バッジまたはICカードを読み取り、その暗証番号も入力してください。',
    'signin.second_factor': '管理者のみ: バッジと暗証番号',
    'signin.username': 'ユーザー名',
    'signin.password': 'パスワード',
    'signin.badge': 'バッジ・ICカード',
    'signin.badge.hint': 'この欄を選んでから、バッジのQRコードまたはICカードを読み取り機にかざしてください。',
    'signin.pin': 'バッジの暗証番号（PIN）',
    'signin.pin.hint': 'バッジを読み取ると、この欄に移ります。',
    'signin.pin.change': 'バッジの暗証番号を変更する',
    'signin.submit': 'サインイン',
    'signin.busy': 'サインインしています…',
    'signin.capslock': 'Caps Lock がオンになっています。',
    'signin.note.signout': '作業が終わったら、必ずサインアウトしてください。',
    'signin.note.idle': '{duration}操作がないと、画面が消去され、自動的にサインアウトします。',
    'signin.note.secret': 'パスワードは他人に教えたり、書き留めたりしないでください。',
    'signin.badge_refused': 'この端末はサインアウトしています。入館証の読み取りは記録されていません。係員がサインインしてから読み取ってください。',

    'error.username_required': 'ユーザー名を入力してください。',
    'error.password_required': 'パスワードを入力してください。',
    'error.invalid_credentials': 'ユーザー名、パスワード、またはバッジが正しくありません。',
    'error.second_factor_required': 'このアカウントは管理者です。パスワードに加えて、バッジまたはICカードを読み取り、その暗証番号を入力してください（暗証番号が未設定のバッジは使えません）。',
    'error.pin_change_required': 'バッジの暗証番号が6桁未満です。「バッジの暗証番号を変更する」から変更してから、サインインしてください。',
    'error.pin_locked': 'バッジの暗証番号の誤りが続いたため、ロックされています。しばらく待つか、確認者の立会いのもとで再設定してください。',
    'error.pin_busy': 'このバッジの確認が同時に多すぎます。少し待ってから再度お試しください。',
    'error.account_locked': 'サインインの失敗が続いたため、このアカウントはロックされています。しばらく待ってから再度お試しいただくか、管理者に連絡してください。',
    'error.account_locked.minutes': 'サインインの失敗が続いたため、このアカウントはロックされています。{minutes}分後に再度お試しいただくか、管理者に連絡してください。',
    'error.too_many_requests': '試行回数が多すぎます。しばらく待ってから再度お試しください。',
    'error.database_unavailable': 'データベースが応答していません。少し待ってから再度お試しください。続く場合は管理者に連絡してください。',
    'error.invalid_request': '入力内容に誤りがあります。各欄を確認してください。',
    'error.network': 'Tachiai サーバーに接続できません。ネットワークの接続を確認してください。',
    'error.unexpected': '予期しないエラーが発生しました（{code}）。再度お試しください。',
    'error.field': '{field}: {message}',

    'notice.idle': '{duration}操作がなかったため、サインアウトしました。',
    'notice.session_expired': '一定時間操作がなかったため、セッションが終了しました。もう一度サインインしてください。',
    'notice.session_ended': 'セッションは終了しています。もう一度サインインしてください。',
    'notice.signed_out': 'サインアウトしました。',
    'notice.signout_offline': 'サーバーに接続できなかったため、画面のみサインアウトしました。セッションは{duration}後に自動的に終了します。',
    'notice.password_changed': 'パスワードを変更しました。',

    'duration.seconds': '{n}秒間',
    'duration.minutes': '{n}分間',
    'duration.after.seconds': '{n}秒',
    'duration.after.minutes': '{n}分',

    'shell.skip': '本文へ移動',
    'shell.signedInAs': 'サインイン中',
    'shell.roles': '役割',
    'shell.signout': 'サインアウト',
    'shell.nav': '業務メニュー',
    'shell.previous.title': '前回の利用状況を確認してください',
    'shell.previous.login': '前回のサインイン',
    'shell.previous.logout': '前回のサインアウト',
    'shell.previous.none_first': 'なし（初回のサインイン）',
    'shell.previous.none': '記録なし',
    'shell.previous.hint': '心当たりのない日時が表示されている場合は、すぐに責任者に連絡してください。',
    'shell.previous.ack': '確認しました',
    'shell.previous.folded': '前回のサインイン {at}',
    'shell.previous.expand': '詳細 ▸',
    'shell.credentials.title': '前回のサインイン以降、あなたの入館証に次の変更がありました',
    'shell.credentials.hint': '心当たりのないものがあれば、すぐに責任者に連絡してください。',
    'shell.credentials.issued': '{at} 入館証が発行されました（発行者: {by}）',
    'shell.credentials.issued_more': '{at} 入館証が追加で発行されました（発行者: {by}。すでに有効な入館証を {n} 枚お持ちです）',
    'shell.credentials.pin_set': '{at} 暗証番号が設定されました（確認者: {confirmer}）',
    'shell.credentials.pin_reset': '{at} 暗証番号が再設定されました（確認者: {confirmer}）',
    'shell.credentials.someone': '不明',
    'shell.timezone': '表示タイムゾーン: {tz}',
    'shell.password_expires': 'パスワードの有効期限は{date}です。期限までに変更してください。',
    'shell.idle_warning': 'このまま操作がないと、まもなく自動的にサインアウトします。続ける場合は何かキーを押してください。',
    'shell.later': 'この画面は今後のバージョンで利用できるようになります。',

    'section.door': '入退室',
    'section.door.title': '入退室の記録',
    'section.door.empty': 'セキュリティルームの扉で読み取ったバッジの記録（入室・退室、許可・拒否）と、いま在室している人の一覧がここに表示されます。',
    'section.media': '媒体管理',
    'section.media.title': '媒体の保管と受け渡し',
    'section.media.alerts': '営業時間外の持出しアラート {n}件',
    'media.load_failed': '媒体管理の画面を読み込めませんでした。ページを再読み込みしてください。',
    'section.destruction': '廃棄',
    'section.destruction.title': '媒体の廃棄',
    'destruction.load_failed': '廃棄の画面を読み込めませんでした。ページを再読み込みしてください。',
    'section.audit': '監査',
    'section.audit.title': '監査と点検',
    'section.audit.empty': 'システムへのアクセス記録、週次の点検結果、改ざん検知のための記録簿（ジャーナル）の検証結果がここに表示されます。',
    'audit.load_failed': '監査の画面を読み込めませんでした。ページを再読み込みしてください。',
    'section.notices': '通知',
    'section.notices.title': '通知メールと連絡先',
    'notices.load_failed': '通知の画面を読み込めませんでした。ページを再読み込みしてください。',
    'section.review': '週次点検',
    'section.review.title': '週次アクセス記録点検',
    'section.compliance': '遵守状況',
    'section.compliance.title': '預託情報保護要領の遵守状況',
    'compliance.load_failed': '遵守状況の画面を読み込めませんでした。ページを再読み込みしてください。',
    'review.load_failed': '週次点検の画面を読み込めませんでした。ページを再読み込みしてください。',

    'role.admin': '管理者',
    'role.responsible': '責任者',
    'role.authorized': '権限者',
    'role.staff': '担当者',
    'role.guard': '受付・警備',
    'role.auditor': '監査担当',
    'role.visitor': '来訪者',

    'password.title': 'パスワードの変更',
    'password.expired': 'パスワードの有効期限が切れています。作業を始める前に、新しいパスワードを設定してください。',
    'password.current': '現在のパスワード',
    'password.new': '新しいパスワード',
    'password.confirm': '新しいパスワード（確認）',
    'password.rules': '新しいパスワードの条件',
    'password.submit': 'パスワードを変更',
    'password.busy': '変更しています…',
    'password.mismatch': '確認用のパスワードが一致しません。',
    'password.new_required': '新しいパスワードを入力してください。',
    'password.current_required': '現在のパスワードを入力してください。',
    'password.current_incorrect': '現在のパスワードが正しくありません。',
    'password.policy': '新しいパスワードは次の条件を満たしていません。',
    'password.badge_refused': 'パスワードの変更中のため、入館証の読み取りは記録されていません。パスワードを変更してから読み取ってください。',

    'policy.too_short': '8文字以上にしてください。',
    'policy.contains_username': 'ユーザー名を含めないでください。',
    'policy.contains_name': '氏名を含めないでください。',
    'policy.contains_organisation': '会社名・組織名を含めないでください。',
    'policy.contains_phone': '電話番号を含めないでください。',
    'policy.contains_birthday': '生年月日を含めないでください。',
    'policy.repeated_characters': '同じ文字を続けないでください（aaa、111 など）。',
    'policy.sequential_characters': '連続した数字や文字を含めないでください（1234、abcd など）。',
    'policy.letters_only': '英字だけにせず、数字や記号も含めてください。',
    'policy.reused': '以前に使ったパスワードは使えません。',

    'footer.version': 'バージョン {version}',

    'door.loading': '読み込んでいます…',
    'door.load_failed': '入退室の画面を読み込めませんでした。ページを再読み込みしてください。',
  },

  en: {
    'app.name': 'Tachiai 立会い',
    'app.tagline': 'Prove, record by record, how entrusted information was handled',
    'lang.switch': '日本語',
    'lang.switch.label': '日本語に切り替える',

    'signin.title': 'Sign in',
    'signin.intro': 'Enter your user name and password. Administrators also scan their badge or IC card and type its PIN.',
    'signin.second_factor': 'Administrators only: badge and PIN',
    'signin.username': 'User name',
    'signin.password': 'Password',
    'signin.badge': 'Badge or IC card',
    'signin.badge.hint': 'Select this field, then scan your badge’s QR code or hold your IC card to the reader.',
    'signin.pin': 'Badge PIN',
    'signin.pin.hint': 'Scanning the badge moves you here.',
    'signin.pin.change': 'Change your badge PIN',
    'signin.submit': 'Sign in',
    'signin.busy': 'Signing in…',
    'signin.capslock': 'Caps Lock is on.',
    'signin.note.signout': 'When your work is done, always sign out.',
    'signin.note.idle': 'After {duration} without activity the screen clears and you are signed out.',
    'signin.note.secret': 'Never share your password or write it down.',
    'signin.badge_refused': 'This desk is signed out: the badge scan was not recorded. Scan again once a guard has signed in.',

    'error.username_required': 'Enter your user name.',
    'error.password_required': 'Enter your password.',
    'error.invalid_credentials': 'The user name, password or badge is not correct.',
    'error.second_factor_required': 'This is an administrator account: scan your badge or IC card and type its PIN as well (a badge without a PIN cannot be used).',
    'error.pin_change_required': 'Your badge PIN is shorter than 6 digits. Change it (“Change your badge PIN”), then sign in.',
    'error.pin_locked': 'Your badge PIN is locked after too many wrong tries. Wait, or have it reset with a confirmer present.',
    'error.pin_busy': 'Too many checks of this badge at once. Wait a moment and try again.',
    'error.account_locked': 'This account is locked after too many failed sign-ins. Wait a while and try again, or ask an administrator.',
    'error.account_locked.minutes': 'This account is locked after too many failed sign-ins. Try again in {minutes} minutes, or ask an administrator.',
    'error.too_many_requests': 'Too many attempts. Wait a moment and try again.',
    'error.database_unavailable': 'The database is not answering. Try again shortly; if this continues, tell the administrator.',
    'error.invalid_request': 'Some of the input is not valid. Check each field.',
    'error.network': 'Cannot reach the Tachiai server. Check the network connection.',
    'error.unexpected': 'Something went wrong ({code}). Please try again.',
    'error.field': '{field}: {message}',

    'notice.idle': 'Signed out after {duration} without activity.',
    'notice.session_expired': 'Your session ended after a period without activity. Please sign in again.',
    'notice.session_ended': 'Your session has ended. Please sign in again.',
    'notice.signed_out': 'You have signed out.',
    'notice.signout_offline': 'The server could not be reached, so only this screen was signed out. The session ends by itself after {duration}.',
    'notice.password_changed': 'Your password has been changed.',

    'duration.seconds': '{n} seconds',
    'duration.seconds.one': '1 second',
    'duration.minutes': '{n} minutes',
    'duration.minutes.one': '1 minute',
    'duration.after.seconds': '{n} seconds',
    'duration.after.seconds.one': '1 second',
    'duration.after.minutes': '{n} minutes',
    'duration.after.minutes.one': '1 minute',

    'shell.skip': 'Skip to content',
    'shell.signedInAs': 'Signed in',
    'shell.roles': 'Roles',
    'shell.signout': 'Sign out',
    'shell.nav': 'Sections',
    'shell.previous.title': 'Check your previous session',
    'shell.previous.login': 'Previous sign-in',
    'shell.previous.logout': 'Previous sign-out',
    'shell.previous.none_first': 'none (first sign-in)',
    'shell.previous.none': 'none recorded',
    'shell.previous.hint': 'If you do not recognise these times, tell your responsible person (責任者) at once.',
    'shell.previous.ack': 'I have checked this',
    'shell.previous.folded': 'Previous sign-in {at}',
    'shell.previous.expand': 'Details ▸',
    'shell.credentials.title': 'Changes to your badges since your last sign-in',
    'shell.credentials.hint': 'If one of these was not you, tell your responsible person at once.',
    'shell.credentials.issued': '{at} a badge was issued to you (by {by})',
    'shell.credentials.issued_more': '{at} another badge was issued to you (by {by}; you already held {n} valid badge(s))',
    'shell.credentials.pin_set': '{at} your PIN was set (confirmed by {confirmer})',
    'shell.credentials.pin_reset': '{at} your PIN was reset (confirmed by {confirmer})',
    'shell.credentials.someone': 'unknown',
    'shell.timezone': 'Times shown in {tz}',
    'shell.password_expires': 'Your password expires on {date}. Change it before then.',
    'shell.idle_warning': 'You will be signed out soon because there has been no activity. Press any key to stay signed in.',
    'shell.later': 'This screen becomes available in a later version.',

    'section.door': 'Door',
    'section.door.title': 'Door entries and exits',
    'section.door.empty': 'Badge scans at the secure-room door will appear here — who came in and went out, granted or denied — together with the list of who is inside right now.',
    'section.media': 'Media',
    'section.media.title': 'Media storage and handovers',
    'section.media.alerts': '{n} after-hours checkout alert(s)',
    'media.load_failed': 'The media screens could not be loaded. Reload the page.',
    'section.destruction': 'Destruction',
    'section.destruction.title': 'Destruction of media',
    'destruction.load_failed': 'The destruction screens could not be loaded. Reload the page.',
    'section.audit': 'Audit',
    'section.audit.title': 'Audit and reviews',
    'section.audit.empty': 'The system access log, the weekly access review and the check of the tamper-evident journal will appear here.',
    'audit.load_failed': 'The audit screens could not be loaded. Reload the page.',
    'section.notices': 'Notices',
    'section.notices.title': 'E-mail notices and contacts',
    'notices.load_failed': 'The notices screens could not be loaded. Reload the page.',
    'section.review': 'Weekly review',
    'section.review.title': 'Weekly access review',
    'section.compliance': 'Compliance',
    'section.compliance.title': 'Compliance with the protection guidelines, clause by clause',
    'compliance.load_failed': 'The compliance screen could not be loaded. Reload the page.',
    'review.load_failed': 'The weekly review could not be loaded. Reload the page.',

    'role.admin': 'Administrator',
    'role.responsible': 'Responsible person',
    'role.authorized': 'Authorized person',
    'role.staff': 'Staff',
    'role.guard': 'Front desk / guard',
    'role.auditor': 'Auditor',
    'role.visitor': 'Visitor',

    'password.title': 'Change your password',
    'password.expired': 'Your password has expired. Choose a new one before you start work.',
    'password.current': 'Current password',
    'password.new': 'New password',
    'password.confirm': 'New password (again)',
    'password.rules': 'Rules for the new password',
    'password.submit': 'Change password',
    'password.busy': 'Changing…',
    'password.mismatch': 'The two new passwords are not the same.',
    'password.new_required': 'Enter a new password.',
    'password.current_required': 'Enter your current password.',
    'password.current_incorrect': 'The current password is not correct.',
    'password.policy': 'The new password does not meet these rules:',
    'password.badge_refused': 'A password is being changed here: the badge scan was not recorded. Scan again once the password is changed.',

    'policy.too_short': 'Use at least 8 characters.',
    'policy.contains_username': 'Do not include your user name.',
    'policy.contains_name': 'Do not include your name.',
    'policy.contains_organisation': 'Do not include the company or organisation name.',
    'policy.contains_phone': 'Do not include a phone number.',
    'policy.contains_birthday': 'Do not include a birthday.',
    'policy.repeated_characters': 'Do not repeat one character in a row (aaa, 111…).',
    'policy.sequential_characters': 'Do not include sequences of digits or letters (1234, abcd…).',
    'policy.letters_only': 'Do not use letters only: add digits or symbols.',
    'policy.reused': 'Do not reuse a password you have used before.',

    'footer.version': 'Version {version}',

    'door.loading': 'Loading…',
    'door.load_failed': 'The door screens could not be loaded. Reload the page.',
  },
};

/** The rules of clause E3.11, in the order they are listed to the user. */
export const POLICY_CODES = [
  'too_short', 'contains_username', 'contains_name', 'contains_organisation', 'contains_phone',
  'contains_birthday', 'repeated_characters', 'sequential_characters', 'letters_only', 'reused',
];

export const ROLE_CODES = ['admin', 'responsible', 'authorized', 'staff', 'guard', 'auditor', 'visitor'];

/**
 * Adds a feature module's strings: { ja: {...}, en: {...} }.
 * @param {Record<string, Record<string, string>>} extra
 */
export function addMessages(extra) {
  for (const lang of LANGS) Object.assign(messages[lang], extra[lang]);
}

/**
 * Has this language a string for key?
 * @param {string} lang
 * @param {string} key
 */
export function has(lang, key) {
  return Object.prototype.hasOwnProperty.call(messages[lang] ?? {}, key);
}

/**
 * The string for key in lang, with {placeholders} filled in; the key itself if unknown.
 * @param {string} lang
 * @param {string} key
 * @param {Record<string, unknown>} [params]
 * @returns {string}
 */
export function t(lang, key, params = {}) {
  const table = messages[lang] ?? messages.en;
  let text = table[key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** "5 minutes" / "5分間", "2 seconds" / "2秒間". `after` picks the form used after a number ("…後"). */
export function duration(lang, seconds, after = false) {
  const minutes = seconds >= 60 && seconds % 60 === 0;
  const n = minutes ? seconds / 60 : seconds;
  const base = `duration.${after ? 'after.' : ''}${minutes ? 'minutes' : 'seconds'}`;
  if (n === 1 && has(lang, `${base}.one`)) return t(lang, `${base}.one`);
  return t(lang, base, { n });
}

/** The page language: the saved choice, else the first of the browser's languages we have, else English. */
export function pickLanguage(saved, browserLanguages) {
  if (LANGS.includes(saved)) return saved;
  for (const tag of browserLanguages ?? []) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (primary === 'ja') return 'ja';
    if (primary === 'en') return 'en';
  }
  return 'en';
}
