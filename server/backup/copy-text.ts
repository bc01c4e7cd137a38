// PostgreSQL's COPY text format, both ways: the backup reads tables with COPY TO on the embedded
// database, the restore loads them with COPY FROM.

const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const COPY_ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * COPY's text format back into values: one line a row, fields split by tabs, `\N` for NULL, and
 * backslash escapes for backslash and the control characters (COPY TO writes no octal or hex
 * escapes).
 */
export function parseCopyText(text: string): Array<Array<string | null>> {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => line.split('\t').map((field) => (field === '\\N' ? null : field.includes('\\') ? field.replace(/\\(.)/g, (_, c: string) => COPY_ESCAPES[c] ?? c) : field)));
}

/** One row in COPY's text format, with its newline. */
export function copyLine(values: ReadonlyArray<string | null>): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? null;
    if (i > 0) line += '\t';
    line += v === null ? '\\N' : /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPED[c]!) : v;
  }
  return `${line}\n`;
}

/** Rows in COPY's text format: parseCopyText's inverse. */
export function copyText(batch: ReadonlyArray<ReadonlyArray<string | null>>): string {
  return batch.map(copyLine).join('');
}
