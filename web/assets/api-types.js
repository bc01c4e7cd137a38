// @ts-check
// The shapes of the API's answers that the screens read, for the type check only: the screens
// name them in JSDoc comments (import('./api-types.js').Room); no module imports this file at run
// time. Most are derived from the server's zod schemas (server/api-types.ts). The others are typed
// here by hand, because their schemas are declared inside a route file: each names its schema,
// to keep them in step.
export {};

/** @typedef {import('../../server/api-types.js').Badge} Badge */
/** @typedef {import('../../server/api-types.js').Person} Person */
/** @typedef {import('../../server/api-types.js').Organisation} Organisation */
/** @typedef {import('../../server/api-types.js').Location} Location */
/** @typedef {import('../../server/api-types.js').Medium} Medium */
/** @typedef {import('../../server/api-types.js').CustodyStep} CustodyStep */
/** @typedef {import('../../server/api-types.js').Signature} Signature */
/** @typedef {import('../../server/api-types.js').SignedRecordSummary} SignedRecordSummary */
/** @typedef {import('../../server/api-types.js').ErrorBody} ErrorBody */
/** @typedef {import('../../server/api-types.js').ErrorDetail} ErrorDetail */
/** @typedef {import('../../server/api-types.js').ComplianceView} ComplianceView */
/** @typedef {import('../../server/api-types.js').ComplianceRow} ComplianceRow */
/** @typedef {import('../../server/api-types.js').ComplianceAttestation} ComplianceAttestation */
/** @typedef {import('../../server/api-types.js').Drill} Drill */
/** @typedef {import('../../server/api-types.js').DepositorAppointment} DepositorAppointment */
/** @typedef {import('../../server/api-types.js').MonthlyReport} MonthlyReport */
/** @typedef {import('../../server/api-types.js').MonthlyReportContent} MonthlyReportContent */

// ---- typed by hand

/**
 * A badge issued, or a PIN set, reset or changed, since the last sign-in (server/auth/routes.ts,
 * credentialNoticeSchema).
 * @typedef {object} CredentialNotice
 * @property {'issued' | 'pin_set' | 'pin_reset' | 'pin_changed'} kind
 * @property {string} at
 * @property {string} badgeId
 * @property {string | null} byName
 * @property {string | null} confirmerName
 * @property {number | null} otherLiveBadges
 */

/**
 * The answer to POST /api/auth/login (server/auth/routes.ts: tokenSchema, userSchema and the
 * fields beside them).
 * @typedef {object} SigninAnswer
 * @property {string} token
 * @property {string} expiresAt
 * @property {{ personId: string, name: string, roles: string[] }} user
 * @property {string | null} previousLoginAt
 * @property {string | null} previousLogoutAt
 * @property {string} passwordExpiresAt
 * @property {boolean} passwordExpired
 * @property {CredentialNotice[]} credentialNotices
 */

/**
 * GET /api/config (server/system/routes.ts).
 * @typedef {object} ConfigAnswer
 * @property {string} displayTimeZone
 * @property {number} idleTimeoutSeconds
 * @property {string} version
 * @property {'postgres' | 'pglite'} database
 * @property {{ id: string, nameJa: string, nameEn: string }} site
 */

/**
 * A room (server/rooms/routes.ts, roomSchema).
 * @typedef {object} Room
 * @property {string} id
 * @property {string} name
 * @property {'secure' | 'reception'} kind
 * @property {{ days: number[], from: string, to: string } | null} hours
 * @property {boolean} requiresTraining
 * @property {RoomRules} [rules]
 * @property {number} [inside]
 * @property {string} createdAt
 */

/**
 * A room's rules beyond the access list (issue 20; PUT /api/rooms/:id/rules). null: off.
 * @typedef {object} RoomRules
 * @property {{ enabled: boolean, windowSeconds: number }} twoPerson
 * @property {number | null} occupancyLimit
 * @property {number | null} antiPassbackHours
 */

/**
 * Someone inside a room (server/rooms/routes.ts, occupancySchema).
 * @typedef {object} Occupant
 * @property {string} personId
 * @property {string} name
 * @property {string} orgName
 * @property {string[]} roles
 * @property {string} since
 * @property {string} entryId
 * @property {{ id: string, label: string }[]} heldMedia
 */

/**
 * Who is inside a room now (server/rooms/routes.ts, occupancySchema).
 * @typedef {object} Occupancy
 * @property {string} roomId
 * @property {string} roomName
 * @property {number} count
 * @property {number | null} limit The room's occupancy limit (issue 20), null: none
 * @property {boolean} twoPerson The two-person rule (二人制) is on
 * @property {Occupant[]} occupants
 */

/**
 * Someone on a room's access list (server/rooms/routes.ts, GET /api/rooms/:id/access).
 * @typedef {object} AccessGrant
 * @property {string} personId
 * @property {string} name
 * @property {string[]} roles
 * @property {string} orgName
 * @property {string} grantedAt
 */

/**
 * An entry of the door log (server/door/routes.ts, entrySchema).
 * @typedef {object} Entry
 * @property {string} id
 * @property {string} at
 * @property {string} roomId
 * @property {string} roomName
 * @property {{ id: string, name: string, orgName: string | null } | null} person
 * @property {string | null} badgeId
 * @property {'in' | 'out'} direction
 * @property {'granted' | 'denied'} decision
 * @property {string | null} reason
 * @property {string | null} presentedHint
 * @property {string[]} flags
 */

/**
 * The answer to a scan (server/door/routes.ts, scanResultSchema).
 * @typedef {object} ScanResult
 * @property {string} entryId
 * @property {'granted' | 'denied'} decision
 * @property {string} [reason]
 * @property {'in' | 'out'} direction
 * @property {{ id: string, name: string }} [person]
 * @property {string} at
 * @property {string} roomId
 * @property {string[]} flags
 */

/**
 * A door station (server/door/routes.ts, stationSchema): never its credential.
 * @typedef {object} DoorStation
 * @property {string} id
 * @property {string} roomId
 * @property {string} name
 * @property {string} createdAt
 * @property {string | null} lastSeenAt
 * @property {string | null} revokedAt
 * @property {string | null} revokedReason
 * @property {'active' | 'revoked'} status
 */

/**
 * A door station just registered (server/door/routes.ts, POST /api/door-stations): its
 * credential, shown once, the enrolment address and its QR code (SVG text).
 * @typedef {DoorStation & { credential: string, enrolUrl: string, enrolQrSvg: string }} DoorStationRegistered
 */

/**
 * A door with its controller (server/doors/routes.ts, doorSchema): never its secrets.
 * @typedef {object} Door
 * @property {string} id
 * @property {string} roomId
 * @property {string} name
 * @property {string} mqttUsername
 * @property {string} createdAt
 * @property {string | null} revokedAt
 * @property {string | null} revokedReason
 * @property {'active' | 'revoked'} status
 * @property {{ scan: string, command: string, state: string, heartbeat: string }} topics
 */

/**
 * A door just registered (POST /api/doors): its controller's broker password and command key, shown once.
 * @typedef {Door & { mqttPassword: string, commandKey: string }} DoorRegistered
 */

/**
 * A live door as GET /api/doors/status shows it (the part this screen reads).
 * @typedef {{ id: string, heldOpenSeconds: number, online: boolean, heartbeatAt: string | null }} DoorStatus
 */

/**
 * GET /api/door-stations/me (server/door/routes.ts): the station a credential belongs to.
 * @typedef {{ id: string, name: string, roomId: string, roomName: string }} StationMe
 */

/**
 * A notice to the depositor (server/people/routes.ts, GET /api/notifications).
 * @typedef {object} Notification
 * @property {string} id
 * @property {string} kind
 * @property {string | null} depositorOrgId
 * @property {string | null} depositorName
 * @property {string | null} personId
 * @property {string} message
 * @property {Record<string, unknown>} details
 * @property {string} createdAt
 * @property {string | null} acknowledgedAt
 * @property {string | null} acknowledgedBy
 */

/**
 * A medium still checked out after its room's hours (server/custody/routes.ts, alertSchema).
 * @typedef {object} CustodyAlert
 * @property {string} id
 * @property {string} day
 * @property {string} raisedAt
 * @property {string} mediumId
 * @property {string} label
 * @property {string} roomId
 * @property {string} roomName
 * @property {{ id: string, name: string } | null} holder
 * @property {string | null} [resolvedAt] when the medium was checked in
 * @property {{ at: string, personId: string | null, note: string } | null} [acknowledgement] E1.2: who acknowledged it, when, with which note
 */

/**
 * The sheet of a monthly inspection (server/inspections/routes.ts, GET /api/inspections/sheet).
 * @typedef {{ location: Location, month: string, expected: Medium[] }} InspectionSheet
 */

/**
 * A recorded inspection (server/inspections/routes.ts, inspectionSchema with its record).
 * @typedef {object} Inspection
 * @property {string} id
 * @property {string} recordId
 * @property {string} locationId
 * @property {string} locationName
 * @property {string} roomName
 * @property {string} month
 * @property {string} inspectorPersonId
 * @property {string} inspectorName
 * @property {string[]} expected
 * @property {string[]} found
 * @property {string[]} missing
 * @property {string[]} unexpected
 * @property {string | null} note
 * @property {string} at
 * @property {SignedRecordSummary} record
 */

/**
 * A handover (server/handovers/routes.ts, handoverSchema).
 * @typedef {object} Handover
 * @property {string} id
 * @property {'from_depositor' | 'to_depositor' | 'internal'} direction
 * @property {string} fromPersonId
 * @property {string} fromName
 * @property {string} toPersonId
 * @property {string} toName
 * @property {string | null} roomId
 * @property {string | null} place
 * @property {boolean} presenceVerified
 * @property {string | null} note
 * @property {string} at
 * @property {string[]} mediaIds
 * @property {SignedRecordSummary} record
 */

/**
 * A depositor's permission to copy a medium (server/approvals/routes.ts, copyApprovalSchema).
 * @typedef {object} CopyApproval
 * @property {string} id
 * @property {string} sourceMediumId
 * @property {number} copies
 * @property {number} used
 * @property {string} approvedByPersonId
 * @property {string} approvedByName
 * @property {string} documentRef
 * @property {string} purpose
 * @property {string} approvedAt
 * @property {string} createdAt
 */

/**
 * An approved electronic transmission (server/approvals/routes.ts, transmissionSchema).
 * @typedef {object} TransmissionApproval
 * @property {string} id
 * @property {string | null} mediumId
 * @property {string} destination
 * @property {string} encryptionMethod
 * @property {string} approverPersonId
 * @property {string} approverName
 * @property {string} purpose
 * @property {string} approvedAt
 * @property {string} createdAt
 */

/**
 * A recorded destruction (server/destructions/routes.ts, destructionSchema).
 * @typedef {object} Destruction
 * @property {string} id
 * @property {string} certificateNo
 * @property {'shred' | 'wipe' | 'degauss' | 'physical' | 'incinerate'} method
 * @property {'clear' | 'purge' | 'destroy'} category
 * @property {string | null} standard
 * @property {string | null} securityLevel
 * @property {string | null} technique
 * @property {string | null} tool
 * @property {string | null} toolVersion
 * @property {boolean | null} verified
 * @property {string | null} verificationMethod
 * @property {string | null} destinationAfter
 * @property {string | null} vendorOrgId
 * @property {string | null} vendorName
 * @property {string} performedById
 * @property {string} performerName
 * @property {string | null} roomId
 * @property {string | null} place
 * @property {boolean} presenceVerified
 * @property {string} performedAt
 * @property {string[]} depositorNames
 * @property {string[]} mediaIds
 * @property {{ id: string, label: string, kind: string, securityLevel: string | null }[]} media each medium's own DIN 66399 level (null: none stated)
 * @property {string | null} note
 * @property {string} certificateUrl
 * @property {SignedRecordSummary} [record]
 */

/**
 * A certificate's print, recorded (server/destructions/routes.ts, POST /api/destructions/:id/prints).
 * @typedef {{ printNo: number, reprint: boolean, certificateUrl: string }} CertificatePrint
 */

// ---- the weekly review (server/reviews/schemas.ts)

/**
 * A finding of the weekly review (findingSchema): its kind, severity, when it first happened,
 * whom and what it is about, its facts in words, its evidence (the first 50 of each kind) and —
 * in a signed review — its disposition.
 * @typedef {object} ReviewFinding
 * @property {string} key
 * @property {string} kind
 * @property {'alert' | 'warning' | 'info'} severity
 * @property {string} at
 * @property {string[]} personIds
 * @property {string[]} roomIds
 * @property {string[]} badgeIds
 * @property {string[]} mediumIds
 * @property {Record<string, string | number | null>} facts
 * @property {{ entries: string[], accessLog: string[], journal: number[] }} evidence
 * @property {number} evidenceCount
 * @property {'explained' | 'reported' | 'incident'} [disposition]
 * @property {string} [comment]
 * @property {string} [dispositionBy]
 */

/** @typedef {{ entries: number, deniedEntries: number, requests: number, signins: number, journalEntries: number }} ReviewCounts */

/**
 * A draft disposition (dispositionSchema).
 * @typedef {{ key: string, disposition: 'explained' | 'reported' | 'incident', comment: string, personId: string, updatedAt: string }} ReviewDisposition
 */

/**
 * GET /api/reviews/findings (computedSchema): a period's findings, their digest, the drafts and
 * whether the week is signed.
 * @typedef {object} ReviewComputation
 * @property {{ from: string, to: string, week: string | null }} period
 * @property {number} rulesVersion
 * @property {ReviewCounts} counts
 * @property {ReviewFinding[]} findings
 * @property {Record<string, Record<string, { count: number, sum: string }>>} digest
 * @property {string} digestHash
 * @property {ReviewDisposition[]} dispositions
 * @property {{ week: string, signedAt: string, signedBy: string, recordId: string } | null} signed
 */

/**
 * A signed review (signedReviewSchema); the list (GET /api/reviews) leaves out the findings.
 * @typedef {object} SignedReview
 * @property {string} week
 * @property {{ from: string, to: string }} period
 * @property {number} rulesVersion
 * @property {ReviewCounts} counts
 * @property {ReviewFinding[]} findings
 * @property {string} digestHash
 * @property {string} recordId
 * @property {string} signedBy
 * @property {string} signedAt
 */

/**
 * GET /api/reviews/:week/check (server/reviews/routes.ts): whether the records of a signed week
 * changed since, by table and day; the days the access-log retention removed are explained.
 * @typedef {object} ReviewCheck
 * @property {string} week
 * @property {boolean} unchanged
 * @property {number} rulesVersion
 * @property {{ table: string, day: string, signed: { count: number, sum: string } | null, now: { count: number, sum: string } | null, explainedBy: 'retention' | null }[]} differences
 * @property {{ added: string[], removed: string[] }} findings
 */

/**
 * An access-log row (server/access-log/routes.ts, entrySchema).
 * @typedef {{ id: string, at: string, accountId: string | null, username: string | null, method: string, path: string, status: number,
 *   outcome: 'success' | 'failure', sourceIp: string | null, durationMs: number }} AccessLogRow
 */

/**
 * A journal entry (server/journal/routes.ts, entrySchema).
 * @typedef {{ chain: string, seq: number, at: string, actor: string, action: string, subject: string, payload: unknown }} JournalRow
 */
