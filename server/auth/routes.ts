import { z } from 'zod';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { errorSchema } from '../shared/schemas.js';
import { toRfc3339, toRfc3339OrNull } from '../shared/time.js';
import { AppError, UnauthorizedError } from '../errors.js';
import { passwordInputSchema, setPassword } from './accounts.js';
import { endSession, issueToken } from './authenticate.js';
import { checkCurrentPassword, login } from './login.js';
import { clientIp } from '../shared/client-ip.js';
import { permissionsFor } from './permissions.js';
import { createPrintLink, PRINT_LINK_SECONDS } from './print-links.js';
import { countRequest, enforceRate, peekRate } from '../throttle/rate-limit.js';

/** Failed sign-ins per source address over 15 minutes: the priority of its next hash. */
const SIGNIN_FAILURES = { bucket: 'signin_failures', limit: Number.MAX_SAFE_INTEGER, windowSeconds: 900 };

const credentialNoticeSchema = z
  .object({
    kind: z.enum(['issued', 'pin_set', 'pin_reset', 'pin_changed']),
    at: z.string(),
    badgeId: z.string(),
    byName: z.string().nullable(),
    confirmerName: z.string().nullable(),
    otherLiveBadges: z.number().nullable(),
  })
  .meta({ id: 'CredentialNotice' });
const userSchema = z.object({ personId: z.string(), name: z.string(), roles: z.array(z.string()) });
const tokenSchema = z.object({ token: z.string(), expiresAt: z.string() });
const error = (description: string) => ({ description, schema: errorSchema });

export const authRoutes: AnyRoute[] = [
  defineRoute({
    method: 'post',
    path: '/api/print-links',
    summary: 'A short-lived link to open one printable page without the bearer token (a new window, chromium --print-to-pdf)',
    description:
      `The link carries a random token (\`pl\`) bound to you and to that one document, valid ${PRINT_LINK_SECONDS / 60} minutes. Opening it as another user, for another document (403) or after its time (410) is refused. ` +
      'Printing rules stay as they are: a certificate\'s print is still recorded with an authorised person present (E2.14) before its page is opened.',
    tags: ['auth'],
    access: 'signed-in',
    body: z.strictObject({ path: z.string().min(5).max(400).describe('The page, e.g. /api/destructions/…/certificate?print=1') }),
    responses: { 201: { description: 'The link', schema: z.object({ url: z.string(), expiresAt: z.string() }) }, 400: error('Not a page of this server') },
    handler: async ({ app, db, body, actor }) => {
      const link = await createPrintLink(db, actor!, body.path);
      return { status: 201, json: { url: link.url, expiresAt: toRfc3339(link.expiresAt, app.config.displayTimeZone) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/auth/login',
    summary: 'Sign in (administrators also present their badge and type its PIN, E2.17)',
    description:
      'Failures are counted per user name (5 in a row: 423 for 15 minutes) and sign-ins per source address (429 with Retry-After over SIGNIN_RATE_PER_MINUTE). ' +
      'Administrators must give `badge` and `pin`: without them 401 second_factor_required, counted as a failed attempt whatever the password. ' +
      'A PIN set before the security review with fewer than 6 digits answers 403 pin_change_required (change it with POST /api/badges/pin/change). ' +
      '`credentialNotices` lists badges issued to the user and PINs set or reset for them since they last signed in.',
    tags: ['auth'],
    access: 'public',
    transaction: false, // failure counters must be committed although the answer is an error
    body: z.strictObject({
      username: z.string().min(1).max(200),
      password: z.string().min(1).max(256),
      badge: z.string().min(1).max(512).optional(),
      pin: z.string().max(64).optional().describe("The badge's PIN (administrators)"),
    }),
    responses: {
      200: {
        description: 'Signed in',
        schema: tokenSchema.extend({
          user: userSchema,
          previousLoginAt: z.string().nullable(),
          previousLogoutAt: z.string().nullable(),
          passwordExpiresAt: z.string(),
          passwordExpired: z.boolean().describe('When true, only POST /api/auth/password, refresh and logout are allowed'),
          credentialNotices: z.array(credentialNoticeSchema).describe('Badges issued to you and PINs set or reset for you since your last sign-in: tell a responsible person at once if one was not you'),
        }),
      },
      400: error('Invalid request'),
      401: error('invalid_credentials, or second_factor_required'),
      403: error('pin_change_required'),
      423: error('account_locked, or pin_locked'),
      429: error('Too many sign-ins from this address'),
    },
    handler: async ({ app, body, req, res }) => {
      res.locals.username = body.username; // the name tried, for the access log (never the password)
      const sourceIp = clientIp(req);
      await enforceRate(app, { bucket: 'signin', limit: app.config.signinRatePerMinute, windowSeconds: 60 }, sourceIp, 'Too many sign-ins from this address. Try again shortly.');
      // Review finding 5: an address's recent failures decide how long its password hash waits
      // for one of the few hashing slots — a flood of bad sign-ins waits behind everyone else.
      const failures = await peekRate(app, SIGNIN_FAILURES, sourceIp);
      let result: Awaited<ReturnType<typeof login>>;
      try {
        result = await login(app, { ...body, sourceIp, hashPriority: failures });
      } catch (err) {
        if (err instanceof AppError && (err.status === 401 || err.status === 423)) await countRequest(app, SIGNIN_FAILURES, sourceIp ?? 'unknown');
        throw err;
      }
      res.locals.accountId = result.accountId;
      const tz = app.config.displayTimeZone;
      return {
        json: {
          token: result.token,
          expiresAt: toRfc3339(result.expiresAt, tz),
          user: result.user,
          previousLoginAt: toRfc3339OrNull(result.previousLoginAt, tz),
          previousLogoutAt: toRfc3339OrNull(result.previousLogoutAt, tz),
          passwordExpiresAt: toRfc3339(result.passwordExpiresAt, tz),
          passwordExpired: result.passwordExpired,
          credentialNotices: result.credentialNotices.map((n) => ({ kind: n.kind, at: toRfc3339(n.at, tz), badgeId: n.badgeId, byName: n.byName, confirmerName: n.confirmerName, otherLiveBadges: n.otherLiveBadges })),
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/auth/refresh',
    summary: 'A fresh token for a live session',
    tags: ['auth'],
    access: 'signed-in',
    allowWithExpiredPassword: true,
    transaction: false,
    responses: { 200: { description: 'New token', schema: tokenSchema }, 401: error('Session ended or idle') },
    handler: async ({ app, actor }) => {
      const { token, expiresAt } = issueToken(app, actor!.accountId, actor!.sessionId);
      return { json: { token, expiresAt: toRfc3339(expiresAt, app.config.displayTimeZone) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/auth/logout',
    summary: 'Sign out: the session ends server-side at once (E3.4)',
    tags: ['auth'],
    access: 'signed-in',
    allowWithExpiredPassword: true,
    transaction: false,
    responses: { 204: { description: 'Signed out' }, 401: error('Not signed in') },
    handler: async ({ app, actor }) => {
      if (!(await endSession(app, actor!.sessionId, 'logout'))) {
        throw new UnauthorizedError('session_ended', 'This session has already ended.');
      }
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/auth/password',
    summary: 'Change your password (policy of E3.11)',
    tags: ['auth'],
    access: 'signed-in',
    allowWithExpiredPassword: true,
    transaction: false, // a wrong current password counts toward the lockout
    body: z.strictObject({ currentPassword: passwordInputSchema, newPassword: passwordInputSchema }),
    responses: {
      204: { description: 'Changed' },
      400: error('password_policy (one detail per broken rule) or current_password_incorrect'),
      423: error('account_locked'),
    },
    handler: async ({ app, actor, body }) => {
      const account = await checkCurrentPassword(app, actor!.accountId, body.currentPassword);
      await app.db.knex.transaction((trx) => setPassword(app, trx, account, body.newPassword, actor!.accountId));
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/auth/me',
    summary: 'The signed-in user',
    tags: ['auth'],
    access: 'signed-in',
    allowWithExpiredPassword: true,
    responses: {
      200: {
        description: 'Current user',
        schema: z.object({ user: userSchema.extend({ username: z.string() }), mustChangePassword: z.boolean(), permissions: z.array(z.string()) }),
      },
      401: error('Not signed in'),
    },
    handler: async ({ actor }) => ({
      json: {
        user: { personId: actor!.personId, name: actor!.name, roles: actor!.roles, username: actor!.username },
        mustChangePassword: actor!.mustChangePassword,
        permissions: permissionsFor(actor!.roles),
      },
    }),
  }),
];
