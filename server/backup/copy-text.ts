// PostgreSQL's COPY text format, as the restore loads a batch with COPY FROM when it cannot go in
// binary (./copy-binary.ts).

const COPY_ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

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

/** Rows in COPY's text format. */
export function copyText(batch: ReadonlyArray<ReadonlyArray<string | null>>): string {
  return batch.map(copyLine).join('');
}
