// The clauses of the depositor's guidelines (預託情報保護要領, E<section>.<item>) and of the ISMS
// manual's chapter on third parties (M6.<n>), in the project's own short words — the ids are those
// of ../shared/clauses.md. Each clause names its kind and how the compliance view decides it:
//   SYS  the system enforces it or records the evidence itself;
//   REC  the system keeps the record a person fills in;
//   OUT  physical or IT-operations matters the system cannot see: a manual attestation.
// `check` names the rule of ./rules.ts that decides the row.

export const CLAUSE_KINDS = ['SYS', 'REC', 'OUT'] as const;
export type ClauseKind = (typeof CLAUSE_KINDS)[number];

export const CHECKS = [
  'appointments', // E1.1
  'after_hours', // E1.2
  'backup_daily', // E2.12
  'backup_custody', // E2.13
  'access_log', // E2.15
  'session_idle', // E3.6
  'password_policy', // E3.11
  'inspections', // E4.1
  'weekly_review', // E4.2
  'trainings', // E5.1
  'training_topics', // E5.2
  'consents', // E8.1, E8.2
  'ndas', // M6.3
  'fire', // E9.1
  'migration', // E9.2
  'doors', // E6.4: the doors report and no door alarm is open (an attestation while the site has no doors)
  'attestation', // OUT (and the REC clauses only a person can state)
  'enforced', // SYS: enforced by the code at every request
] as const;
export type Check = (typeof CHECKS)[number];

export interface Clause {
  id: string;
  kind: ClauseKind;
  check: Check;
  ja: string;
  en: string;
  /** For `enforced`: how the system enforces it (ja / en). */
  how?: { ja: string; en: string };
  /** Where the records behind it are listed (API path). */
  href?: string;
}

const enforced = (how: { ja: string; en: string }, href?: string) => ({ check: 'enforced' as const, how, ...(href ? { href } : {}) });
const attest = { check: 'attestation' as const };

export const CLAUSES: readonly Clause[] = [
  // 1 Handing over and keeping the information
  { id: 'E1.1', kind: 'SYS', check: 'appointments', href: '/api/depositor-appointments', ja: '預託元ごとに責任者・担当者を選任し預託元担当者と面談する。退職・異動は直ちに連絡する', en: 'For each depositor, a responsible person and a staff member are appointed and meet its contact; leaves and transfers are reported at once' },
  { id: 'E1.2', kind: 'SYS', check: 'after_hours', href: '/api/custody/alerts?unacknowledged=true', ja: '預託情報の媒体は非使用時・作業時間外は施錠保管する', en: 'Media are locked away when not in use, and always outside working hours' },
  { id: 'E1.3', kind: 'SYS', ...enforced({ ja: '受け渡しは責任者を含む立会人の署名なしに記録できない', en: 'a handover cannot be recorded without witnesses, one of them responsible, signing' }, '/api/handovers'), ja: '受け渡しは双方面識のある責任者・担当者の立会いで行い、運送業者は信頼できる者に限る', en: 'Handovers happen witnessed by people both sides know; carriers must be trustworthy' },
  { id: 'E1.4', kind: 'REC', ...attest, href: '/api/transmission-approvals', ja: '企業秘密・顧客情報を電子メールで送らない', en: 'No confidential or customer information by e-mail' },
  { id: 'E1.5', kind: 'REC', ...attest, href: '/api/transmission-approvals', ja: '電子メール送信は責任者の承認を得て、指定先へ所定の方式で暗号化して行う', en: 'E-mail only with the responsible person\'s approval, to an agreed address, encrypted as agreed' },
  { id: 'E1.6', kind: 'SYS', ...enforced({ ja: '入室は入館証の読み取りで許可・記録され、在室者は常に分かる', en: 'every entry is decided and logged at the door; who is inside is always known' }, '/api/entries'), ja: '加工・処理は所定の場所で責任者の監督下で行い、立ち入った者を記録する', en: 'Processing only in the designated room, supervised; everyone who entered is recorded' },
  { id: 'E1.7', kind: 'REC', ...attest, href: '/api/copy-approvals', ja: '正規のバックアップ以外、許可なく複製しない', en: 'No copies without the depositor\'s permission, except regular backups' },
  { id: 'E1.8', kind: 'SYS', ...enforced({ ja: '郵送の搬出は責任者の同行なしに記録できない', en: 'a transfer by post cannot be recorded without a responsible escort' }, '/api/transfers'), ja: '郵便局への搬送には責任者が立ち会う', en: 'The responsible person accompanies media to the post office' },
  { id: 'E1.9', kind: 'OUT', ...attest, ja: '複写機は就業時間外に電源を切る', en: 'Copiers are switched off after hours' },
  { id: 'E1.10', kind: 'OUT', ...attest, ja: 'ファクシミリにパスワードを設定し休日に使えないようにする', en: 'Fax machines are protected by a password outside working days' },
  { id: 'E1.11', kind: 'OUT', ...attest, ja: '契約に関わる電子メールに公的機関の電子署名を付して保管する', en: 'Contract e-mails carry a public-authority e-signature and are kept with it' },
  // 2 The server and its terminals
  { id: 'E2.1', kind: 'OUT', ...attest, ja: '預託情報は1台のサーバー上の区分されたデータベースにだけ保管する', en: 'The information is kept only in a separated database on one server' },
  { id: 'E2.2', kind: 'OUT', ...attest, ja: 'サーバーは公開用サーバーとネットワークを完全に分離する', en: 'The server\'s network is fully separated from public servers' },
  { id: 'E2.3', kind: 'OUT', ...attest, ja: 'サーバーの管理責任者を置き、セキュリティ情報に基づき対処する', en: 'A server administrator follows security advisories and acts on them' },
  { id: 'E2.4', kind: 'OUT', ...attest, ja: 'Telnet やリモートアクセスを使わない', en: 'No telnet or remote access to the server' },
  { id: 'E2.5', kind: 'OUT', ...attest, ja: '不要なポートを閉じる', en: 'Unneeded ports are closed' },
  { id: 'E2.6', kind: 'OUT', ...attest, ja: '専用PC以外をサーバーに接続しない', en: 'Only the dedicated PCs connect to the server' },
  { id: 'E2.7', kind: 'OUT', ...attest, ja: '専用PCに複製装置を接続しない', en: 'No copying devices on the dedicated PCs' },
  { id: 'E2.8', kind: 'OUT', ...attest, ja: '預託情報を他のサーバーに流通させない', en: 'The information does not travel to other servers' },
  { id: 'E2.9', kind: 'OUT', ...attest, ja: '他のサーバーからデータを利用できないようにする', en: 'Other servers cannot use the data' },
  { id: 'E2.10', kind: 'SYS', ...enforced({ ja: '媒体の記録とログは責任者・権限者（と監査人の閲覧）に限られ、権限外の試みは記録される', en: 'media records and logs are open only to responsible and authorised persons (auditors read); refusals are logged' }, '/api/access-log'), ja: 'アクセス権限は責任者と権限者に限る', en: 'Access only for the responsible and authorised persons' },
  { id: 'E2.11', kind: 'OUT', ...attest, ja: '預託情報サーバーを開発用に使わない', en: 'The server is not used for development' },
  { id: 'E2.12', kind: 'SYS', check: 'backup_daily', href: '/api/backups', ja: 'データベースを毎日1回バックアップする', en: 'The database is backed up once a day' },
  { id: 'E2.13', kind: 'REC', check: 'backup_custody', href: '/api/backups', ja: 'バックアップは権限者だけが行い、媒体は施錠できる保管庫に置く', en: 'Only authorised persons take backups; the medium is kept locked' },
  { id: 'E2.14', kind: 'SYS', ...enforced({ ja: '証明書・報告書の出力は権限者の立会いを記録しなければできない', en: 'certificates and reports print only with an authorised person\'s presence recorded' }), ja: '出力は権限者の立会いで行う', en: 'Printing only with an authorised person present' },
  { id: 'E2.15', kind: 'SYS', check: 'access_log', href: '/api/access-log', ja: 'アクセスの日時・成否・アクセス元を記録し3か月保管する', en: 'Every access is logged (time, outcome, source) and kept three months' },
  { id: 'E2.16', kind: 'SYS', ...enforced({ ja: 'パスワードは scrypt で一方向に変換して保存する', en: 'passwords are stored as scrypt hashes' }), ja: '保存するパスワードは一方向に暗号化する', en: 'Stored passwords are one-way hashed' },
  { id: 'E2.17', kind: 'SYS', ...enforced({ ja: '管理者はパスワードと入館証とPINでサインインする', en: 'administrators sign in with password, badge and PIN' }), ja: 'システム特権の利用はパスワードとICカード等で認証する', en: 'Privileged work needs a password plus an IC card (or fingerprint)' },
  { id: 'E2.18', kind: 'OUT', ...attest, ja: 'メールアカウントは管理担当者だけが使える', en: 'Mail accounts only for their administrators' },
  // 3 Using the server and terminals
  { id: 'E3.1', kind: 'OUT', ...attest, ja: '電源投入時に画面の異常を確認する', en: 'Screens are checked for anomalies at power-on' },
  { id: 'E3.2', kind: 'SYS', ...enforced({ ja: 'サインイン時に前回のサインイン・サインアウト日時を表示する', en: 'the previous sign-in and sign-out are shown at sign-in' }), ja: 'ログイン時に前回ログオフ時刻を確認する', en: 'At sign-in, check the previous sign-off time' },
  { id: 'E3.3', kind: 'OUT', ...attest, ja: '背後に権限外の人がいないことを確認する', en: 'Nobody unauthorised looks over the shoulder' },
  { id: 'E3.4', kind: 'SYS', ...enforced({ ja: 'サインアウトでセッションをサーバー側で終了する', en: 'signing out ends the session on the server' }), ja: '業務終了時にセッションを切断する', en: 'Sessions are ended when work ends' },
  { id: 'E3.5', kind: 'OUT', ...attest, ja: '使わない専用PCはキーロック等で保護する', en: 'Idle dedicated PCs are locked' },
  { id: 'E3.6', kind: 'SYS', check: 'session_idle', ja: '5分間使われない画面は消去しセッションを切る', en: 'After 5 idle minutes the screen clears and the session ends' },
  { id: 'E3.7', kind: 'OUT', ...attest, ja: '最新のウイルス対策ソフトを常駐させる', en: 'Up-to-date antivirus runs resident' },
  { id: 'E3.8', kind: 'OUT', ...attest, ja: '専用PCに預託情報を残さない', en: 'No entrusted information left on the dedicated PCs' },
  { id: 'E3.9', kind: 'OUT', ...attest, ja: '不要なソフトウェアを入れない', en: 'No unneeded software installed' },
  { id: 'E3.10', kind: 'OUT', ...attest, ja: '専用PCは預託業務にだけ使う', en: 'Dedicated PCs only for this work' },
  { id: 'E3.11', kind: 'SYS', check: 'password_policy', ja: 'パスワードの規則（8文字以上、推測されにくい、毎月変更、再利用禁止、試行回数でロック）', en: 'Password rules: 8+ characters, not guessable, changed monthly, never reused, lockout after failures' },
  // 4 Checking the data
  { id: 'E4.1', kind: 'REC', check: 'inspections', href: '/api/inspections', ja: '月1回データを検査し記録する', en: 'The data is inspected and recorded once a month' },
  { id: 'E4.2', kind: 'SYS', check: 'weekly_review', href: '/api/reviews', ja: '週1回アクセス記録を調査し、異常を報告する', en: 'Access records are reviewed weekly; anomalies are reported' },
  // 5 Training
  { id: 'E5.1', kind: 'SYS', check: 'trainings', href: '/api/trainings', ja: '教育研修の日時・講師・内容・方法・参加者を記録する', en: 'Every security training is recorded: date, instructor, content, method, participants' },
  { id: 'E5.2', kind: 'SYS', check: 'training_topics', href: '/api/trainings', ja: '研修は a〜f の事項（本要領・監視・プライバシー・ウイルス・ソフトウェア・懲戒）を含む', en: 'Trainings cover topics a–f (guidelines, monitoring, privacy, viruses, software, discipline)' },
  // 6 Security inside the site
  { id: 'E6.1', kind: 'SYS', ...enforced({ ja: '入室許可リストを入館証の読み取りごとに確認する', en: 'the access list is checked at every scan' }, '/api/entries?decision=denied'), ja: '入室許可者のみが出入りする', en: 'Only permitted persons enter' },
  { id: 'E6.2', kind: 'SYS', ...enforced({ ja: 'すべての入退室（拒否も）を記録する', en: 'every entry and exit, denials too, is logged' }, '/api/entries'), ja: '入退出記録簿を作成する', en: 'An entry/exit record book is kept' },
  { id: 'E6.3', kind: 'SYS', ...enforced({ ja: '氏名・所属・QRコード入りの入館証を発行する', en: 'badges are printed with name, organisation and QR code' }), ja: '立ち入る者にネームプレートを着用させる', en: 'Everyone entering wears a name plate' },
  { id: 'E6.4', kind: 'SYS', check: 'doors', href: '/api/door-alarms?status=all', ja: '預託情報を扱う部屋は常に施錠する（扉の制御装置で監視。扉が未登録の間は手動の表明）', en: 'Those rooms stay locked (watched through the door controllers; a manual attestation while no door is registered)' },
  { id: 'E6.5', kind: 'SYS', ...enforced({ ja: '媒体を持ったままの退室は記録され週次点検に上がる', en: 'leaving while holding media is flagged and reviewed weekly' }), ja: '退社・外出時に机上に預託情報を置かない', en: 'Clean desk when leaving' },
  // 7 Disposal
  { id: 'E7.1', kind: 'SYS', ...enforced({ ja: '廃棄は方法・規格等級・業者を記録し証明書を発行する', en: 'destruction records method, level and vendor, and issues a certificate' }, '/api/destructions'), ja: '指示により読み取り不能に裁断し、信頼できる業者に委託する', en: 'On instruction, shred until unreadable, then a trusted disposal company' },
  { id: 'E7.2', kind: 'SYS', ...enforced({ ja: '消去・消磁・物理破壊を方法として記録する', en: 'wipe, degauss and physical destruction are recorded as methods' }, '/api/destructions'), ja: '廃棄するPCは専用ソフトで消去するか物理破壊する', en: 'Computers are wiped or their disks destroyed before disposal' },
  { id: 'E7.3', kind: 'SYS', ...enforced({ ja: '転用前の消去を廃棄と同じく記録する', en: 'wiping before reuse is recorded as destruction is' }, '/api/destructions'), ja: '転用するPCは専用ソフトで完全に消去する', en: 'Computers are wiped before reuse' },
  { id: 'E7.4', kind: 'SYS', ...enforced({ ja: '責任者か権限者の立会人の署名がない廃棄は記録できない', en: 'a destruction cannot be recorded without a responsible or authorised witness signing' }, '/api/destructions'), ja: '廃棄は責任者か権限者の立会いで行う', en: 'Disposal in the presence of a responsible or authorised person' },
  // 8 Subcontracting
  { id: 'E8.1', kind: 'REC', check: 'consents', href: '/api/orgs?kind=subcontractor', ja: '預託元の承諾なく再委託しない', en: 'No subcontracting without the depositor\'s consent' },
  { id: 'E8.2', kind: 'REC', check: 'consents', href: '/api/orgs?kind=subcontractor', ja: '再委託は機密保持契約に従い預託元の承諾を得る', en: 'Subcontracting needs the depositor\'s written consent' },
  { id: 'E8.3', kind: 'REC', ...attest, ja: '再委託先に同等以上のセキュリティ対策を講じさせる', en: 'Subcontractors keep equal security' },
  // 9 Incidents
  { id: 'E9.1', kind: 'REC', check: 'fire', href: '/api/drills?kind=fire', ja: '防火管理者を選任し火災訓練を行う', en: 'A fire-prevention manager is appointed; fire drills are held' },
  { id: 'E9.2', kind: 'REC', check: 'migration', href: '/api/drills?kind=migration', ja: '予備サイトを設け移行訓練を行う', en: 'A standby site exists; migration drills are held' },
  // M6 Third parties
  { id: 'M6.1', kind: 'REC', ...attest, href: '/api/orgs', ja: '第三者のアクセスによるリスクを特定する', en: 'Risks from third-party access are identified' },
  { id: 'M6.2', kind: 'SYS', ...enforced({ ja: '部屋は機密室と受付に分かれ、来訪者は付き添いなしに機密室に入れない', en: 'rooms are secure or reception; visitors enter secure rooms only escorted' }, '/api/rooms'), ja: '不特定の第三者が入る場所は物理的に対策し、ネットワークを分離する', en: 'Reception areas get physical measures and an isolated network' },
  { id: 'M6.3', kind: 'SYS', check: 'ndas', href: '/api/ndas', ja: '第三者は設備・情報に触れる前に秘密保持契約（念書）を結ぶ', en: 'Third parties sign a non-disclosure agreement before touching facilities or information' },
];

export const CLAUSE_BY_ID: ReadonlyMap<string, Clause> = new Map(CLAUSES.map((c) => [c.id, c]));

/**
 * Clauses a responsible person may attest (those decided by an attestation, and E6.4, which falls
 * back on its attestation while the site has no door controller).
 */
export const ATTESTABLE_IDS: readonly string[] = CLAUSES.filter((c) => c.check === 'attestation' || c.check === 'doors').map((c) => c.id);
