// Registration forms of the door (administrators and responsible persons only): rooms,
// organisations, people, badges, access lists (E6.1), NDAs (M6.3), trainings (E5), leaving (E1.1)
// and the notices to the depositor. Loaded by door.js when the "Registration" view is first opened.
//
// Each form is built once from a small description; its labels carry data-i18n keys, so the
// page's language switch re-translates them without losing what was typed. Validation messages
// come from the API's error details and are shown next to the field they name.
import { t, has, addMessages, ROLE_CODES, POLICY_CODES } from './i18n.js';
import { getAll, siteNow, siteTime } from './screen.js';

addMessages({
  ja: {
    'admin.tasks': '登録・管理の項目',
    'admin.choose': '選択してください',
    'admin.none': '（まだ登録されていません）',
    'admin.busy': '処理しています…',
    'admin.option': '{name}（{detail}）',

    'admin.person': '関係者の登録',
    'admin.person.intro': '従業者、預託元の担当者、来訪者などを登録します。役割は預託情報保護要領の区分（責任者・担当者など）です。',
    'admin.person.name': '氏名',
    'admin.person.orgId': '所属',
    'admin.person.roles': '役割',
    'admin.person.email': 'メールアドレス（任意）',
    'admin.person.phone': '電話番号（任意）',
    'admin.person.birthday': '生年月日（任意）',
    'admin.person.birthday.hint': '電話番号と生年月日は、それを含むパスワードを使えないようにするために使います。',
    'admin.person.withAccount': 'サインイン用のアカウントを作成する',
    'admin.person.username': 'ユーザー名',
    'admin.person.password': '初期パスワード',
    'admin.person.password.hint': '8文字以上で、英字だけにせず数字や記号も含めてください。本人に安全な方法で伝えてください。',
    'admin.person.submit': '登録する',
    'admin.person.done': '{name}さんを登録しました。',
    'admin.person.phone.invalid': '数字、スペース、( ) - と先頭の + だけが使えます。',
    'admin.person.email.invalid': 'メールアドレスの形式で入力してください。',
    'admin.person.username.invalid': '3〜64文字の英数字と . _ @ - で入力し、先頭は英数字にしてください。',
    'admin.person.birthday.invalid': '正しい日付を入力してください。',

    'admin.badge': '入館証の発行',
    'admin.badge.intro': '入館証（名札を兼ねます）を発行し、印刷して本人に渡します。発行者は暗証番号（PIN）を決めません。入館証はすぐに入室に使えますが、署名に使えるのは、本人が確認者の立会いのもとで PIN を設定してからです（「暗証番号の設定」）。',
    'admin.badge.personId': '所持者',
    'admin.badge.validUntil': '有効期限（任意）',
    'admin.badge.validUntil.hint': '指定した日の終わりまで有効です。指定しない場合は無期限です。',
    'admin.badge.cardUid': 'ICカードのUID（任意）',
    'admin.badge.cardUid.hint': 'ICカードでも入室できるようにする場合は、この欄を選んでカードを読み取り機にかざしてください。',
    'admin.badge.submit': '入館証を発行',
    'admin.badge.done': '{name}さんの入館証を発行しました（No. {no}）。印刷して本人に渡し、本人が確認者の立会いのもとで暗証番号を設定するよう案内してください。',
    'admin.badge.print': '入館証を印刷',

    'admin.pin': '暗証番号の設定（本人＋確認者）',
    'admin.pin.intro': '本人が自分で暗証番号（PIN）を入力し、発行者でも本人でもない確認者（管理者・責任者・権限者）が自分の入館証と PIN で本人の在席を確認します。初めての設定にも、忘れた・ロックされた PIN の再設定にも使います。管理者の PIN の確認者は、別の管理者です。',
    'admin.pin.badge': '本人の入館証',
    'admin.pin.badge.hint': 'この欄を選んでから、本人の入館証を読み取り機にかざしてください。',
    'admin.pin.newPin': '新しい暗証番号（本人が入力）',
    'admin.pin.newPin.hint': '6〜12桁の数字。同じ数字の繰り返しや連番（123456 など）は使えません。',
    'admin.pin.newPinConfirm': '新しい暗証番号（確認）',
    'admin.pin.confirmerId': '確認者',
    'admin.pin.confirmerBadge': '確認者の入館証',
    'admin.pin.confirmerPin': '確認者の暗証番号',
    'admin.pin.submit': '暗証番号を設定',
    'admin.pin.done': '{name}さんの暗証番号を設定しました。入館証で署名できます。',
    'admin.pin.done_reset': '{name}さんの暗証番号を再設定しました（ロックは解除されました）。',
    'admin.error.pin_format': '6〜12桁の数字で入力してください。',
    'admin.error.pin_too_short': '6桁以上にしてください。',
    'admin.error.pin_too_long': '12桁以内にしてください。',
    'admin.error.pin_trivial': '推測されやすい番号です（同じ数字の繰り返し・連番・よく使われる番号）。別の番号にしてください。',
    'admin.error.pin_reused': 'この入館証で以前使った番号です。別の番号にしてください。',
    'admin.error.confirmer_is_holder': '本人は自分の確認者になれません。',
    'admin.error.confirmer_is_issuer': 'この入館証の発行者は確認者になれません（二人制）。',
    'admin.error.confirmer_role': '確認者は管理者・責任者・権限者（管理者の PIN は別の管理者）です。',
    'admin.error.wrong_pin': '暗証番号が違います。',
    'admin.error.unknown_badge': '登録されていない入館証です。',
    'admin.error.badge_not_of_person': 'この人の入館証ではありません。',
    'admin.error.badge_revoked': '失効した入館証です。',
    'admin.error.badge_expired': '有効期間外の入館証です。',
    'admin.error.pin_not_set': 'この入館証にはまだ暗証番号がありません。',
    'admin.error.pin_locked': '誤りが続いたためロックされています。',
    'admin.error.pin_busy': '確認が同時に多すぎます。少し待ってください。',
    'admin.error.pin_change_required': 'この暗証番号は6桁未満のため、先に本人が変更してください。',
    'admin.form.pin_locked': '確認者の暗証番号はロックされています。しばらく待ってからやり直してください。',
    'admin.form.pin_change_required': '確認者の暗証番号は6桁未満です。確認者が先に暗証番号を変更してください。',
    'admin.badge.cardUid.invalid': '0〜9、A〜F の16進数で入力してください（区切りの : と - は使えます）。',

    'admin.access': '入室許可者の設定',
    'admin.access.intro': '部屋ごとに、入室を許可する人を設定します。許可されていない人の入館証は、扉で拒否されます。',
    'admin.access.roomId': '部屋',
    'admin.access.personId': '追加する人',
    'admin.access.submit': '入室許可者に追加',
    'admin.access.done': '{name}さんを{room}の入室許可者に追加しました。',
    'admin.access.removed': '{name}さんを{room}の入室許可者から外しました。',
    'admin.access.list': '現在の入室許可者',
    'admin.access.empty': 'この部屋の入室許可者はまだいません。',
    'admin.access.pick': '部屋を選ぶと、現在の入室許可者が表示されます。',
    'admin.access.remove': '外す',
    'admin.access.remove.label': '{name}さんを入室許可者から外す',
    'admin.access.grantedAt': '{time}に許可',

    'admin.nda': '秘密保持契約の登録',
    'admin.nda.intro': '自社以外の人がセキュリティ区画に入るには、有効な秘密保持契約（念書）が必要です。書面を受け取ったら登録します。',
    'admin.nda.personId': '対象者',
    'admin.nda.signedAt': '締結日',
    'admin.nda.expiresAt': '有効期限（任意）',
    'admin.nda.documentRef': '書面の管理番号・保管場所',
    'admin.nda.documentRef.hint': '例: NDA-2026-014（総務部 書庫A）',
    'admin.nda.submit': '登録する',
    'admin.nda.done': '{name}さんの秘密保持契約を登録しました。',

    'admin.consent': '再委託の承諾の登録',
    'admin.consent.intro': '再委託先・廃棄業者の人に入館証を発行するには、預託元の書面による承諾が必要です。承諾書を受け取ったら登録します。',
    'admin.consent.orgId': '再委託先・廃棄業者',
    'admin.consent.depositorOrgId': '承諾した預託元（任意）',
    'admin.consent.grantedAt': '承諾日',
    'admin.consent.expiresAt': '有効期限（任意）',
    'admin.consent.documentRef': '承諾書の管理番号・保管場所',
    'admin.consent.documentRef.hint': '例: 承諾書 2026-003（総務部 書庫A）',
    'admin.consent.submit': '登録する',
    'admin.consent.done': '{org}について、預託元の書面による承諾を登録しました。',
    'admin.consent.done_later': '{org}について、預託元の書面による承諾を登録しました（承諾日から有効になります）。',
    'admin.form.consent_not_applicable': '承諾を登録できるのは、再委託先と廃棄業者だけです。',
    'admin.error.not_depositor': '預託元を選んでください。',

    'admin.training': '教育研修の記録',
    'admin.training.intro': '実施した教育研修を、日時・講師・方法・内容・受講者とともに記録します。',
    'admin.training.title': '研修名',
    'admin.training.heldAt': '実施日時',
    'admin.training.instructor': '講師',
    'admin.training.method': '実施方法',
    'admin.training.method.hint': '例: 集合研修、eラーニング',
    'admin.training.content': '内容',
    'admin.training.content.hint': '例: 預託情報保護要領、監視の実施、個人情報保護、コンピュータウイルス対策、ソフトウェアの取り扱い、罰則',
    'admin.training.participantIds': '受講者',
    'admin.training.submit': '記録する',
    'admin.training.done': '教育研修「{title}」を記録しました（受講者{n}名）。',

    'admin.revoke': '入館証の失効',
    'admin.revoke.intro': '紛失・返却などで使わなくなった入館証を失効させます。失効した入館証は、扉で拒否されます。',
    'admin.revoke.badgeId': '入館証',
    'admin.revoke.reason': '理由',
    'admin.revoke.reason.lost': '紛失',
    'admin.revoke.reason.returned': '返却',
    'admin.revoke.reason.left': '退職・異動',
    'admin.revoke.reason.other': 'その他',
    'admin.revoke.submit': '失効させる',
    'admin.revoke.done': '{name}さんの入館証（No. {no}）を失効させました。',
    'admin.revoke.option': '{name} — No. {no}',

    'admin.leave': '退職・異動の登録',
    'admin.leave.intro': '退職・異動は直ちに登録します。その人の入館証と入室許可はすべて取り消され、預託元への通知が作成されます。',
    'admin.leave.personId': '対象者',
    'admin.leave.reason': '区分',
    'admin.leave.reason.resigned': '退職',
    'admin.leave.reason.transferred': '異動',
    'admin.leave.noun.resigned': '退職',
    'admin.leave.noun.transferred': '異動',
    'admin.leave.effectiveAt': '発生日時（任意）',
    'admin.leave.effectiveAt.hint': '指定しない場合は、現在の日時で登録します。',
    'admin.leave.confirm': 'この人の入館証と入室許可がすべて直ちに取り消されることを確認しました',
    'admin.leave.submit': '登録する',
    'admin.leave.done': '{name}さんの{reason}を登録しました。入館証{badges}枚と入室許可{access}件を取り消し、預託元への通知を作成しました。',

    'admin.notifications': '預託元への通知',
    'admin.notifications.intro': '退職・異動などの人事の変更は、直ちに預託元に報告します。報告したら「確認済みにする」を押してください。',
    'admin.notifications.empty': '未確認の通知はありません。',
    'admin.notifications.ack': '確認済みにする',
    'admin.notifications.done': '通知を確認済みにしました。',
    'admin.notifications.to': '宛先: {name}',
    'admin.notifications.resigned': '{name}さん（{org}）が{date}付で退職しました。入館証と入室許可はすべて取り消し済みです。',
    'admin.notifications.transferred': '{name}さん（{org}）が{date}付で異動しました。入館証と入室許可はすべて取り消し済みです。',

    'admin.org': '組織の登録',
    'admin.org.intro': '預託元、自社（受託者）、再委託先、運送業者、廃棄業者、来訪者の所属会社を登録します。',
    'admin.org.name': '組織名',
    'admin.org.kind': '区分',
    'admin.org.submit': '組織を登録',
    'admin.org.done': '組織「{name}」を登録しました。',
    'org.kind.depositor': '預託元',
    'org.kind.contractor': '自社（受託者）',
    'org.kind.subcontractor': '再委託先',
    'org.kind.carrier': '運送業者',
    'org.kind.disposal_vendor': '廃棄業者',
    'org.kind.visitor_company': '来訪者の所属会社',

    'admin.room': '部屋の登録',
    'admin.room.intro': '入退室を記録する部屋を登録します。曜日と時刻を指定すると、その時間帯だけ入室できます。',
    'admin.room.name': '部屋の名前',
    'admin.room.kind': '区分',
    'admin.room.days': '利用できる曜日（任意）',
    'admin.room.from': '開始時刻（任意）',
    'admin.room.to': '終了時刻（任意）',
    'admin.room.to.invalid': '終了時刻は開始時刻より後にしてください。',
    'admin.room.requiresTraining': '入室に、過去12か月以内の教育研修の受講を必須にする',
    'admin.room.submit': '部屋を登録',
    'admin.room.done': '部屋「{name}」を登録しました。',
    'day.1': '月', 'day.2': '火', 'day.3': '水', 'day.4': '木', 'day.5': '金', 'day.6': '土', 'day.7': '日',

    'admin.error.required': '入力してください。',
    'admin.error.select': '選択してください。',
    'admin.error.choose': '1つ以上選んでください。',
    'admin.error.too_long': '長すぎます。',
    'admin.error.invalid': '正しい形式で入力してください。',
    'admin.error.in_past': '今日より後の日付を指定してください。',
    'admin.error.in_future': '未来の日時は指定できません。',
    'admin.error.before_signed': '締結日より後の日付を指定してください。',
    'admin.error.before_granted': '承諾日より後の日付を指定してください。',
    'admin.error.username_taken': 'このユーザー名はすでに使われています。',
    'admin.error.duplicate': '同じ人が重複しています。',
    'admin.error.pin_mismatch': '確認用の暗証番号が一致しません。',
    'admin.error.confirm': '内容を確認のうえ、チェックを入れてください。',
    'admin.form.invalid': '入力内容に誤りがあります。各項目のメッセージを確認してください。',
    'admin.form.person_left': 'この人はすでに退職・異動しています。',
    'admin.form.already_on_access_list': 'この人はすでにこの部屋の入室許可者です。',
    'admin.form.already_revoked': 'この入館証はすでに失効しています。',
    'admin.form.badge_revoked': 'この入館証は失効しているため、印刷できません。',
    'admin.form.consent_missing': '再委託先の人の入館証は、預託元の書面による承諾を登録してから発行できます（「再委託の承諾の登録」で登録します）。',
    'admin.form.already_left': 'この人の退職・異動はすでに登録されています。',
    'admin.form.already_acknowledged': 'この通知はすでに確認済みです。',
    'admin.form.forbidden': 'この操作を行う権限がありません。',
    'admin.form.not_found': '対象が見つかりません。画面を開き直してから、もう一度お試しください。',
    'admin.form.network': 'サーバーに接続できません。ネットワークの接続を確認してください。',
    'admin.form.database_unavailable': 'データベースが応答していません。少し待ってから、もう一度お試しください。',
    'admin.form.other': '処理できませんでした（{code}）。',
  },
  en: {
    'admin.tasks': 'Registration tasks',
    'admin.choose': 'Choose…',
    'admin.none': '(none registered yet)',
    'admin.busy': 'Working…',
    'admin.option': '{name} ({detail})',

    'admin.person': 'Register a person',
    'admin.person.intro': 'Staff, the depositor’s contacts, visitors… Roles are those of the depositor’s guidelines (responsible person, staff, …).',
    'admin.person.name': 'Full name',
    'admin.person.orgId': 'Organisation',
    'admin.person.roles': 'Roles',
    'admin.person.email': 'E-mail (optional)',
    'admin.person.phone': 'Phone (optional)',
    'admin.person.birthday': 'Birthday (optional)',
    'admin.person.birthday.hint': 'The phone number and birthday are used to refuse passwords that contain them.',
    'admin.person.withAccount': 'Create a sign-in account',
    'admin.person.username': 'User name',
    'admin.person.password': 'Initial password',
    'admin.person.password.hint': 'At least 8 characters, not letters only. Hand it over in a safe way.',
    'admin.person.submit': 'Register',
    'admin.person.done': '{name} has been registered.',
    'admin.person.phone.invalid': 'Use digits, spaces, ( ) - and a leading + only.',
    'admin.person.email.invalid': 'Enter an e-mail address.',
    'admin.person.username.invalid': '3 to 64 letters, digits and . _ @ -, starting with a letter or digit.',
    'admin.person.birthday.invalid': 'Enter a valid date.',

    'admin.badge': 'Issue a badge',
    'admin.badge.intro': 'Issue a badge (it is also the name plate), print it and hand it over. The issuer never chooses its PIN: the badge opens doors at once, but signs nothing until its holder sets the PIN with a confirmer present (“Set a PIN”).',
    'admin.badge.personId': 'Holder',
    'admin.badge.validUntil': 'Valid until (optional)',
    'admin.badge.validUntil.hint': 'Valid to the end of that day; no end date if left empty.',
    'admin.badge.cardUid': 'IC card UID (optional)',
    'admin.badge.cardUid.hint': 'To let the IC card open the door too, select this field and hold the card to the reader.',
    'admin.badge.submit': 'Issue the badge',
    'admin.badge.done': 'Badge No. {no} issued to {name}. Print it, hand it over, and have the holder set the PIN with a confirmer present.',
    'admin.badge.print': 'Print the badge',

    'admin.pin': 'Set a PIN (holder + confirmer)',
    'admin.pin.intro': 'The holder types their own PIN; a confirmer — an administrator, responsible or authorised person who is neither the issuer nor the holder — confirms with their own badge and PIN that the holder is present. For a first PIN, and to reset a forgotten or locked one. An administrator’s PIN is confirmed by another administrator.',
    'admin.pin.badge': 'Holder’s badge',
    'admin.pin.badge.hint': 'Select this field, then hold the holder’s badge to the reader.',
    'admin.pin.newPin': 'New PIN (typed by the holder)',
    'admin.pin.newPin.hint': '6 to 12 digits; no repeats or sequences such as 123456.',
    'admin.pin.newPinConfirm': 'New PIN (again)',
    'admin.pin.confirmerId': 'Confirmer',
    'admin.pin.confirmerBadge': 'Confirmer’s badge',
    'admin.pin.confirmerPin': 'Confirmer’s PIN',
    'admin.pin.submit': 'Set the PIN',
    'admin.pin.done': 'PIN set for {name}: the badge now signs.',
    'admin.pin.done_reset': 'PIN reset for {name} (the lock is lifted).',
    'admin.error.pin_format': 'Enter 6 to 12 digits.',
    'admin.error.pin_too_short': 'At least 6 digits.',
    'admin.error.pin_too_long': 'At most 12 digits.',
    'admin.error.pin_trivial': 'Too easy to guess (a repeat, a sequence or a common PIN). Choose another.',
    'admin.error.pin_reused': 'This badge had this PIN before. Choose another.',
    'admin.error.confirmer_is_holder': 'The holder cannot confirm their own PIN.',
    'admin.error.confirmer_is_issuer': 'Whoever issued this badge cannot confirm its PIN (two-person rule).',
    'admin.error.confirmer_role': 'The confirmer is an administrator, responsible or authorised person (for an administrator’s PIN: another administrator).',
    'admin.error.wrong_pin': 'Wrong PIN.',
    'admin.error.unknown_badge': 'Badge not registered.',
    'admin.error.badge_not_of_person': 'Not this person’s badge.',
    'admin.error.badge_revoked': 'Badge revoked.',
    'admin.error.badge_expired': 'Badge outside its validity.',
    'admin.error.pin_not_set': 'This badge has no PIN yet.',
    'admin.error.pin_locked': 'Locked after too many wrong tries.',
    'admin.error.pin_busy': 'Too many checks at once; wait a moment.',
    'admin.error.pin_change_required': 'This PIN is shorter than 6 digits: its holder must change it first.',
    'admin.form.pin_locked': 'The confirmer’s PIN is locked. Try again later.',
    'admin.form.pin_change_required': 'The confirmer’s PIN is shorter than 6 digits: the confirmer must change it first.',
    'admin.badge.cardUid.invalid': 'Use hexadecimal digits 0–9, A–F (separators : and - are allowed).',

    'admin.access': 'Room access lists',
    'admin.access.intro': 'Who may enter each room. Badges of anyone else are denied at the door.',
    'admin.access.roomId': 'Room',
    'admin.access.personId': 'Person to add',
    'admin.access.submit': 'Add to the access list',
    'admin.access.done': '{name} added to the access list of {room}.',
    'admin.access.removed': '{name} removed from the access list of {room}.',
    'admin.access.list': 'Current access list',
    'admin.access.empty': 'Nobody is on this room’s access list yet.',
    'admin.access.pick': 'Choose a room to see its access list.',
    'admin.access.remove': 'Remove',
    'admin.access.remove.label': 'Remove {name} from the access list',
    'admin.access.grantedAt': 'since {time}',

    'admin.nda': 'Record an NDA',
    'admin.nda.intro': 'People from outside the company need a valid non-disclosure agreement to enter a secure room. Record it when the signed document arrives.',
    'admin.nda.personId': 'Person',
    'admin.nda.signedAt': 'Signed on',
    'admin.nda.expiresAt': 'Expires on (optional)',
    'admin.nda.documentRef': 'Document reference',
    'admin.nda.documentRef.hint': 'e.g. NDA-2026-014 (general affairs, archive A)',
    'admin.nda.submit': 'Record',
    'admin.nda.done': 'NDA of {name} recorded.',

    'admin.consent': 'Record a subcontracting consent',
    'admin.consent.intro': 'People of a subcontractor or disposal vendor get badges only with the depositor’s written consent. Record it when the signed document arrives.',
    'admin.consent.orgId': 'Subcontractor or disposal vendor',
    'admin.consent.depositorOrgId': 'Consenting depositor (optional)',
    'admin.consent.grantedAt': 'Consent given on',
    'admin.consent.expiresAt': 'Expires on (optional)',
    'admin.consent.documentRef': 'Document reference',
    'admin.consent.documentRef.hint': 'e.g. Consent 2026-003 (general affairs, archive A)',
    'admin.consent.submit': 'Record',
    'admin.consent.done': 'Written consent for {org} recorded.',
    'admin.consent.done_later': 'Written consent for {org} recorded (valid from the day it was given).',
    'admin.form.consent_not_applicable': 'Consents are recorded for subcontractors and disposal vendors only.',
    'admin.error.not_depositor': 'Choose a depositor.',

    'admin.training': 'Record a training',
    'admin.training.intro': 'Record each security training with its date, instructor, method, content and participants.',
    'admin.training.title': 'Title',
    'admin.training.heldAt': 'Held at',
    'admin.training.instructor': 'Instructor',
    'admin.training.method': 'Method',
    'admin.training.method.hint': 'e.g. classroom, e-learning',
    'admin.training.content': 'Content',
    'admin.training.content.hint': 'e.g. the protection guidelines, monitoring, privacy, viruses, software use, discipline',
    'admin.training.participantIds': 'Participants',
    'admin.training.submit': 'Record',
    'admin.training.done': 'Training “{title}” recorded ({n} participants).',

    'admin.revoke': 'Revoke a badge',
    'admin.revoke.intro': 'Revoke a badge that is lost, returned or no longer used. A revoked badge is denied at the door.',
    'admin.revoke.badgeId': 'Badge',
    'admin.revoke.reason': 'Reason',
    'admin.revoke.reason.lost': 'Lost',
    'admin.revoke.reason.returned': 'Returned',
    'admin.revoke.reason.left': 'Left the company or transferred',
    'admin.revoke.reason.other': 'Other',
    'admin.revoke.submit': 'Revoke',
    'admin.revoke.done': 'Badge No. {no} of {name} revoked.',
    'admin.revoke.option': '{name} — No. {no}',

    'admin.leave': 'Record a leave',
    'admin.leave.intro': 'Record resignations and transfers at once: every badge and room access of the person is revoked, and a notice to the depositor is created.',
    'admin.leave.personId': 'Person',
    'admin.leave.reason': 'Kind',
    'admin.leave.reason.resigned': 'Resigned',
    'admin.leave.reason.transferred': 'Transferred',
    'admin.leave.noun.resigned': 'resignation',
    'admin.leave.noun.transferred': 'transfer',
    'admin.leave.effectiveAt': 'Effective at (optional)',
    'admin.leave.effectiveAt.hint': 'Now, if left empty.',
    'admin.leave.confirm': 'I understand that all of this person’s badges and room access are revoked at once',
    'admin.leave.submit': 'Record',
    'admin.leave.done': 'The {reason} of {name} is recorded: {badges} badge(s) and {access} room access grant(s) revoked, and a notice to the depositor created.',

    'admin.notifications': 'Notices to the depositor',
    'admin.notifications.intro': 'Personnel changes such as resignations and transfers are reported to the depositor at once. Acknowledge each notice once it has been reported.',
    'admin.notifications.empty': 'No open notices.',
    'admin.notifications.ack': 'Acknowledge',
    'admin.notifications.done': 'Notice acknowledged.',
    'admin.notifications.to': 'To: {name}',
    'admin.notifications.resigned': '{name} ({org}) resigned on {date}. All of their badges and room access have been revoked.',
    'admin.notifications.transferred': '{name} ({org}) was transferred on {date}. All of their badges and room access have been revoked.',

    'admin.org': 'Register an organisation',
    'admin.org.intro': 'Depositors, this company (the contractor), subcontractors, carriers, disposal vendors and visitors’ companies.',
    'admin.org.name': 'Name',
    'admin.org.kind': 'Kind',
    'admin.org.submit': 'Register',
    'admin.org.done': 'Organisation “{name}” registered.',
    'org.kind.depositor': 'Depositor (client)',
    'org.kind.contractor': 'This company (contractor)',
    'org.kind.subcontractor': 'Subcontractor',
    'org.kind.carrier': 'Carrier',
    'org.kind.disposal_vendor': 'Disposal vendor',
    'org.kind.visitor_company': 'Visitor’s company',

    'admin.room': 'Register a room',
    'admin.room.intro': 'Rooms whose door is logged. With days and times, the room may be entered only then.',
    'admin.room.name': 'Room name',
    'admin.room.kind': 'Kind',
    'admin.room.days': 'Open on (optional)',
    'admin.room.from': 'From (optional)',
    'admin.room.to': 'Until (optional)',
    'admin.room.to.invalid': 'Must be later than the start time.',
    'admin.room.requiresTraining': 'Require a security training in the last 12 months to enter',
    'admin.room.submit': 'Register',
    'admin.room.done': 'Room “{name}” registered.',
    'day.1': 'Mon', 'day.2': 'Tue', 'day.3': 'Wed', 'day.4': 'Thu', 'day.5': 'Fri', 'day.6': 'Sat', 'day.7': 'Sun',

    'admin.error.required': 'Required.',
    'admin.error.select': 'Choose one.',
    'admin.error.choose': 'Choose at least one.',
    'admin.error.too_long': 'Too long.',
    'admin.error.invalid': 'Not valid.',
    'admin.error.in_past': 'Must be in the future.',
    'admin.error.in_future': 'Cannot be in the future.',
    'admin.error.before_signed': 'Must be after the signing date.',
    'admin.error.before_granted': 'Must be after the date of consent.',
    'admin.error.username_taken': 'This user name is already in use.',
    'admin.error.duplicate': 'A person is listed twice.',
    'admin.error.pin_mismatch': 'The two PINs are not the same.',
    'admin.error.confirm': 'Tick to confirm.',
    'admin.form.invalid': 'Some of the input is not valid. See the message at each field.',
    'admin.form.person_left': 'This person has already left.',
    'admin.form.already_on_access_list': 'This person is already on the room’s access list.',
    'admin.form.already_revoked': 'This badge is already revoked.',
    'admin.form.badge_revoked': 'This badge is revoked and cannot be printed.',
    'admin.form.consent_missing': 'A subcontractor’s people get badges only after the depositor’s written consent is recorded (“Record a subcontracting consent”).',
    'admin.form.already_left': 'This person’s leave is already recorded.',
    'admin.form.already_acknowledged': 'This notice was already acknowledged.',
    'admin.form.forbidden': 'You are not allowed to do this.',
    'admin.form.not_found': 'Not found. Reopen the screen and try again.',
    'admin.form.network': 'Cannot reach the server. Check the network connection.',
    'admin.form.database_unavailable': 'The database is not answering. Try again shortly.',
    'admin.form.other': 'Could not be done ({code}).',
  },
});

const TASKS = ['person', 'badge', 'pin', 'access', 'nda', 'consent', 'training', 'revoke', 'leave', 'notifications', 'org', 'room'];
const ORG_KINDS = ['depositor', 'contractor', 'subcontractor', 'carrier', 'disposal_vendor', 'visitor_company'];
const CONFLICTS = ['pin_locked', 'pin_change_required', 'person_left', 'already_on_access_list', 'already_revoked', 'badge_revoked', 'consent_missing', 'consent_not_applicable', 'already_left', 'already_acknowledged', 'forbidden', 'not_found', 'database_unavailable'];

/** "No. 1A2B3C4D", as printed on the card. */
const badgeNo = (id) => String(id).slice(0, 8).toUpperCase();
const opt = (v) => (v === '' || v === undefined ? undefined : v);

export function createAdmin(host, door) {
  const { el } = door;
  const api = host.api;
  const tz = () => host.config().displayTimeZone;
  const lang = () => host.lang();
  const isAdmin = () => host.session()?.user.roles.includes('admin') ?? false;

  /** Per-session state. */
  let a = null;
  const forms = {};
  const root = document.getElementById('door-admin');

  // Each form: its fields and what to send. Field: n (name; label key admin.<task>.<n>), type,
  // api (path in the request body, for error details; default n), src (people, orgs, rooms,
  // badges) or opts (fixed option values, labelled by optKey + value), optional `when`.
  const SPECS = {
    person: {
      fields: [
        { n: 'name', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'orgId', type: 'select', src: 'orgs' },
        { n: 'roles', type: 'checks', opts: () => ROLE_CODES.filter((r) => r !== 'admin' || isAdmin()), optKey: 'role.' },
        { n: 'email', type: 'email', attrs: { maxlength: 254, autocomplete: 'off' } },
        { n: 'phone', type: 'tel', attrs: { maxlength: 32, autocomplete: 'off' } },
        { n: 'birthday', type: 'date' },
        { n: 'withAccount', type: 'checkbox' },
        { n: 'username', api: 'account.username', when: (v) => v.withAccount, attrs: { maxlength: 64, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' } },
        { n: 'password', type: 'password', api: 'account.password', when: (v) => v.withAccount, attrs: { maxlength: 256, autocomplete: 'new-password' } },
      ],
      body: (v) => ({
        name: v.name,
        orgId: opt(v.orgId),
        roles: v.roles,
        email: opt(v.email),
        phone: opt(v.phone),
        birthday: opt(v.birthday),
        account: v.withAccount ? { username: v.username, password: v.password } : undefined,
      }),
      send: (body) => api('POST', '/api/people', { body }),
      done: (d) => ({ key: 'admin.person.done', params: { name: d.name } }),
      after: async (d) => {
        await loadPeople();
        for (const task of ['badge', 'nda']) setValue(task, 'personId', d.id);
      },
    },
    badge: {
      fields: [
        { n: 'personId', type: 'select', src: 'people' },
        { n: 'validUntil', type: 'date' },
        // Like the scan input: what the card reader types stays off the screen and away from the IME.
        { n: 'cardUid', type: 'password', attrs: { maxlength: 64, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' } },
      ],
      // The issuer never chooses the PIN (security review, finding 1): the holder sets it under "pin".
      body: (v) => ({ personId: opt(v.personId), validUntil: v.validUntil ? siteTime(`${v.validUntil}T23:59:59`, tz()) : undefined, cardUid: opt(v.cardUid) }),
      send: (body) => api('POST', '/api/badges', { body }),
      done: (d) => ({ key: 'admin.badge.done', params: { name: d.personName, no: badgeNo(d.id) }, print: d.id }),
      after: async (d) => {
        await loadBadges();
        setValue('access', 'personId', d.personId);
      },
    },
    // Two-person PIN setting: the holder types the PIN, a confirmer signs with their own badge and PIN.
    pin: {
      fields: [
        { n: 'badge', type: 'password', attrs: { maxlength: 512, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' } },
        { n: 'newPin', type: 'pin' },
        { n: 'newPinConfirm', type: 'pin', api: '-' },
        { n: 'confirmerId', type: 'select', src: 'confirmers', api: 'confirmer.personId' },
        { n: 'confirmerBadge', type: 'password', api: 'confirmer.badge', attrs: { maxlength: 512, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' } },
        { n: 'confirmerPin', type: 'pin', api: 'confirmer.pin' },
      ],
      // Secrets never stay on screen: every answer, success or refusal, clears them.
      secret: ['badge', 'newPin', 'newPinConfirm', 'confirmerBadge', 'confirmerPin'],
      check: (v) => (v.newPin !== v.newPinConfirm ? { newPinConfirm: 'admin.error.pin_mismatch' } : v.confirmerId ? null : { confirmerId: 'admin.error.select' }),
      body: (v) => ({ badge: v.badge, newPin: v.newPin, confirmer: { personId: opt(v.confirmerId), badge: v.confirmerBadge, pin: v.confirmerPin } }),
      send: (body) => api('POST', '/api/badges/pin/setup', { body }),
      done: (d) => ({ key: d.reset ? 'admin.pin.done_reset' : 'admin.pin.done', params: { name: personName(d.personId) } }),
      after: () => loadBadges(),
    },
    access: {
      fields: [
        { n: 'roomId', type: 'select', src: 'rooms', api: '-' },
        { n: 'personId', type: 'select', src: 'people' },
      ],
      keep: ['roomId'],
      body: (v) => ({ personId: opt(v.personId) }),
      send: (body, v) => api('POST', `/api/rooms/${encodeURIComponent(v.roomId)}/access`, { body }),
      check: (v) => (v.roomId ? null : { roomId: 'admin.error.select' }),
      done: (d, v) => ({ key: 'admin.access.done', params: { name: personName(v.personId), room: roomName(v.roomId) } }),
      after: () => loadAccess(),
    },
    nda: {
      fields: [
        { n: 'personId', type: 'select', src: 'people' },
        { n: 'signedAt', type: 'date', def: () => siteNow(tz()).date },
        { n: 'expiresAt', type: 'date' },
        { n: 'documentRef', attrs: { maxlength: 500, autocomplete: 'off' } },
      ],
      body: (v) => ({
        personId: opt(v.personId),
        signedAt: v.signedAt ? siteTime(`${v.signedAt}T00:00:00`, tz()) : undefined,
        expiresAt: v.expiresAt ? siteTime(`${v.expiresAt}T23:59:59`, tz()) : undefined,
        documentRef: v.documentRef,
      }),
      send: (body) => api('POST', '/api/ndas', { body }),
      done: (d, v) => ({ key: 'admin.nda.done', params: { name: personName(v.personId) } }),
    },
    // E8.1–E8.3: a subcontractor's people get badges only once the depositor's written consent
    // is on file (the server refuses the badge with consent_missing until then).
    consent: {
      fields: [
        { n: 'orgId', type: 'select', src: 'consentOrgs', api: '-' },
        { n: 'depositorOrgId', type: 'select', src: 'depositors' },
        { n: 'grantedAt', type: 'date', def: () => siteNow(tz()).date },
        { n: 'expiresAt', type: 'date' },
        { n: 'documentRef', attrs: { maxlength: 500, autocomplete: 'off' } },
      ],
      check: (v) => (v.orgId ? null : { orgId: 'admin.error.select' }),
      body: (v) => ({
        depositorOrgId: opt(v.depositorOrgId),
        grantedAt: v.grantedAt ? siteTime(`${v.grantedAt}T00:00:00`, tz()) : undefined,
        expiresAt: v.expiresAt ? siteTime(`${v.expiresAt}T23:59:59`, tz()) : undefined,
        documentRef: v.documentRef,
      }),
      send: (body, v) => api('POST', `/api/orgs/${encodeURIComponent(v.orgId)}/consents`, { body }),
      done: (d, v) => ({ key: d.validNow ? 'admin.consent.done' : 'admin.consent.done_later', params: { org: orgName(v.orgId) } }),
    },
    training: {
      fields: [
        { n: 'title', attrs: { maxlength: 300, autocomplete: 'off' } },
        { n: 'heldAt', type: 'datetime', def: () => siteNow(tz()).time },
        { n: 'instructor', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'method', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'content', type: 'textarea', attrs: { maxlength: 5000, rows: 3 } },
        { n: 'participantIds', type: 'checks', src: 'people' },
      ],
      body: (v) => ({ ...v, heldAt: v.heldAt ? siteTime(v.heldAt, tz()) : undefined }),
      send: (body) => api('POST', '/api/trainings', { body }),
      done: (d) => ({ key: 'admin.training.done', params: { title: d.title, n: d.participantIds.length } }),
    },
    revoke: {
      fields: [
        { n: 'badgeId', type: 'select', src: 'badges', api: '-' },
        { n: 'reason', type: 'select', opts: () => ['lost', 'returned', 'left', 'other'], optKey: 'admin.revoke.reason.', placeholder: true },
      ],
      check: (v) => (v.badgeId ? null : { badgeId: 'admin.error.select' }),
      body: (v) => ({ reason: opt(v.reason) }),
      send: (body, v) => api('POST', `/api/badges/${encodeURIComponent(v.badgeId)}/revoke`, { body }),
      done: (d) => ({ key: 'admin.revoke.done', params: { name: d.personName, no: badgeNo(d.id) } }),
      after: () => loadBadges(),
    },
    leave: {
      fields: [
        { n: 'personId', type: 'select', src: 'people', api: '-' },
        { n: 'reason', type: 'select', opts: () => ['resigned', 'transferred'], optKey: 'admin.leave.reason.', placeholder: true },
        { n: 'effectiveAt', type: 'datetime' },
        { n: 'confirm', type: 'checkbox', api: '-' },
      ],
      check: (v) => (!v.personId ? { personId: 'admin.error.select' } : !v.confirm ? { confirm: 'admin.error.confirm' } : null),
      body: (v) => ({ reason: opt(v.reason), effectiveAt: v.effectiveAt ? siteTime(v.effectiveAt, tz()) : undefined }),
      send: (body, v) => api('POST', `/api/people/${encodeURIComponent(v.personId)}/leave`, { body }),
      done: (d, v) => ({
        key: 'admin.leave.done',
        params: { name: d.person.name, badges: d.revokedBadges, access: d.removedRoomAccess },
        reasonKey: `admin.leave.noun.${v.reason}`,
      }),
      after: async () => {
        await Promise.all([loadPeople(), loadBadges(), loadNotifications(), loadAccess()]);
        render();
      },
    },
    org: {
      fields: [
        { n: 'name', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'kind', type: 'select', opts: () => ORG_KINDS, optKey: 'org.kind.', placeholder: true },
      ],
      body: (v) => ({ name: v.name, kind: opt(v.kind) }),
      send: (body) => api('POST', '/api/orgs', { body }),
      done: (d) => ({ key: 'admin.org.done', params: { name: d.name } }),
      after: async (d) => {
        await loadOrgs();
        setValue('person', 'orgId', d.id);
        setValue('consent', 'orgId', d.id);
      },
    },
    room: {
      fields: [
        { n: 'name', attrs: { maxlength: 200, autocomplete: 'off' } },
        { n: 'kind', type: 'select', opts: () => ['secure', 'reception'], optKey: 'door.room.kind.' },
        { n: 'days', type: 'checks', opts: () => ['1', '2', '3', '4', '5', '6', '7'], optKey: 'day.', api: 'hours.days', inline: true },
        { n: 'from', type: 'time', api: 'hours.from' },
        { n: 'to', type: 'time', api: 'hours.to' },
        { n: 'requiresTraining', type: 'checkbox' },
      ],
      body: (v) => ({
        name: v.name,
        kind: v.kind,
        hours: v.days.length || v.from || v.to ? { days: v.days.map(Number), from: v.from, to: v.to } : undefined,
        requiresTraining: v.requiresTraining,
      }),
      send: (body) => api('POST', '/api/rooms', { body }),
      done: (d) => ({ key: 'admin.room.done', params: { name: d.name } }),
      after: async () => {
        await door.reloadRooms();
        fillSources();
      },
    },
  };

  // ------------------------------------------------------------------ data

  const personName = (id) => a?.people.find((p) => p.id === id)?.name ?? '';
  const roomName = (id) => door.rooms().find((r) => r.id === id)?.name ?? '';
  const orgName = (id) => a?.orgs.find((o) => o.id === id)?.name ?? '';

  async function loadList(path, key) {
    const my = a;
    const items = await getAll({ api }, path);
    if (a !== my || !a || !items) return;
    a[key] = items;
  }
  const loadPeople = () => loadList('/api/people?limit=500', 'people').then(fillSources);
  const loadOrgs = () => loadList('/api/orgs?limit=500', 'orgs').then(fillSources);
  const loadBadges = () => loadList('/api/badges', 'badges').then(fillSources);
  const loadNotifications = () => loadList('/api/notifications?open=true&limit=100', 'notifications').then(render);

  async function loadAccess() {
    if (!a) return;
    const roomId = /** @type {HTMLSelectElement} */ (forms.access.elements.namedItem('roomId')).value;
    a.access = { roomId, items: null };
    renderAccess();
    if (!roomId) return;
    const my = a;
    const res = await api('GET', `/api/rooms/${encodeURIComponent(roomId)}/access`);
    if (a !== my || a.access.roomId !== roomId) return;
    a.access.items = res.status === 200 ? (res.data?.items ?? []) : [];
    renderAccess();
  }

  async function removeAccess(personId, name) {
    if (!a) return;
    const roomId = a.access.roomId;
    const res = await api('DELETE', `/api/rooms/${encodeURIComponent(roomId)}/access/${encodeURIComponent(personId)}`);
    if (!a) return;
    a.status.access = res.status === 204 ? { ok: true, key: 'admin.access.removed', params: { name, room: roomName(roomId) } } : failure(res);
    await loadAccess();
    renderStatus('access');
    forms.access.querySelector('select')?.focus();
  }

  async function acknowledge(id) {
    if (!a) return;
    const res = await api('POST', `/api/notifications/${encodeURIComponent(id)}/acknowledge`);
    if (!a) return;
    a.status.notifications = res.status === 200 ? { ok: true, key: 'admin.notifications.done', params: {} } : failure(res);
    await loadNotifications();
    document.getElementById('admin-tab-notifications')?.focus();
  }

  // ------------------------------------------------------------------ building

  function buildField(task, f) {
    const id = `f-${task}-${f.n}`;
    const hintKey = `admin.${task}.${f.n}.hint`;
    const hint = has('en', hintKey) ? el('p', { cls: 'field-hint', attrs: { id: `${id}-hint`, 'data-i18n': hintKey } }) : null;
    const error = el('p', { cls: 'field-error', attrs: { id: `${id}-error`, 'data-testid': `admin-${task}-${f.n}-error`, hidden: true } });
    const describedBy = [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
    const labelKey = `admin.${task}.${f.n}`;
    const common = { id, name: f.n, 'aria-describedby': describedBy, 'data-testid': `admin-${task}-${f.n}` };
    if (f.type === 'checks') {
      const box = el('div', { cls: `checks${f.inline ? ' checks-inline' : ''}`, attrs: { 'data-checks': f.n } });
      return el(
        'fieldset',
        { cls: 'field', attrs: { 'data-field': f.n, id, 'aria-describedby': describedBy, 'data-testid': `admin-${task}-${f.n}` } },
        el('legend', { attrs: { 'data-i18n': labelKey } }),
        box,
        ...(hint ? [hint] : []),
        error,
      );
    }
    if (f.type === 'checkbox') {
      return el(
        'div',
        { cls: 'field', attrs: { 'data-field': f.n } },
        el('label', { cls: 'check' }, el('input', { attrs: { ...common, type: 'checkbox' } }), el('span', { attrs: { 'data-i18n': labelKey } })),
        ...(hint ? [hint] : []),
        error,
      );
    }
    let input;
    if (f.type === 'select') {
      input = el('select', { attrs: common });
      if (f.opts) {
        input.append(
          ...(f.placeholder ? [el('option', { attrs: { value: '', 'data-i18n': 'admin.choose' } })] : []),
          ...f.opts().map((o) => el('option', { attrs: { value: o, 'data-i18n': `${f.optKey}${o}` } })),
        );
      }
    } else if (f.type === 'textarea') {
      input = el('textarea', { attrs: { ...common, ...f.attrs } });
    } else {
      const type = { pin: 'password', datetime: 'datetime-local', undefined: 'text' }[String(f.type)] ?? f.type;
      const extra = f.type === 'pin' ? { inputmode: 'numeric', maxlength: 12, autocomplete: 'off' } : {};
      input = el('input', { attrs: { ...common, type, ...extra, ...f.attrs } });
    }
    return el('div', { cls: 'field', attrs: { 'data-field': f.n } }, el('label', { attrs: { for: id, 'data-i18n': labelKey } }), input, ...(hint ? [hint] : []), error);
  }

  function buildForm(task) {
    const spec = SPECS[task];
    const form = el('form', { cls: 'form admin-form', attrs: { novalidate: true, 'data-testid': `admin-${task}-form`, 'aria-labelledby': `admin-${task}-title` } });
    form.append(...spec.fields.map((f) => buildField(task, f)));
    form.append(
      el(
        'div',
        { cls: 'form-actions' },
        el('button', { cls: 'button button-primary', attrs: { type: 'submit', 'data-testid': `admin-${task}-submit`, 'data-i18n': `admin.${task}.submit` } }),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void submit(task);
    });
    form.addEventListener('change', (event) => {
      const name = /** @type {HTMLInputElement} */ (event.target).name;
      if (task === 'person' && name === 'withAccount') applyWhen(task);
      if (task === 'access' && name === 'roomId') void loadAccess();
    });
    forms[task] = form;
    return form;
  }

  function build() {
    const nav = el('div', { cls: 'admin-tasks', attrs: { role: 'tablist', 'aria-orientation': 'vertical', 'data-i18n-aria-label': 'admin.tasks' } });
    const panels = el('div', { cls: 'admin-panels' });
    for (const task of TASKS) {
      nav.append(
        el(
          'button',
          { cls: 'admin-task', attrs: { type: 'button', role: 'tab', id: `admin-tab-${task}`, 'aria-controls': `admin-panel-${task}`, 'data-task': task, 'data-testid': `admin-tab-${task}` } },
          el('span', { attrs: { 'data-i18n': `admin.${task}` } }),
          el('span', { cls: 'count-badge', attrs: { 'data-count': task, hidden: true } }),
        ),
      );
      const panel = el(
        'section',
        { cls: 'admin-panel', attrs: { role: 'tabpanel', id: `admin-panel-${task}`, 'aria-labelledby': `admin-tab-${task}`, 'data-testid': `admin-panel-${task}`, hidden: true } },
        el('h3', { attrs: { id: `admin-${task}-title`, 'data-i18n': `admin.${task}` } }),
        el('p', { cls: 'admin-intro', attrs: { 'data-i18n': `admin.${task}.intro` } }),
        el('div', { cls: 'admin-status', attrs: { id: `admin-${task}-status`, role: 'status', 'data-testid': `admin-${task}-status` } }),
      );
      if (SPECS[task]) panel.append(buildForm(task));
      if (task === 'access') panel.append(el('div', { cls: 'access-list', attrs: { id: 'admin-access-list', 'data-testid': 'admin-access-list' } }));
      if (task === 'notifications') panel.append(el('div', { attrs: { id: 'admin-notifications-list', 'data-testid': 'admin-notifications-list' } }));
      panels.append(panel);
    }
    nav.addEventListener('click', (event) => {
      const button = /** @type {HTMLElement} */ (event.target).closest('[data-task]');
      if (button) selectTask(button.dataset.task);
    });
    nav.addEventListener('keydown', (event) => {
      const i = TASKS.indexOf(a?.task ?? 'person');
      const next = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: TASKS.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      selectTask(TASKS[(next + TASKS.length) % TASKS.length], true);
    });
    root.replaceChildren(el('div', { cls: 'admin-layout' }, nav, panels));
    for (const task of Object.keys(SPECS)) applyDefaults(task);
  }

  // ------------------------------------------------------------------ form values

  function field(task, name) {
    return forms[task].elements.namedItem(name);
  }

  function setValue(task, name, value) {
    const input = /** @type {HTMLSelectElement} */ (field(task, name));
    if (input && [...input.options].some((o) => o.value === value)) input.value = value;
  }

  function applyDefaults(task) {
    for (const f of SPECS[task].fields) if (f.def) /** @type {HTMLInputElement} */ (field(task, f.n)).value = f.def();
    applyWhen(task);
  }

  function values(task) {
    const form = forms[task];
    const v = {};
    for (const f of SPECS[task].fields) {
      if (f.type === 'checks') v[f.n] = [...form.querySelectorAll(`[data-checks="${f.n}"] input:checked`)].map((i) => /** @type {HTMLInputElement} */ (i).value);
      else if (f.type === 'checkbox') v[f.n] = /** @type {HTMLInputElement} */ (field(task, f.n)).checked;
      else {
        const raw = /** @type {HTMLInputElement} */ (field(task, f.n)).value;
        v[f.n] = f.type === 'password' || f.type === 'pin' ? raw : raw.trim();
      }
    }
    return v;
  }

  /** Shows the fields that depend on another (the account fields of a person). */
  function applyWhen(task) {
    const v = values(task);
    for (const f of SPECS[task].fields) {
      if (!f.when) continue;
      const wrapper = forms[task].querySelector(`[data-field="${f.n}"]`);
      if (wrapper) /** @type {HTMLElement} */ (wrapper).hidden = !f.when(v);
    }
  }

  // ------------------------------------------------------------------ submitting

  function failure(res) {
    if (res.status === 0) return { ok: false, key: 'admin.form.network', params: {} };
    if (res.status === 400 || res.status === 413) return { ok: false, key: 'admin.form.invalid', params: {} };
    const code = res.code ?? '';
    if (CONFLICTS.includes(code)) return { ok: false, key: `admin.form.${code}`, params: {} };
    if (res.status === 503) return { ok: false, key: 'admin.form.database_unavailable', params: {} };
    return { ok: false, key: 'admin.form.other', params: { code: code || `HTTP ${res.status}` } };
  }

  /** The field a detail names ("body.account.password", "account.password", "body.hours.to" …). */
  function fieldFor(task, detail) {
    const path = String(detail?.field ?? '').replace(/^body\.?/, '');
    let best = null;
    for (const f of SPECS[task].fields) {
      const apiPath = f.api ?? f.n;
      if (apiPath === '-') continue;
      if ((path === apiPath || path.startsWith(`${apiPath}.`)) && (!best || apiPath.length > (best.api ?? best.n).length)) best = f;
    }
    if (!best && path === 'hours') best = SPECS[task].fields.find((f) => f.api === 'hours.days') ?? null;
    return best;
  }

  /** The words for one error detail at one field, in the page language. */
  function detailText(l, task, f, detail, value) {
    const code = String(detail.code ?? '');
    if (has('en', `admin.error.${code}`)) return t(l, `admin.error.${code}`);
    if (POLICY_CODES.includes(code)) return t(l, `policy.${code}`);
    if (f.type === 'select') return t(l, 'admin.error.select');
    if (f.type === 'checks') return t(l, has('en', `admin.${task}.${f.n}.invalid`) ? `admin.${task}.${f.n}.invalid` : 'admin.error.choose');
    if (value === '' || value === undefined) return t(l, 'admin.error.required');
    if (code === 'too_big') return t(l, 'admin.error.too_long');
    const own = `admin.${task}.${f.n}.invalid`;
    return t(l, has('en', own) ? own : 'admin.error.invalid');
  }

  async function submit(task) {
    if (!a || a.busy[task]) return;
    const spec = SPECS[task];
    const v = values(task);
    a.errors[task] = {};
    a.status[task] = null;
    const local = spec.check?.(v);
    if (local) {
      for (const [name, key] of Object.entries(local)) a.errors[task][name] = [{ key }];
      renderForm(task);
      focusFirstError(task);
      return;
    }
    a.busy[task] = true;
    renderForm(task);
    const my = a;
    const res = await spec.send(spec.body(v), v);
    if (a !== my) return;
    a.busy[task] = false;
    for (const name of spec.secret ?? []) /** @type {HTMLInputElement} */ (field(task, name)).value = '';
    if (res.status >= 200 && res.status < 300) {
      a.status[task] = { ok: true, ...spec.done(res.data, v) };
      const keep = Object.fromEntries((spec.keep ?? []).map((n) => [n, v[n]]));
      forms[task].reset();
      for (const [n, value] of Object.entries(keep)) setValue(task, n, value);
      applyDefaults(task);
      await spec.after?.(res.data, v);
      if (a !== my) return;
      renderForm(task);
      forms[task].querySelector('input, select, textarea')?.focus();
      return;
    }
    if (res.status === 401) return;
    const details = Array.isArray(res.data?.error?.details) ? res.data.error.details : [];
    let named = false;
    for (const detail of details) {
      const f = fieldFor(task, detail);
      if (!f) continue;
      named = true;
      (a.errors[task][f.n] ??= []).push({ detail, value: v[f.n] });
    }
    a.status[task] = named ? { ok: false, key: 'admin.form.invalid', params: {} } : failure(res);
    renderForm(task);
    if (!focusFirstError(task)) document.getElementById(`admin-${task}-status`)?.focus();
  }

  function focusFirstError(task) {
    const first = SPECS[task].fields.find((f) => a.errors[task][f.n]);
    if (!first) return false;
    const target = forms[task].querySelector(`[data-field="${first.n}"] input, [data-field="${first.n}"] select, [data-field="${first.n}"] textarea`);
    /** @type {HTMLElement | null} */ (target)?.focus();
    return Boolean(target);
  }

  // ------------------------------------------------------------------ rendering

  function fillSelect(select, items, label) {
    const current = select.value;
    const l = lang();
    select.replaceChildren(
      el('option', { text: t(l, items.length ? 'admin.choose' : 'admin.none'), attrs: { value: '' } }),
      ...items.map((item) => el('option', { text: label(item), attrs: { value: item.id } })),
    );
    if (items.some((i) => i.id === current)) select.value = current;
  }

  function sourceItems(src) {
    const l = lang();
    const option = (name, detail) => t(l, 'admin.option', { name, detail });
    if (src === 'people') return { items: a.people.filter((p) => !p.leftAt), label: (p) => option(p.name, p.orgName) };
    if (src === 'orgs') return { items: a.orgs, label: (o) => option(o.name, t(l, `org.kind.${o.kind}`)) };
    if (src === 'consentOrgs') return { items: a.orgs.filter((o) => o.kind === 'subcontractor' || o.kind === 'disposal_vendor'), label: (o) => option(o.name, t(l, `org.kind.${o.kind}`)) };
    if (src === 'depositors') return { items: a.orgs.filter((o) => o.kind === 'depositor'), label: (o) => o.name };
    if (src === 'confirmers') return { items: a.people.filter((p) => !p.leftAt && p.roles.some((r) => ['admin', 'responsible', 'authorized'].includes(r))), label: (p) => option(p.name, p.orgName) };
    if (src === 'rooms') return { items: door.rooms(), label: (r) => r.name };
    return {
      items: a.badges.filter((b) => b.status === 'valid'),
      label: (b) => t(l, 'admin.revoke.option', { name: b.personName, no: badgeNo(b.id) }),
    };
  }

  /** Refills every list that comes from the server (people, organisations, rooms, badges). */
  function fillSources() {
    if (!a) return;
    for (const task of Object.keys(SPECS)) {
      for (const f of SPECS[task].fields) {
        if (!f.src) continue;
        const { items, label } = sourceItems(f.src);
        if (f.type === 'checks') {
          const box = forms[task].querySelector(`[data-checks="${f.n}"]`);
          const checked = new Set([...box.querySelectorAll('input:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value));
          box.replaceChildren(
            ...(items.length
              ? items.map((item) =>
                  el('label', { cls: 'check' }, el('input', { attrs: { type: 'checkbox', name: f.n, value: item.id, checked: checked.has(item.id) } }), el('span', { text: label(item) })),
                )
              : [el('p', { cls: 'field-hint', text: t(lang(), 'admin.none') })]),
          );
        } else fillSelect(/** @type {HTMLSelectElement} */ (field(task, f.n)), items, label);
      }
    }
    for (const task of Object.keys(SPECS)) {
      for (const f of SPECS[task].fields) {
        if (f.type !== 'checks' || f.src) continue;
        const box = forms[task].querySelector(`[data-checks="${f.n}"]`);
        if (box.childElementCount) continue;
        box.append(
          ...f.opts().map((o) => el('label', { cls: 'check' }, el('input', { attrs: { type: 'checkbox', name: f.n, value: o } }), el('span', { attrs: { 'data-i18n': `${f.optKey}${o}` } }))),
        );
      }
    }
    if (a.access && forms.access && a.access.roomId !== /** @type {HTMLSelectElement} */ (field('access', 'roomId')).value) void loadAccess();
    translate();
  }

  /** Labels built here carry data-i18n keys; app.js translates them too on every language switch. */
  function translate() {
    const l = lang();
    for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(l, /** @type {HTMLElement} */ (node).dataset.i18n);
    for (const node of root.querySelectorAll('[data-i18n-aria-label]')) node.setAttribute('aria-label', t(l, /** @type {HTMLElement} */ (node).dataset.i18nAriaLabel));
  }

  function renderStatus(task) {
    const box = document.getElementById(`admin-${task}-status`);
    const st = a?.status[task];
    if (!box) return;
    if (!st) {
      box.replaceChildren();
      box.className = 'admin-status';
      return;
    }
    const l = lang();
    const params = st.reasonKey ? { ...st.params, reason: t(l, st.reasonKey) } : st.params;
    box.className = `admin-status ${st.ok ? 'notice' : 'alert'}`;
    box.setAttribute('tabindex', '-1');
    const children = [el('p', { text: t(l, st.key, params) })];
    if (st.print) {
      const print = el('button', { cls: 'button button-small', text: t(l, 'admin.badge.print'), attrs: { type: 'button', 'data-testid': 'admin-badge-print' } });
      print.addEventListener('click', async () => {
        const error = await door.openPrintable(`/api/badges/${encodeURIComponent(st.print)}/card`);
        if (error && a) {
          a.status.badge = { ok: false, key: error.key, params: error.params };
          renderStatus('badge');
        }
      });
      children.push(print);
    }
    box.replaceChildren(...children);
  }

  function renderForm(task) {
    if (!a || !forms[task]) return;
    const l = lang();
    const errors = a.errors[task] ?? {};
    for (const f of SPECS[task].fields) {
      const wrapper = forms[task].querySelector(`[data-field="${f.n}"]`);
      const box = wrapper?.querySelector('.field-error');
      if (!wrapper || !box) continue;
      const list = errors[f.n] ?? [];
      const texts = [...new Set(list.map((e) => (e.key ? t(l, e.key) : detailText(l, task, f, e.detail, e.value))))];
      box.textContent = texts.join(' ');
      box.hidden = texts.length === 0;
      const control = f.type === 'checks' ? wrapper : wrapper.querySelector('input, select, textarea');
      if (texts.length) control?.setAttribute('aria-invalid', 'true');
      else control?.removeAttribute('aria-invalid');
      wrapper.classList.toggle('field-invalid', texts.length > 0);
    }
    const button = /** @type {HTMLButtonElement} */ (forms[task].querySelector('button[type="submit"]'));
    button.disabled = Boolean(a.busy[task]);
    button.dataset.i18n = a.busy[task] ? 'admin.busy' : `admin.${task}.submit`;
    button.textContent = t(l, button.dataset.i18n);
    renderStatus(task);
  }

  function renderAccess() {
    const box = document.getElementById('admin-access-list');
    if (!a || !box) return;
    const l = lang();
    const { roomId, items } = a.access ?? { roomId: '', items: null };
    if (!roomId) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: t(l, 'admin.access.pick') }));
      return;
    }
    if (!items) {
      box.replaceChildren(el('p', { cls: 'empty-inline', text: t(l, 'door.loading') }));
      return;
    }
    const fmt = new Intl.DateTimeFormat(l, { timeZone: tz(), dateStyle: 'medium' });
    box.replaceChildren(
      el('h4', { text: t(l, 'admin.option', { name: t(l, 'admin.access.list'), detail: roomName(roomId) }) }),
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
                el('span', { cls: 'occupant-since', text: t(l, 'admin.access.grantedAt', { time: fmt.format(new Date(p.grantedAt)) }) }),
                remove,
              );
            }),
          )
        : el('p', { cls: 'empty-inline', text: t(l, 'admin.access.empty') }),
    );
  }

  /** A personnel change in the page language, from the person's record; else the server's text. */
  function noticeText(l, n) {
    const p = a.people.find((x) => x.id === n.personId);
    if (n.kind === 'personnel_change' && p?.leftAt && ['resigned', 'transferred'].includes(p.leftReason)) {
      const date = new Intl.DateTimeFormat(l, { timeZone: tz(), dateStyle: 'medium' }).format(new Date(p.leftAt));
      return t(l, `admin.notifications.${p.leftReason}`, { name: p.name, org: p.orgName, date });
    }
    // The server writes "日本語 / English": show the page language's half.
    const halves = String(n.message).split(' / ');
    return halves.length === 2 ? halves[l === 'ja' ? 0 : 1] : n.message;
  }

  function renderNotifications() {
    const box = document.getElementById('admin-notifications-list');
    if (!a || !box) return;
    const l = lang();
    const fmt = new Intl.DateTimeFormat(l, { timeZone: tz(), dateStyle: 'medium', timeStyle: 'short' });
    const count = document.querySelector('[data-count="notifications"]');
    if (count) {
      count.textContent = String(a.notifications.length);
      /** @type {HTMLElement} */ (count).hidden = a.notifications.length === 0;
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
          const message = noticeText(l, n);
          const ack = el('button', { cls: 'button button-small', text: t(l, 'admin.notifications.ack'), attrs: { type: 'button', 'data-testid': 'admin-notification-ack' } });
          ack.addEventListener('click', () => void acknowledge(n.id));
          return el(
            'li',
            { attrs: { 'data-testid': 'admin-notification', 'data-id': n.id } },
            el('p', { cls: 'notice-meta', text: `${fmt.format(new Date(n.createdAt))}${n.depositorName ? `　${t(l, 'admin.notifications.to', { name: n.depositorName })}` : ''}` }),
            el('p', { text: message }),
            ack,
          );
        }),
      ),
    );
  }

  function render() {
    if (!a) return;
    for (const task of TASKS) {
      const selected = task === a.task;
      const tab = document.getElementById(`admin-tab-${task}`);
      tab?.setAttribute('aria-selected', String(selected));
      if (tab) tab.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(`admin-panel-${task}`);
      if (panel) panel.hidden = !selected;
    }
    for (const task of Object.keys(SPECS)) renderForm(task);
    renderStatus('notifications');
    renderAccess();
    renderNotifications();
    // Lists whose labels are translated (organisation kinds, "Choose…").
    if (a.lang !== lang()) {
      a.lang = lang();
      fillSources();
    }
  }

  function selectTask(task, focusTab = false) {
    if (!a || !TASKS.includes(task)) return;
    a.task = task;
    render();
    if (focusTab) document.getElementById(`admin-tab-${task}`)?.focus();
    if (task === 'access' && !a.access) void loadAccess();
  }

  // ------------------------------------------------------------------ lifecycle

  function start(task) {
    if (!a) {
      a = { task: 'person', lang: lang(), people: [], orgs: [], badges: [], notifications: [], access: null, errors: {}, status: {}, busy: {} };
      build();
      fillSources();
      void Promise.all([loadPeople(), loadOrgs(), loadBadges(), loadNotifications()]).then(() => render());
    }
    selectTask(task ?? a.task);
  }

  function stop() {
    a = null;
    root.replaceChildren();
  }

  return { start, stop, render };
}
