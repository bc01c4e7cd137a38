// Hostile-input checks that apply to every request before any schema sees it:
// NUL characters and lone UTF-16 surrogates in strings or keys, prototype-pollution keys,
// and nesting deeper than any real request needs. The walk is iterative, so a maliciously
// deep document cannot overflow the stack.
import { ValidationError } from '../errors.js';

export const MAX_DEPTH = 16;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function badStringReason(value: string): string | null {
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(value)) return 'is not valid Unicode (lone surrogate)';
  return null;
}

function checkString(value: string, field: string): void {
  const reason = badStringReason(value);
  if (reason) {
    throw new ValidationError(`The value of ${field} ${reason}.`, [{ field, code: 'invalid_string', message: reason }], 'invalid_string');
  }
}

export function assertSafeValue(root: unknown, rootName: string): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: rootName, depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      checkString(value, path);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH) {
      throw new ValidationError(`The request is nested too deeply (more than ${MAX_DEPTH} levels).`, [
        { field: path, code: 'too_deep', message: `nesting deeper than ${MAX_DEPTH} levels` },
      ], 'too_deep');
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: `${path}.${i}`, depth: depth + 1 }));
      continue;
    }
    for (const key of Object.keys(value)) {
      const field = `${path}.${key}`;
      checkString(key, field);
      if (FORBIDDEN_KEYS.has(key)) {
        throw new ValidationError(`The key "${key}" is not allowed.`, [
          { field, code: 'forbidden_key', message: `"${key}" is not allowed as a key` },
        ], 'forbidden_key');
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: field, depth: depth + 1 });
    }
  }
}

/** Query and body. Path parameters are checked by the route kernel, where a bad one is a 404. */
export function assertSafeInput(query: unknown, body: unknown): void {
  assertSafeValue(query, 'query');
  if (body !== undefined) assertSafeValue(body, 'body');
}
