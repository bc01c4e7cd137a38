// The range checker's canonical-form test (server/journal/verify-range.ts; issue 19): a fast path
// (JSON.stringify gives the text back and every object's keys are sorted) and the full RFC 8785
// canonicalisation when it fails. A payload rewritten with its keys out of order, with spaces, or
// with numbers written another way is not canonical; integer-like keys (which JavaScript
// enumerates first) and non-ASCII keys are judged by the full canonicalisation.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/journal/canonical.js';
import { isCanonicalPayload } from '../../server/journal/verify-range.js';

const judge = (text: string) => isCanonicalPayload(text, JSON.parse(text));

describe('isCanonicalPayload', () => {
  it('takes what canonicalJson writes', () => {
    for (const value of [{}, { a: 1, b: [true, null, 'x'] }, { '10': 'a', '9': 'b', b: { d: 1, c: 2 } }, { 日本: '語', '\u20ac': 1 }, { n: 1e21, m: 0.1, z: -0 }, [{ b: 1, a: 2 }]]) {
      expect(judge(canonicalJson(value))).toBe(true);
    }
  });

  it('refuses keys out of order (at any depth), spaces, and numbers or escapes written another way', () => {
    expect(judge('{"b":1,"a":2}')).toBe(false);
    expect(judge('{"a":{"d":1,"c":2}}')).toBe(false);
    expect(judge('[{"b":1,"a":2}]')).toBe(false);
    expect(judge('{ "a": 1 }')).toBe(false);
    expect(judge('{"a":1.0}')).toBe(false);
    expect(judge('{"a":1E3}')).toBe(false);
    expect(judge('{"a":"\\u0041"}')).toBe(false);
    // Integer-like keys: JavaScript enumerates them first, canonical order is by UTF-16 units.
    expect(judge('{"9":1,"10":2}')).toBe(false);
    expect(judge('{"10":2,"9":1}')).toBe(true);
  });
});
