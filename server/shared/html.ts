// Printable pages rendered by the server (badge cards, muster lists, certificates): escaped text,
// a print stylesheet from /assets (the CSP forbids inline styles), no scripts.

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Tagged template that escapes every interpolated value unless wrapped in raw(). */
export class RawHtml {
  constructor(readonly html: string) {}
}
export const raw = (html: string) => new RawHtml(html);

export function html(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const rendered = Array.isArray(v) ? v.map((x) => (x instanceof RawHtml ? x.html : escapeHtml(x))).join('') : v instanceof RawHtml ? v.html : escapeHtml(v);
    out += rendered + (strings[i + 1] ?? '');
  });
  return new RawHtml(out);
}

export function printPage(opts: { lang: string; title: string; bodyClass: string; body: RawHtml; /** ES modules under /assets/ */ scripts?: string[] }): string {
  return `<!doctype html>
<html lang="${escapeHtml(opts.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(opts.title)}</title>
<link rel="stylesheet" href="/assets/print.css">
${(opts.scripts ?? []).map((src) => `<script type="module" src="/assets/${escapeHtml(src)}"></script>\n`).join('')}</head>
<body class="${escapeHtml(opts.bodyClass)}">
${opts.body.html}
</body>
</html>
`;
}
