// Bearer tokens and server-side sessions. The token (jsonwebtoken, HS256 pinned) only names a
// session; the session row decides: a logged-out (E3.4) or idle (E3.6, 5 minutes) session is
// refused at once, on every server sharing the database.
import crypto, { type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AppContext } from '../context.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { appendJournal } from '../journal/journal.js';
import { coalesce } from '../shared/coalesce.js';
import { preparedStatement } from '../shared/sql.js';
import { sessionRowsSql } from './people.read-model.js';

export { sessionRowsSql } from './people.read-model.js';

export interface Actor {
  accountId: string;
  personId: string;
  username: string;
  name: string;
  roles: string[];
  sessionId: string;
  mustChangePassword: boolean;
  /** Set when a door station, not a person, is asking (server/door/stations.ts): then no account, person or session. */
  station?: { id: string; roomId: string; name: string };
}

const ISSUER = 'tachiai';
const AUDIENCE = 'tachiai-api';
const ALGORITHM = 'HS256';
export const TOKEN_LIFETIME_SECONDS = 15 * 60;
/** last_seen_at is written at most this often per session (a hot row under door scanners). */
const TOUCH_GRANULARITY_SECONDS = 5;

// A KeyObject, made once: given a raw Buffer, jsonwebtoken first tries to parse it as a public
// key on every call (measured: 0.54 ms against 0.013 ms per verification).
const secretKeys = new WeakMap<Buffer, KeyObject>();
function jwtKey(app: AppContext): KeyObject {
  let key = secretKeys.get(app.secrets.jwtSecret);
  if (!key) {
    key = crypto.createSecretKey(app.secrets.jwtSecret);
    secretKeys.set(app.secrets.jwtSecret, key);
  }
  return key;
}

export function issueToken(app: AppContext, accountId: string, sessionId: string): { token: string; expiresAt: Date } {
  const now = Math.floor(Date.now() / 1000);
  const token = jwt.sign({ sid: sessionId }, jwtKey(app), {
    algorithm: ALGORITHM,
    subject: accountId,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: TOKEN_LIFETIME_SECONDS,
    jwtid: crypto.randomUUID(),
  });
  return { token, expiresAt: new Date((now + TOKEN_LIFETIME_SECONDS) * 1000) };
}

// Tokens whose signature has been checked, per key: a door's readers send every scan with the
// same guard's token, and the HMAC need not be computed again for the same bytes. Only the
// signature's result is remembered: the expiry is checked on every use, and the session row (the
// one that can end at any moment, on any server) is still read on every request.
interface VerifiedClaims {
  accountId: string;
  sessionId: string;
  expiresAtMs: number;
}
const MAX_VERIFIED_TOKENS = 1000;

function readClaims(app: AppContext, token: string): { accountId: string; sessionId: string } {
  const key = jwtKey(app);
  // This context's cache of verified signatures (its `auth.tokens` worker; cleared when it stops).
  const verified = app.workers.use('auth.tokens', () => {
    const tokens = new Map<string, VerifiedClaims>();
    return Object.assign(tokens, { stop: () => tokens.clear() });
  });
  const known = verified.get(token);
  if (known && Date.now() < known.expiresAtMs) return known;
  try {
    const claims = jwt.verify(token, key, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    if (typeof claims === 'string' || typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || typeof claims.exp !== 'number') {
      throw new Error('claims');
    }
    const result = { accountId: claims.sub, sessionId: claims.sid, expiresAtMs: claims.exp * 1000 };
    if (verified.size >= MAX_VERIFIED_TOKENS) verified.clear();
    verified.set(token, result);
    return result;
  } catch (err) {
    verified.delete(token);
    if (err instanceof jwt.TokenExpiredError) throw new UnauthorizedError('token_expired', 'Your sign-in token has expired. Please sign in again.');
    throw new UnauthorizedError('invalid_token', 'The sign-in token is not valid.');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A session as the checks below need it (read by lookupSessions, or by a caller's own statement). */
export interface SessionRow {
  id: string;
  account_id: string;
  /** Only tested for presence: a Date, or its text when the row came back as JSON. */
  ended_at: Date | string | null;
  must_change_password: boolean;
  idle: boolean;
  stale: boolean;
  person_id: string;
  username: string;
  disabled_at: Date | string | null;
  name: string;
  roles: string[];
  left_at: Date | string | null;
}

export function sessionLookupBindings(app: AppContext): [number, number] {
  return [app.config.sessionIdleSeconds, TOUCH_GRANULARITY_SECONDS];
}

/** Moves last_seen_at on for the live sessions that are due a touch (at most every few seconds). */
export async function touchSessions(app: AppContext, sessions: Iterable<SessionRow>): Promise<void> {
  const due = [...new Set([...sessions].filter((s) => s.stale && !s.idle && !s.ended_at && !s.disabled_at && !s.left_at).map((s) => s.id))];
  if (due.length === 0) return;
  await app.db.knex.raw("UPDATE sessions SET last_seen_at = now() WHERE id = ANY (string_to_array(?, ',')::uuid[]) AND ended_at IS NULL", [due.join(',')]);
}

/** Live sessions in one lookup, with last_seen_at moved on for the ones due a touch. */
async function lookupSessions(app: AppContext, sessionIds: string[]): Promise<Array<SessionRow | null>> {
  const distinct = [...new Set(sessionIds)];
  const { rows } = await preparedStatement(
    app.db,
    app.db.knex.raw(sessionRowsSql("SELECT unnest(string_to_array(?, ',')::uuid[])"), [...sessionLookupBindings(app), distinct.join(',')]),
    'session_lookup',
  );
  const byId = new Map((rows as SessionRow[]).map((row) => [row.id, row]));
  await touchSessions(app, rows as SessionRow[]);
  return sessionIds.map((id) => byId.get(id) ?? null);
}

// One lookup for all the requests that arrive together (server/shared/coalesce.ts): a door with
// several readers sends many requests with the same guard's token at once. Each request's lookup
// still starts after the request arrived, so a session ended anywhere is refused at once.
function lookupSession(app: AppContext, sessionId: string): Promise<SessionRow | null> {
  const lookups = app.workers.use('auth.sessions', () => ({
    lookup: coalesce<string, SessionRow | null>((ids) => lookupSessions(app, ids), { maxBatch: 200, maxInFlight: 1 }),
    stop: () => undefined,
  }));
  return lookups.lookup(sessionId);
}

export interface SessionClaims {
  accountId: string;
  sessionId: string;
}

/**
 * A session whose row the handler reads in its own statement (the door's scans). `authorize`
 * applies exactly the checks of authenticate and the route's permission to that row, and answers
 * the actor or throws 401/403; nothing may be written or answered before it succeeds.
 */
export interface DeferredSession {
  /** null when a door station is asking (it has no session; it was checked already). */
  sessionId: string | null;
  authorize(row: SessionRow | null): Promise<Actor>;
}

/** Who the access log names for a request: filled in as soon as the session is known (E2.15). */
export interface AccessIdentity {
  accountId?: string;
  username?: string;
}

/** The bearer token's claims (signature, issuer, audience, expiry), or 401. No database read. */
export function sessionClaims(app: AppContext, header: string | undefined): SessionClaims {
  const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/.exec(header) : null;
  if (!match) throw new UnauthorizedError('unauthorized', 'Sign-in required.');
  const { accountId, sessionId } = readClaims(app, match[1]!);
  if (!UUID.test(sessionId) || !UUID.test(accountId)) throw new UnauthorizedError('invalid_token', 'The sign-in token is not valid.');
  return { accountId, sessionId };
}

/**
 * The request's actor from its session row, or 401/403: an unknown, ended, idle (E3.6) or
 * disabled session is refused (and ended when idle or disabled). Also records the account for the
 * access log.
 */
export async function actorFromSession(
  app: AppContext,
  identity: AccessIdentity,
  route: { allowWithExpiredPassword?: boolean },
  claims: SessionClaims,
  session: SessionRow | null,
): Promise<Actor> {
  if (!session || session.id !== claims.sessionId || session.account_id !== claims.accountId) {
    throw new UnauthorizedError('invalid_token', 'The sign-in token is not valid.');
  }
  identity.accountId = session.account_id;
  identity.username = session.username;
  if (session.ended_at) throw new UnauthorizedError('session_ended', 'This session has ended. Please sign in again.');
  if (session.idle) {
    await endSession(app, session.id, 'idle_timeout');
    throw new UnauthorizedError('session_expired', 'The session ended after 5 minutes without activity. Please sign in again.');
  }
  if (session.disabled_at || session.left_at) {
    await endSession(app, session.id, 'account_disabled');
    throw new UnauthorizedError('session_ended', 'This session has ended. Please sign in again.');
  }
  const actor: Actor = {
    accountId: session.account_id,
    personId: session.person_id,
    username: session.username,
    name: session.name,
    roles: session.roles,
    sessionId: session.id,
    mustChangePassword: session.must_change_password,
  };
  if (actor.mustChangePassword && !route.allowWithExpiredPassword) {
    throw new ForbiddenError('password_change_required', 'Your password has expired. Change it before doing anything else.');
  }
  return actor;
}

/** Resolves the request's actor from its Authorization header, or throws 401. Also records it for the access log. */
export async function authenticate(
  app: AppContext,
  authorization: string | undefined,
  identity: AccessIdentity,
  route: { allowWithExpiredPassword?: boolean },
): Promise<Actor> {
  const claims = sessionClaims(app, authorization);
  return actorFromSession(app, identity, route, claims, await lookupSession(app, claims.sessionId));
}

/** Has this session neither ended nor gone idle (E3.6)? (A live stream checks its session with it.) */
export async function sessionIsLive(app: AppContext, sessionId: string): Promise<boolean> {
  const row = await app.db.knex('sessions')
    .where({ id: sessionId })
    .whereNull('ended_at')
    .andWhereRaw('last_seen_at > now() - make_interval(secs => ?)', [app.config.sessionIdleSeconds])
    .first('id');
  return row !== undefined;
}

/**
 * The channel on which the database tells every server that sessions ended (security review,
 * finding 9): each server closes that session's live streams at once. Sent in the transaction
 * that ends the session, so it is delivered exactly when the end is committed.
 */
export const SESSION_END_CHANNEL = 'tachiai_sessions_ended';

/** Sends the end of these sessions to every server (in the caller's transaction; delivered on commit). */
export async function announceSessionsEnded(trx: import('knex').Knex, sessionIds: string[]): Promise<void> {
  // One NOTIFY per 100 ids: a payload is limited to 8000 bytes.
  for (let i = 0; i < sessionIds.length; i += 100) {
    await trx.raw('SELECT pg_notify(?, ?)', [SESSION_END_CHANNEL, sessionIds.slice(i, i + 100).join(',')]);
  }
}

/**
 * Ends a session. An idle session is recorded as ended when it went idle, not when noticed,
 * so "previous sign-out" (E3.2) shows the real time.
 */
export async function endSession(app: AppContext, sessionId: string, reason: 'logout' | 'idle_timeout' | 'account_disabled'): Promise<boolean> {
  return app.db.knex.transaction(async (trx) => {
    const endedAt =
      reason === 'idle_timeout'
        ? trx.raw('last_seen_at + make_interval(secs => ?)', [app.config.sessionIdleSeconds])
        : trx.fn.now();
    const ended = (await trx('sessions')
      .where({ id: sessionId })
      .whereNull('ended_at')
      .update({ ended_at: endedAt, end_reason: reason }, ['account_id', 'ended_at'])) as Array<{ account_id: string; ended_at: Date }>;
    const row = ended[0];
    if (!row) return false;
    await announceSessionsEnded(trx, [sessionId]);
    await appendJournal(trx, {
      actor: reason === 'logout' ? row.account_id : 'system:sessions',
      action: 'auth.session_ended',
      subject: `session:${sessionId}`,
      payload: { accountId: row.account_id, reason, endedAt: row.ended_at.toISOString() },
    });
    return true;
  });
}
