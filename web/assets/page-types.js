// @ts-check
// Shapes of the page's own code, for the type check only: the modules name them in JSDoc
// (import('./page-types.js').Host); none imports this file at run time, so that describing them
// costs the front-desk page nothing (it must stay under 150 KB). Here: what app.js gives the
// screens, and the door's parts (door.js, live-log.js, occupancy-board.js, manual-exit.js), which
// are on that page. The API's shapes are in api-types.js.
export {};

/** @typedef {import('./api-types.js').Room} Room */
/** @typedef {import('./api-types.js').Occupant} Occupant */

// ------------------------------------------------------------------ the page (app.js)

/**
 * The signed-in user, from the sign-in answer.
 * @typedef {object} Session
 * @property {string} token
 * @property {number} expiresAtMs
 * @property {{ personId: string, name: string, roles: string[] }} user
 * @property {string} username
 * @property {string | null} previousLoginAt
 * @property {string | null} previousLogoutAt
 * @property {import('./api-types.js').CredentialNotice[]} credentialNotices
 * @property {string | null} passwordExpiresAt
 * @property {boolean} passwordExpired
 * @property {boolean} [previousFolded] the previous-session notice was acknowledged (this sign-in only)
 * @property {Promise<string[]> | null} [permissions] what the user may do (GET /api/auth/me), once asked
 */

/**
 * An API answer: the status (0: the server could not be reached), the error code if any, the
 * parsed JSON body — `any`, as its shape depends on the path: callers name it (api-types.js) —
 * and the headers.
 * @typedef {{ status: number, code: string | null, data: any, headers: Headers }} ApiResult
 */

/** @typedef {{ displayTimeZone: string, idleTimeoutSeconds: number, version: string, siteName: { ja: string, en: string } }} Config */

/**
 * What a screen may use of the page: API calls (a 401 ends the sign-in; `background` polling is
 * not the user's work), the session, the language and settings; whether its panel is on screen;
 * that the server refused the session (a 401 on a request made outside api()); the media screens
 * also report the after-hours alerts they loaded.
 * @typedef {object} Host
 * @property {(method: string, path: string, options?: { body?: unknown, auth?: boolean, background?: boolean }) => Promise<ApiResult>} api
 * @property {() => Session | null} session
 * @property {() => string} lang
 * @property {() => Config} config
 * @property {() => boolean} visible
 * @property {(code?: string) => void} sessionRefused
 * @property {(items: unknown[]) => void} [alerts]
 * @property {() => Promise<string[]>} [permissions] what the signed-in user may do (GET /api/auth/me, asked once per sign-in)
 * @property {() => string | null} [takeWeek] the weekly review: a week to show, asked for elsewhere (the overdue notice), once
 * @property {(week: string) => Promise<ApiResult> | null} [takeFindings] the weekly review: the findings of `week` if they were asked for when the tab opened, once
 * @property {() => void} [reviewed] the weekly review: a week was signed (the overdue notice is asked again)
 */

// ------------------------------------------------------------------ the weekly review

/**
 * What review.js gives its parts (review-counts.js, review-findings.js, review-disposition.js,
 * review-evidence.js, review-sign.js, review-signed.js): the page, words and times, who is signed
 * in and what they may do, rooms and people by id, and a render of the whole screen.
 * @typedef {object} ReviewContext
 * @property {Host} host
 * @property {(key: string, params?: Record<string, unknown>) => string} tx
 * @property {(iso: string) => string} time "2026/12/06 01:39:14" on the site's clock
 * @property {(day: string) => string} date a calendar date with its weekday
 * @property {() => { id: string, name: string }} me the signed-in person
 * @property {(permission: string) => boolean} may
 * @property {(role: string) => boolean} is
 * @property {(id: string) => string} roomName '' when unknown
 * @property {(id: string) => string} personName '' until learnt
 * @property {(ids: string[]) => Promise<void>} learnPeople looks up the names of these people (GET /api/people/:id)
 * @property {() => ReviewWeek | null} view the week on screen
 * @property {() => void} render
 */

/**
 * A week of the review on screen: loading, failed, or its counts and findings — computed now
 * (drafts of dispositions, the digest to sign) or as signed (signed: the stored review).
 * @typedef {object} ReviewWeek
 * @property {string} week
 * @property {'loading' | 'ready' | 'error'} state
 * @property {string | null} error
 * @property {{ from: string, to: string } | null} period
 * @property {import('./api-types.js').ReviewCounts | null} counts
 * @property {import('./api-types.js').ReviewFinding[]} findings
 * @property {Map<string, import('./api-types.js').ReviewDisposition>} drafts
 * @property {import('./api-types.js').ReviewComputation['digest'] | null} digest
 * @property {string} digestHash
 * @property {import('./api-types.js').SignedReview | null} signed
 * @property {boolean} over the week has ended (it may be signed)
 */

// ------------------------------------------------------------------ the door

/**
 * The door's session state: the view, the rooms (the one chosen to scan at), the direction
 * chosen, the scan on screen (a scan's number, to drop answers overtaken) and the notice.
 * @typedef {{ session: Session, roles: string[], view: string, rooms: Room[], roomsLoaded: boolean, roomId: string | null, direction: string,
 *   result: ScanView | null, resultTimer: number, scanSeq: number, notice?: Notice | null, noticeTimer?: number }} DoorState
 */

/**
 * A message above the front-desk view: an error, or (ok) a confirmation that goes away by itself.
 * @typedef {{ key: string, ok?: boolean, params?: Record<string, unknown> }} Notice
 */

/**
 * What the scan card shows: the state, and the scan's answer or what went wrong.
 * @typedef {{ state: 'pending' | 'waiting' | 'granted' | 'denied' | 'error', direction?: string, name?: string, reason?: string | null,
 *   flags?: string[], roomName?: string, at?: string, messageKey?: string, code?: string }} ScanView
 */

/**
 * An entry as the list, the stream, a scan or a manual exit answers it (the room added to the last two).
 * @typedef {{ id?: string, entryId?: string, at: string, roomId: string, roomName?: string, direction: string, decision: string,
 *   person?: { id: string, name: string, orgName?: string | null } | null, reason?: string | null, flags?: string[] }} RawEntry
 */

/**
 * An entry as the log shows it.
 * @typedef {{ id: string, at: string, ms: number, roomId: string, roomName: string, personId: string | null, personName: string | null,
 *   orgName: string | null, direction: 'in' | 'out', decision: 'granted' | 'denied', reason: string | null, flags: string[] }} LogEntry
 */

/**
 * The log's session state: its entries, the room it shows ('' for all), the entry just added, the
 * organisations of people seen, and the stream (live, connecting or offline; its backoff).
 * @typedef {{ entries: LogEntry[], room: string, fresh: string | null, orgOf: Map<string, string>, live: string,
 *   stream: AbortController | null, backoff: number, retryTimer: number, disconnected: boolean }} LiveLogState
 */

/**
 * The open manual-exit form: whose exit, the reason typed, the message at the field, whether it is being sent.
 * @typedef {{ roomId: string, personId: string, note: string, error?: string | null, busy?: boolean }} ExitForm
 */

/**
 * What the door's parts use of it: who may do what (scan, log, rooms, admin), its rooms, times in
 * words, a reason in words, reloading the rooms, showing a notice and the focus back on the scan input.
 * @typedef {{ host: Host, can: (what: string) => boolean, rooms: () => Room[], formatTime: (iso: string) => string,
 *   reloadRooms: () => Promise<void>, showNotice: (notice: Notice | null) => void, refocus: () => void }} DoorParts
 */

/**
 * The log's: also a room by its id, a denial's reason in words, and changed(roomId) (someone went
 * in or out: the occupancy board reads the room again).
 * A door station's kiosk shows one room only (fixedRoomId). alarm(): a door alarm was raised or
 * acknowledged (the stream's `alarm` event), for the desk's alarm list to read them again.
 * @typedef {DoorParts & { roomById: (id: string) => Room | null, reasonText: (reason: string) => string, changed: (roomId: string) => void,
 *   fixedRoomId?: string, alarm?: () => void }} LiveLogParts
 */

/**
 * The board's: also learnOrgs(occupants) (the log names their organisations), the manual exit and
 * print(path) (a printable page in its own tab: openPrintable).
 * @typedef {DoorParts & { learnOrgs: (occupants: Occupant[]) => void, exit: ReturnType<typeof import('./manual-exit.js').createManualExit>,
 *   print: (path: string) => ReturnType<typeof import('./printable.js').openPrintable> }} OccupancyBoardParts
 */

/**
 * The manual exit's: also render() (the board), loadOccupancy(roomId) and addEntry(raw) (to the log).
 * @typedef {DoorParts & { render: () => void, loadOccupancy: (roomId: string) => Promise<void>, addEntry: (raw: RawEntry) => void }} ManualExitParts
 */
