// @ts-check
// Added to a printable page opened for printing (openPrintable with print: true, e.g. a
// certificate whose print was just recorded): the browser's print dialog opens once it is laid out.
window.addEventListener('load', () => setTimeout(() => window.print(), 200));
