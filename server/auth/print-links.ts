// Print links (E2.14 printing stays as it is): a printable page — a certificate, a receipt, the
// muster list, a label, a badge card — has a stable address, and opening it from a new window or
// from `chromium --headless --print-to-pdf` needs no bearer token: the signed-in user asks for a
// short-lived link bound to them and to that one document. Its token is random, kept as a digest,
// and travels in the query string (the access log records paths only; printed pages send no
// referrer). Another user, another document, or after its time: refused.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { AppContext } from '../context.js';
import { AppError, ForbiddenError, UnauthorizedError, ValidationError } from '../errors.js';
import { accountById } from './people.read-model.js';
import type { Actor } from './authenticate.js';

/** How long a print link works. */
export const PRINT_LINK_SECONDS = 300;
/** The query parameter that carries the link's token. */
export const PRINT_LINK_PARAM = 'pl';

const digest = (token: string) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');

/** The document a link is for: its path and query, without the link's own parameter, keys in order. */
export function documentKey(path: string, query: Record<string, unknown>): string {
  const params = Object.entries(query)
    .filter(([k, v]) => k !== PRINT_LINK_PARAM && typeof v === 'string')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`);
  return params.length ? `${path}?${params.join('&')}` : path;
}

/** Splits a document address as a client gives it ("/api/…?print=1") into its key. */
export function documentKeyOf(address: string): string {
  const url = new URL(address, 'http://tachiai.invalid');
  if (url.origin !== 'http://tachiai.invalid' || !url.pathname.startsWith('/api/') || url.pathname.includes('..')) {
    throw new ValidationError('Not a printable page of this server.', [{ field: 'body.path', code: 'invalid_path', message: 'a path such as /api/destructions/…/certificate?print=1' }]);
  }
  return documentKey(url.pathname, Object.fromEntries(url.searchParams));
}

export async function createPrintLink(db: Knex, actor: Actor, address: string): Promise<{ url: string; expiresAt: Date }> {
  const key = documentKeyOf(address);
  const token = crypto.randomBytes(24).toString('base64url');
  const [row] = (await db('print_links')
    .insert({ token_digest: digest(token), account_id: actor.accountId, session_id: actor.sessionId, path: key, expires_at: db.raw('now() + make_interval(secs => ?)', [PRINT_LINK_SECONDS]) })
    .returning(['expires_at'])) as Array<{ expires_at: Date }>;
  return { url: `${key}${key.includes('?') ? '&' : '?'}${PRINT_LINK_PARAM}=${token}`, expiresAt: row!.expires_at };
}

/**
 * The account a print link lets print this document: 410 after its time, 403 for another document
 * or another signed-in user, 401 for an unknown token or an account that may no longer sign in.
 */
export async function actorForPrintLink(app: AppContext, token: string, document: string, signedIn: Actor | null): Promise<Actor> {
  const link = (await app.db.knex('print_links')
    .where({ token_digest: digest(token) })
    .first('account_id', 'session_id', 'path', app.db.knex.raw('expires_at <= now() AS expired'))) as { account_id: string; session_id: string; path: string; expired: boolean } | undefined;
  if (!link) throw new UnauthorizedError('print_link_unknown', 'This print link is not valid. Open the page again from Tachiai.');
  if (link.expired) throw new AppError(410, 'print_link_expired', 'This print link has expired. Open the page again from Tachiai.');
  if (link.path !== document) throw new ForbiddenError('print_link_other_document', 'This print link is for another document.');
  if (signedIn && signedIn.accountId !== link.account_id) throw new ForbiddenError('print_link_other_user', 'This print link belongs to another user.');
  const account = await accountById(app.db.knex, link.account_id);
  if (!account || account.disabled_at || account.left_at) throw new UnauthorizedError('print_link_unknown', 'This print link is not valid.');
  return { accountId: account.id, personId: account.person_id, username: account.username, name: account.name, roles: account.roles, sessionId: link.session_id, mustChangePassword: false };
}
