// The modules of the server and the tables each one owns — the boundary note of every module, in
// one place, checked by test/unit/architecture.test.ts:
//   - a module writes only its own tables;
//   - it reads another module's tables only in a named read model (a file `*.read-model.ts` of
//     the module, which writes nothing), or through that module's functions;
//   - route files never import route files; no file imports itself round a cycle, and the
//     modules below the routes form no cycle either.
// Modules without tables (http, shared, integrity, demo, setup, system, leave, monitoring) compose others.

export interface ModuleNote {
  /** Tables this module creates and writes. */
  owns: readonly string[];
  /** What the module is for, and what it leaves to others. */
  note: string;
}

export const MODULES: Record<string, ModuleNote> = {
  journal: { owns: ['journal_entries', 'journal_checkpoints', 'journal_intake', 'journal_tree_tiles', 'journal_tree', 'journal_tlog_checkpoints', 'journal_tlog_cosignatures', 'journal_witnesses', 'journal_tlog_epochs'], note: 'The append-only, hash-chained journal every module writes with appendJournal(); checkpoints; verification; the journal as a Merkle tree (issue 19): its tiles, C2SP checkpoints, inclusion and consistency proofs, proof files; the log\'s epochs (new origins after a rollback).' },
  auth: { owns: ['accounts', 'password_history', 'login_throttle', 'sessions', 'print_links'], note: 'Accounts, passwords (E3.11), sign-in with the lockout, sessions, roles and permissions.' },
  people: {
    owns: ['organisations', 'people', 'appointments', 'notifications', 'ndas', 'trainings', 'training_participants', 'org_consents', 'depositor_appointments', 'appointment_interviews', 'fire_prevention_managers'],
    note: 'People and organisations, appointment history, NDAs, trainings (with their E5.2 topics), subcontractor consents, notices to the depositor; the responsible person and staff member per depositor with their interviews (E1.1), the fire-prevention manager (E9.1).',
  },
  badges: { owns: ['badges', 'badge_events'], note: 'Badge tokens and card UIDs, PINs set by their holders, the PIN lockout, badge events shown to holders.' },
  rooms: { owns: ['rooms', 'room_access'], note: 'Rooms, opening hours and access lists.' },
  door: { owns: ['entries', 'presence', 'door_stations', 'door_pairs'], note: 'Scans and their decisions, door stations, who is inside (presence), the entry log and the live log (entries and door alarms); the room rules held at the write (two-person pairs, occupancy limit, timed anti-passback).' },
  doors: { owns: ['doors', 'door_status', 'door_alarms', 'door_releases'], note: 'Doors that lock (issue 20): doors of rooms with their controllers over MQTT (credentials, sealed command keys), the protocol, the broker worker that decides each reader scan once through the door module and answers with a MAC-ed command, and the simulated controller; each door\'s last state and heartbeat, and the door alarms (forced, held open, offline, repeated denials, lone person) raised once and acknowledged by a guard; fire release and remote unlock (commands.ts, emergency.ts).' },
  media: { owns: ['locations', 'media', 'custody_steps'], note: 'Storage locations, media with one status at a time, the chain of custody.' },
  signatures: { owns: ['signed_records', 'signatures'], note: 'Witness signatures over canonical records; their integrity against the journal.' },
  custody: { owns: ['custody_alerts'], note: 'Checkout and check-in by the holder, after-hours alerts and their acknowledgement (E1.2).' },
  handovers: { owns: ['handovers', 'handover_media'], note: 'Witnessed handovers (E1.3).' },
  transfers: { owns: ['transfers', 'transfer_media'], note: 'Media leaving the site (E1.3, E1.8).' },
  approvals: { owns: ['copy_approvals', 'transmission_approvals'], note: 'Copy and transmission approvals (E1.4, E1.5, E1.7).' },
  inspections: { owns: ['inspections'], note: 'Monthly inspections (E4.1).' },
  destructions: { owns: ['destructions', 'destruction_media', 'certificate_counters', 'certificate_prints'], note: 'Witnessed destruction, certificates, prints (E2.14), the public check.' },
  reviews: { owns: ['reviews', 'review_dispositions'], note: 'The weekly access review (E4.2): findings computed from the records, dispositions, the signed review and its re-check.' },
  notices: { owns: ['contacts', 'notices'], note: 'Contact persons of organisations and the outbox of notices by e-mail, delivered by workers with leases (issue 15).' },
  'access-log': { owns: ['access_log'], note: 'Every API request (E2.15) and its retention.' },
  throttle: { owns: ['rate_limits'], note: 'Per-address rate limits counted in the database.' },
  system: { owns: ['site_settings', 'signing_keys'], note: 'Health, public settings, the site\'s fixed name, the fingerprint of the shared secrets and their escrow, the signing key\'s history and its rotation.' },
  leave: { owns: [], note: 'A person leaving (E1.1): drives people, badges, rooms and auth, above them all.' },
  integrity: { owns: [], note: 'verify --deep: the journal, then the tables that must agree with it.' },
  compliance: { owns: ['drills', 'drill_participants', 'compliance_attestations'], note: 'The compliance view (issue 18): every clause with its status by plain rules over facts read from the other modules (facts.read-model.ts); drills (E9.1, E9.2) and manual attestations signed with badge + PIN.' },
  reports: { owns: ['monthly_reports', 'monthly_report_counters', 'monthly_report_prints'], note: 'The depositor\'s monthly report (issue 18, part 3): the month rebuilt from the records of one depositor (facts.read-model.ts), signed by the responsible person, printed with an authorised person present (E2.14), its public check.' },
  backup: { owns: ['backups', 'restore_drills'], note: 'Logical backup and restore of every table (reads them all by the catalog), sealed; the daily backup and restore drills.' },
  demo: { owns: [], note: 'seed-demo, through the other modules\' functions.' },
  setup: { owns: [], note: 'create-admin, through the other modules\' functions.' },
  http: { owns: [], note: 'The route kernel, the fast lane, the error handler, the OpenAPI document.' },
  monitoring: { owns: [], note: 'Readiness and the Prometheus metrics (issue 17): counters hooked where things happen, site-wide values read at scrape.' },
  shared: { owns: [], note: 'Helpers without tables: schemas, time, CSV, HTML, hashing, coalescing.' },
};

/** Who owns each table. */
export const TABLE_OWNER: ReadonlyMap<string, string> = new Map(Object.entries(MODULES).flatMap(([module, m]) => m.owns.map((table) => [table, module] as const)));
