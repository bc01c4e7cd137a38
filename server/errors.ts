// Typed errors. Modules throw these; server/http/error-handler.ts maps them (and everything
// else) to the contract's error shape in one place.

export interface ErrorDetail {
  field?: string;
  code: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: ErrorDetail[] = [], code = 'invalid_request') {
    super(400, code, message, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(code = 'unauthorized', message = 'Sign-in required.') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(code = 'forbidden', message = 'You are not allowed to do this.') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'resource', message?: string) {
    super(404, 'not_found', message ?? `No such ${what}.`);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string, details: ErrorDetail[] = []) {
    super(409, code, message, details);
  }
}

export class LockedError extends AppError {
  constructor(code: string, message: string, retryAfterSeconds?: number) {
    super(423, code, message, [], retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : {});
  }
}

export class TooManyRequestsError extends AppError {
  constructor(message: string, retryAfterSeconds?: number) {
    super(429, 'too_many_requests', message, [], retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : {});
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message = 'The database is not available right now. Please try again shortly.') {
    super(503, 'database_unavailable', message, [], { 'Retry-After': '5' });
  }
}

/** The MQTT broker of the door controllers did not answer (issue 20): nothing was changed. */
export class BrokerUnavailableError extends AppError {
  constructor(message = 'The door controllers\' MQTT broker did not answer. Nothing was changed; try again.') {
    super(503, 'broker_unavailable', message, [], { 'Retry-After': '5' });
  }
}
