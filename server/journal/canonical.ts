// RFC 8785 (JSON Canonicalization Scheme): sorted keys, no whitespace, ECMAScript number
// formatting (so -0 is written 0). The `canonicalize` package implements it and refuses NaN,
// Infinity and lone surrogates; we add a refusal of values JSON cannot carry faithfully.
import { createHash } from 'node:crypto';
import canonicalizeJson from 'canonicalize';

export function canonicalJson(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('Value has no JSON representation');
  return text;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
