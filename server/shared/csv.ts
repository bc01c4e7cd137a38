// CSV for auditors (RFC 4180, CRLF). UTF-8 with a BOM so that Excel in Japan opens it.
// Cells that a spreadsheet would run as a formula are prefixed with ' (CSV injection).

export const CSV_BOM = '\uFEFF';

function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(values: string[]): string {
  return values.map(cell).join(',') + '\r\n';
}
