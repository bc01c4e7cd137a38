// Searching what people type (issue 14): a SQL condition that a column contains the search, both
// folded the same way — case, spaces (ASCII and ideographic) and hiragana/katakana do not matter.
// The search itself is folded in JavaScript first (NFKC too); the column's expression is passed in,
// so each module names its own columns.
import type { Knex } from 'knex';

const HIRAGANA = Array.from({ length: 0x3096 - 0x3041 + 1 }, (_, i) => String.fromCharCode(0x3041 + i)).join('');
const KATAKANA = Array.from({ length: 0x30f6 - 0x30a1 + 1 }, (_, i) => String.fromCharCode(0x30a1 + i)).join('');

/** Fold a search as the SQL below folds a column: NFKC, katakana, lower case, no spaces. */
export function foldSearch(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60))
    .toLowerCase()
    .replace(/[\s\u3000]+/g, '');
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `expression` (a column, e.g. 'p.name') folded contains the folded search. */
export function foldedContains(db: Knex, expression: string, search: string): Knex.Raw {
  return db.raw(`translate(replace(replace(lower(${expression}), ' ', ''), '\u3000', ''), ?, ?) LIKE ? ESCAPE '\\'`, [HIRAGANA, KATAKANA, `%${escapeLike(foldSearch(search))}%`]);
}
