// The one place where errors become HTTP answers in the contract's shape:
//   { "error": { "code", "message", "details": [...] } }
// Nothing a client can send produces a 500; no stack trace or SQL text ever leaves the server.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, ServiceUnavailableError, ValidationError, type ErrorDetail } from '../errors.js';

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', // admin shutdown, crash shutdown, cannot connect now
  '08000', '08001', '08003', '08004', '08006', '08P01', // connection exceptions
  '53300', // too many connections
]);

/** Is this error the database being unreachable (as opposed to a bad query)? */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof e.code === 'string' && CONNECTION_ERROR_CODES.has(e.code)) return true;
  if (e.name === 'KnexTimeoutError') return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error|not queryable/i.test(message);
}

/** PostgreSQL errors that a client's values can cause: answer 4xx, never 500. */
function fromPostgresError(err: { code?: unknown }): AppError | null {
  switch (err.code) {
    case '22P02': // invalid text representation
    case '22003': // numeric value out of range
    case '22007': // invalid datetime format
    case '22008': // datetime field overflow
    case '22001': // string data right truncation
    case '22021': // character not in repertoire / invalid byte sequence
    case '22023': // invalid parameter value
    case '22P05': // untranslatable character
    case '54000': // program limit exceeded (e.g. index row too large)
      return new ValidationError('A value in the request is not acceptable.', [], 'invalid_value');
    case '23505':
      return new AppError(409, 'already_exists', 'A record with the same unique value already exists.');
    case '23503':
      return new AppError(409, 'reference_conflict', 'The request refers to a record that does not exist or is still in use.');
    case '23514':
    case '23502':
      return new ValidationError('A value in the request breaks a rule of the record.', [], 'invalid_value');
    case '40001':
    case '40P01':
      return new AppError(409, 'concurrent_update', 'Another request changed the same records at the same time. Please try again.');
    default:
      return null;
  }
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/** The answer to a body that could not be read or parsed, by body-parser's error types (also used by the fast lane). */
export function fromBodyParserError(err: BodyParserError): AppError | null {
  switch (err.type) {
    case 'entity.parse.failed':
      return new ValidationError('The request body is not valid JSON.', [], 'malformed_json');
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', 'The request body is larger than 1 MB.');
    case 'entity.verify.failed':
      return new ValidationError('The request body is not valid UTF-8.', [], 'invalid_encoding');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_media_type', 'The request body must be JSON in UTF-8.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new ValidationError('The request body could not be read.', [], 'unreadable_body');
    default:
      return null;
  }
}

export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) return new ServiceUnavailableError();
  if (err && typeof err === 'object') {
    const fromBody = fromBodyParserError(err as BodyParserError);
    if (fromBody) return fromBody;
    const fromPg = fromPostgresError(err as { code?: unknown });
    if (fromPg) return fromPg;
    // Other client errors raised by Express itself (e.g. malformed URL encoding).
    // Fix: the router's "Failed to decode param" is a plain URIError with status 400 but no
    // `expose`, so `/api/orgs/%E0%A4%A` used to answer 500.
    const status = (err as BodyParserError).status;
    if (typeof status === 'number' && status >= 400 && status < 500 && ((err as BodyParserError).expose || err instanceof URIError)) {
      return new AppError(status, 'bad_request', 'The request could not be understood.');
    }
  }
  return null;
}

export function sendError(res: Response, error: AppError): void {
  res.set(error.headers);
  res.status(error.status).json(errorBody(error));
}

/** The error to answer for `err`, logged as it deserves: server-side failures, never a client's mistakes. */
export function answerForError(err: unknown, logger: Logger, request: { method: string; path: string }): AppError {
  const known = toAppError(err);
  if (known) {
    if (known.status >= 500) logger.warn({ code: known.code, path: request.path }, known.message);
    return known;
  }
  logger.error({ err, method: request.method, path: request.path }, 'unexpected error');
  return new AppError(500, 'internal_error', 'Something went wrong on our side. It has been logged.');
}

/** At most this many details in one answer (review finding 14: 60,000 unknown keys made a 709 KB answer). */
export const MAX_ERROR_DETAILS = 20;
const MAX_DETAIL_TEXT = 200;

/** Caps a list of details: the first MAX_ERROR_DETAILS, then one saying how many more there were. */
export function capDetails(details: ErrorDetail[]): ErrorDetail[] {
  const clip = (t: string) => (t.length > MAX_DETAIL_TEXT ? `${t.slice(0, MAX_DETAIL_TEXT - 1)}…` : t);
  const kept = details.slice(0, MAX_ERROR_DETAILS).map((d) => ({ ...d, ...(d.field ? { field: clip(d.field) } : {}), message: clip(d.message) }));
  if (details.length > MAX_ERROR_DETAILS) kept.push({ code: 'more_issues', message: `…and ${details.length - MAX_ERROR_DETAILS} more problems of the same request.` });
  return kept;
}

/** The contract's error body. */
export function errorBody(error: AppError) {
  return { error: { code: error.code, message: error.message, details: capDetails(error.details) } };
}

export function errorHandler(logger: Logger) {
  // Express recognises error handlers by their four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      logger.error({ err, path: req.path }, 'error after the response started');
      res.end();
      return;
    }
    sendError(res, answerForError(err, logger, req));
  };
}
