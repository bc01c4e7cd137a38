// The verifier's one-pass canonical-form check (server/journal/canonical-scan.ts; issue 19). It may
// only confirm: whatever it calls canonical, the full check (JSON.parse + RFC 8785) must too —
// tested on hand-picked texts and on 20,000 random values and their mutations. And it must confirm
// the journal's usual payloads, or the verifier gains nothing.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/journal/canonical.js';
import { surelyCanonical } from '../../server/journal/canonical-scan.js';
import { isCanonicalPayload } from '../../server/journal/verify-range.js';
import { randomOf } from '../helpers/seeded-random.js';

/** The full judgement: valid JSON, and canonical. */
function slowJudge(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  return isCanonicalPayload(text, value);
}


const PIECES = ['a', 'b', 'z', 'A', '0', '9', '10', '', ' ', '日本', '語', '€', '"', '\\', '\n', '\u0001', '\u007f', '\u2028', '😀', 'é', 'key', 'id'];
const NUMBERS = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789, 2 ** 53, -3.5, 1 / 3];

function randomValue(r: ReturnType<typeof randomOf>, depth = 0): unknown {
  const kind = depth > 3 ? r.pick(['s', 'n', 'l']) : r.pick(['s', 'n', 'l', 'o', 'o', 'a']);
  const str = () => Array.from({ length: Math.floor(r.next() * 4) }, () => r.pick(PIECES)).join('');
  if (kind === 's') return str();
  if (kind === 'n') return r.pick(NUMBERS);
  if (kind === 'l') return r.pick([true, false, null]);
  if (kind === 'a') return Array.from({ length: Math.floor(r.next() * 4) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let k = Math.floor(r.next() * 5); k > 0; k--) o[str()] = randomValue(r, depth + 1);
  return o;
}

/** A text changed the way a rewrite might change it: a space, a character dropped, doubled or swapped, a number respelled. */
function mutate(text: string, r: ReturnType<typeof randomOf>): string {
  const at = Math.floor(r.next() * (text.length + 1));
  switch (r.pick(['space', 'drop', 'double', 'swap', 'number', 'escape'])) {
    case 'space':
      return `${text.slice(0, at)} ${text.slice(at)}`;
    case 'drop':
      return text.slice(0, at) + text.slice(at + 1);
    case 'double':
      return text.slice(0, at) + text.charAt(at) + text.slice(at);
    case 'swap':
      return text.slice(0, at) + text.charAt(at + 1) + text.charAt(at) + text.slice(at + 2);
    case 'number':
      return text.replace(/\d+/, (d) => r.pick([`${d}.0`, `${d}e0`, `0${d}`, `-${d}`, `${d}E+0`]));
    default:
      return text.replace(/a/, '\\u0061');
  }
}

describe('surelyCanonical', () => {
  it('confirms the journal\'s usual payloads (plain keys and strings, Japanese text, integers, nested objects)', () => {
    for (const value of [
      {},
      { decision: 'granted', direction: 'in', personId: crypto.randomUUID(), reason: null, roomId: crypto.randomUUID() },
      { name: '山田 花子', note: '本人に確認: 部屋を間違えた。', count: 12, items: [1, 2, { a: true, b: false }], ratio: 0.25 },
      { '10': 'a', '9': 'b' },
      [],
      'text',
      42,
    ]) {
      const text = canonicalJson(value);
      expect(surelyCanonical(text), text).toBe(true);
      expect(slowJudge(text)).toBe(true);
    }
  });

  it('does not confirm keys out of order or twice, spaces, numbers or escapes written another way, trailing text, broken JSON', () => {
    for (const text of [
      '{"b":1,"a":2}',
      '{"a":1,"a":1}',
      '{"a":{"d":1,"c":2}}',
      '{ "a":1}',
      '{"a": 1}',
      '{"a":1.0}',
      '{"a":1E3}',
      '{"a":1e21}',
      '{"a":-0}',
      '{"a":01}',
      '{"a":"\\u0041"}',
      '{"9":1,"10":2}',
      '{"a":1}x',
      '{"a":1',
      '{"a":1,}',
      '[1,]',
      '[1 ]',
      '{"a"1}',
      '"abc',
      '',
      'tru',
      'nul',
      '{"a":"x\ny"}',
      '"\ud800"',
    ]) {
      expect(surelyCanonical(text), text).toBe(false);
    }
  });

  it('leaves what it cannot be sure of to the full check: escapes, control characters, astral characters, deep nesting', () => {
    for (const value of [{ a: 'say "hi"' }, { a: 'a\\b' }, { a: 'line\nbreak' }, { a: '😀' }, JSON.parse('['.repeat(70) + ']'.repeat(70))]) {
      const text = canonicalJson(value);
      expect(slowJudge(text)).toBe(true);
      expect(surelyCanonical(text)).toBe(false);
    }
  });

  it('never confirms what the full check refuses: 20,000 random values, canonical and mutated', () => {
    let confirmed = 0;
    let mutatedConfirmed = 0;
    for (let seed = 1; seed <= 10_000; seed++) {
      const r = randomOf(seed);
      const canonical = canonicalJson(randomValue(r));
      for (const text of [canonical, mutate(canonical, r)]) {
        if (!surelyCanonical(text)) continue;
        if (text === canonical) confirmed++;
        else mutatedConfirmed++;
        expect(slowJudge(text), `seed ${seed}: ${JSON.stringify(text)}`).toBe(true);
      }
    }
    // Most canonical texts are confirmed at once (the others go the slow way); mutations that stay
    // canonical (a digit doubled, say) are rightly confirmed.
    expect(confirmed).toBeGreaterThan(3_000);
    expect(mutatedConfirmed).toBeGreaterThan(0);
  });
});
