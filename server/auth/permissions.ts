// Roles (../shared/api.md "Roles") and the permission each route declares.
// E2.10: only the responsible person and authorised persons (and auditors, read-only) read
// media records and logs. `auditor` reads everything and changes nothing.
import { ForbiddenError } from '../errors.js';

export const ROLES = ['admin', 'responsible', 'authorized', 'staff', 'guard', 'auditor', 'visitor'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'people:read',
  /** Personal fields (e-mail, phone, birthday, user name): not for the front desk (review finding 14). */
  'people:personal',
  'people:write',
  'orgs:read',
  'orgs:write',
  'badges:read',
  'badges:write',
  /** Open the desk's PIN screen, where a holder sets their PIN with a confirmer present. */
  'badges:pin',
  'rooms:read',
  'rooms:write',
  'scans:write',
  'entries:read',
  /** Register and revoke door stations (administrators). */
  'stations:write',
  'stations:read',
  'media:read',
  'media:write',
  'custody:write',
  'destructions:read',
  'destructions:write',
  'journal:read',
  'journal:checkpoint',
  'accesslog:read',
  /** The outbox of notices and the organisations' contact persons (issue 15). */
  'notices:read',
  /** Add, change and remove contact persons; try a failed notice again. */
  'contacts:write',
  /** The weekly access review (E4.2): its findings and signed reviews. */
  'reviews:read',
  /** Give dispositions and sign the weekly review (the responsible person). */
  'reviews:sign',
  /** The backups taken (issue 17). */
  'backups:read',
  /** Take a backup now, with one's own badge and PIN (E2.13: authorised and responsible persons). */
  'backups:write',
  /** Door status and door alarms (issue 20): the front desk watches them. */
  'alarms:read',
  /** Acknowledge a door alarm with a note (guards, the front desk, responsible and authorised persons). */
  'alarms:write',
  /** The compliance view (issue 18): every clause with its status and evidence; drills and attestations. */
  'compliance:read',
  /** Record drills (E9.1, E9.2); attest a clause (the responsible person, with badge + PIN). */
  'compliance:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READS = PERMISSIONS.filter((p) => p.endsWith(':read'));

const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(PERMISSIONS),
  responsible: new Set<Permission>([
    ...READS,
    'people:personal',
    'people:write',
    'orgs:write',
    'badges:write',
    'badges:pin',
    'rooms:write',
    'scans:write',
    'media:write',
    'custody:write',
    'destructions:write',
    'journal:checkpoint',
    'contacts:write',
    'reviews:sign',
    'backups:write',
    'compliance:write',
    'alarms:write',
  ]),
  authorized: new Set<Permission>([...READS, 'people:personal', 'badges:pin', 'scans:write', 'media:write', 'custody:write', 'destructions:write', 'backups:write', 'compliance:write', 'alarms:write']),
  staff: new Set<Permission>(['people:read', 'orgs:read', 'rooms:read', 'media:read', 'custody:write']),
  guard: new Set<Permission>(['people:read', 'orgs:read', 'rooms:read', 'badges:read', 'badges:pin', 'scans:write', 'entries:read', 'alarms:read', 'alarms:write']),
  auditor: new Set<Permission>([...READS, 'people:personal']),
  visitor: new Set<Permission>(),
};

export function rolesAllow(roles: readonly string[], permission: Permission): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role as Role]?.has(permission) ?? false);
}

export function requirePermission(actor: { roles: readonly string[] }, permission: Permission): void {
  if (!rolesAllow(actor.roles, permission)) {
    throw new ForbiddenError('forbidden', `Your role does not allow this (${permission} is needed).`);
  }
}

/** Everything the roles allow, for clients that adapt their screens (never a substitute for the server's check). */
export function permissionsFor(roles: readonly string[]): Permission[] {
  return PERMISSIONS.filter((p) => rolesAllow(roles, p));
}
