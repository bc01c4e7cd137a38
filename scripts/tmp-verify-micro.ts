import crypto from 'node:crypto';
import { RangeChecker } from '../server/journal/verify-range.js';
const N = 300_000;
const lines: string[] = [];
let prev = '0'.repeat(64);
const chain = 'main';
for (let i = 1; i <= N; i++) {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 37).toISOString();
  const payload = JSON.stringify({ badgeId: crypto.randomUUID(), decision: 'granted', direction: 'in', personId: crypto.randomUUID(), reason: null, roomId: crypto.randomUUID() });
  const actor = 'station:' + crypto.randomUUID(), action = 'door.scan', subject = 'person:' + crypto.randomUUID();
  const s = JSON.stringify;
  const hash = crypto.hash('sha256', `{"action":${s(action)},"actor":${s(actor)},"at":${s(at)},"chain":${s(chain)},"payload":${payload},"prevHash":${s(prev)},"seq":${i},"subject":${s(subject)}}`, 'hex');
  lines.push([String(i), at, actor, action, subject, payload, prev, hash].join('\t'));
  prev = hash;
}
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  const c = new RangeChecker({ chain, from: 1, to: N, tree: true, expect: [], snapshotSizes: [] });
  for (const l of lines) c.line(l);
  const r = c.finish();
  const ms = performance.now() - t;
  console.log(`checked ${r.checked} bad ${r.bad?.reason} in ${ms.toFixed(0)} ms = ${(N / ms * 1000).toFixed(0)}/s = ${(ms * 1000 / N).toFixed(2)} µs/entry`);
}
// components
const t1 = performance.now(); for (const l of lines) { const f = l.split('\t'); JSON.parse(f[5]!); } console.log('split+parse µs', ((performance.now() - t1) * 1000 / N).toFixed(2));
const t2 = performance.now(); for (const l of lines) { const f = l.split('\t'); const v = JSON.parse(f[5]!); JSON.stringify(v); } console.log('split+parse+stringify µs', ((performance.now() - t2) * 1000 / N).toFixed(2));
const t3 = performance.now(); for (const l of lines) { crypto.hash('sha256', l, 'hex'); } console.log('hash line µs', ((performance.now() - t3) * 1000 / N).toFixed(2));
import { surelyCanonical } from '../server/journal/canonical-scan.js';
import { isCanonicalPayload } from '../server/journal/verify-range.js';
const payloads = lines.map((l) => l.split('\t')[5]!);
for (let round = 0; round < 3; round++) {
  let t = performance.now(); let ok = 0; for (const p of payloads) if (surelyCanonical(p)) ok++; const a = (performance.now() - t) * 1000 / N;
  t = performance.now(); for (const p of payloads) if (isCanonicalPayload(p, JSON.parse(p))) ok++; const b = (performance.now() - t) * 1000 / N;
  console.log(`scan ${a.toFixed(2)} µs, parse+check ${b.toFixed(2)} µs (${ok})`);
}
