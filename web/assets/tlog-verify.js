// The offline check of a proof file (c2sp.org/tlog-proof), in the browser, with WebCrypto
// (issue 19, item 4): the same steps as `tachiai verify-proof` (server/journal/proof-file.ts) —
// the checkpoint's Ed25519 signature under the log's verifier key given by the person, the
// journal entry's hash, its leaf and inclusion proof up to the checkpoint's root (RFC 9162
// §2.1.3.2), the signed record's hash as the entry names it. A convenience only: this code is
// served by the contractor; the independent check is the command line (docs/operations.md).

const enc = new TextEncoder();

/** @param {string} b64 */
function fromBase64(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** @param {Uint8Array} bytes */
function toBase64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** @param {Uint8Array} bytes */
const toHex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** @param {Uint8Array[]} parts */
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** @param {Uint8Array} a @param {Uint8Array} b */
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** @param {Uint8Array} data */
async function sha256(data) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', /** @type {BufferSource} */ (data)));
}

/** RFC 8785 canonical JSON of a parsed JSON value (keys sorted by UTF-16 code units). */
/** @param {unknown} v @returns {string} */
export function canonical(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = /** @type {Record<string, unknown>} */ (v);
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/** RFC 9162 §2.1.3.2. @param {number} index @param {number} size @param {Uint8Array} leaf @param {Uint8Array[]} proof @param {Uint8Array} root */
export async function verifyInclusion(index, size, leaf, proof, root) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  const node = async (/** @type {Uint8Array} */ a, /** @type {Uint8Array} */ b) => sha256(concat(Uint8Array.of(1), a, b));
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await node(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(r, root);
}

/**
 * @typedef {{ ok: boolean, key: string, params?: Record<string, string | number> }} Step
 * @typedef {{ ok: boolean, steps: Step[], facts: Record<string, unknown> | null }} ProofCheck
 */

/**
 * @param {string} text the proof file
 * @param {string} vkeyText the log's verifier key, as the person was given it
 * @returns {Promise<ProofCheck>}
 */
export async function checkProofFile(text, vkeyText) {
  /** @type {Step[]} */
  const steps = [];
  /** @type {ProofCheck} */
  const result = { ok: false, steps, facts: null };
  const step = (/** @type {boolean} */ ok, /** @type {string} */ key, /** @type {Record<string, string | number>} */ params = {}) => {
    steps.push({ ok, key, params });
    return ok;
  };
  // The verifier key: name+id+base64(0x01 ‖ key); its ID recomputed.
  const vk = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkeyText.trim());
  if (!vk) return step(false, 'pc.key.bad'), result;
  const [, name = '', idHex = '', keyB64 = ''] = vk;
  let material;
  try {
    material = fromBase64(keyB64);
  } catch {
    return step(false, 'pc.key.bad'), result;
  }
  if (material.length !== 33 || material[0] !== 0x01) return step(false, 'pc.key.bad'), result;
  const raw = material.subarray(1);
  const keyId = (await sha256(concat(enc.encode(name), Uint8Array.of(0x0a, 0x01), raw))).subarray(0, 4);
  if (toHex(keyId) !== idHex) return step(false, 'pc.key.bad'), result;

  // The file: magic, extra, index, proof lines, blank line, the signed note.
  const lines = text.split('\n');
  if (lines[0] !== 'c2sp.org/tlog-proof@v1' || !lines[1]?.startsWith('extra ')) return step(false, 'pc.file.bad'), result;
  const index = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[2] ?? '');
  if (!index) return step(false, 'pc.file.bad'), result;
  let i = 3;
  /** @type {Uint8Array[]} */
  const proof = [];
  try {
    for (; i < lines.length && lines[i] !== ''; i++) {
      const h = fromBase64(/** @type {string} */ (lines[i]));
      if (h.length !== 32) throw new Error('hash');
      proof.push(h);
    }
  } catch {
    return step(false, 'pc.file.bad'), result;
  }
  const note = lines.slice(i + 1).join('\n');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return step(false, 'pc.file.bad'), result;
  const noteText = note.slice(0, split + 1);
  const [origin = '', sizeText = '', rootB64 = ''] = noteText.split('\n');
  const size = Number(sizeText);
  let root;
  try {
    root = fromBase64(rootB64);
  } catch {
    return step(false, 'pc.file.bad'), result;
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || root.length !== 32) return step(false, 'pc.file.bad'), result;

  // The checkpoint's signature.
  // Another epoch of the same log (issue 19: `<first origin>/eN` after `tachiai new-epoch`) is
  // signed by the same key under its own origin: the key ID is recomputed for that origin.
  const firstOf = (/** @type {string} */ o) => o.replace(/\/e([2-9]|[1-9][0-9]{1,5})$/, '');
  const ofLog = origin === name || firstOf(origin) === firstOf(name);
  if (!step(ofLog, ofLog ? 'pc.origin.ok' : 'pc.origin.other', { origin, name })) return result;
  const signKeyId = origin === name ? keyId : (await sha256(concat(enc.encode(origin), Uint8Array.of(0x0a, 0x01), raw))).subarray(0, 4);
  const pub = await crypto.subtle.importKey('raw', /** @type {BufferSource} */ (raw), { name: 'Ed25519' }, false, ['verify']);
  let signed = false;
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m || m[1] !== origin) continue;
    const sig = fromBase64(/** @type {string} */ (m[2]));
    if (sig.length !== 68 || !same(sig.subarray(0, 4), signKeyId)) continue;
    signed = await crypto.subtle.verify({ name: 'Ed25519' }, pub, /** @type {BufferSource} */ (sig.subarray(4)), /** @type {BufferSource} */ (enc.encode(noteText)));
    if (signed) break;
  }
  if (!step(signed, signed ? 'pc.sig.ok' : 'pc.sig.bad', { size })) return result;

  // The entry, its leaf, the inclusion proof.
  /** @type {{ entry?: Record<string, unknown>, record?: { id: string, content: string, contentHash: string } | null }} */
  let extra;
  try {
    extra = JSON.parse(new TextDecoder().decode(fromBase64(/** @type {string} */ (lines[1]).slice(6))));
  } catch {
    return step(false, 'pc.file.bad'), result;
  }
  const e = extra.entry;
  if (!e || typeof e.payload !== 'string') return step(false, 'pc.file.bad'), result;
  let payload;
  try {
    payload = JSON.parse(e.payload);
  } catch {
    return step(false, 'pc.entry.bad', { seq: Number(e.seq) }), result;
  }
  const entryText = `{"action":${JSON.stringify(e.action)},"actor":${JSON.stringify(e.actor)},"at":${JSON.stringify(e.at)},"chain":${JSON.stringify(e.chain)},"payload":${e.payload},"prevHash":${JSON.stringify(e.prevHash)},"seq":${JSON.stringify(e.seq)},"subject":${JSON.stringify(e.subject)}}`;
  const entryHash = toHex(await sha256(enc.encode(entryText)));
  const entryOk = canonical(payload) === e.payload && entryHash === e.hash;
  if (!step(entryOk, entryOk ? 'pc.entry.ok' : 'pc.entry.bad', { seq: Number(e.seq) })) return result;
  const leafIndex = Number(index[1]);
  if (!step(leafIndex === Number(e.seq) - 1, leafIndex === Number(e.seq) - 1 ? 'pc.leaf.ok' : 'pc.leaf.bad', { index: leafIndex })) return result;
  const hashBytes = new Uint8Array(/** @type {string} */ (e.hash).match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
  const leaf = await sha256(concat(Uint8Array.of(0), hashBytes));
  const included = await verifyInclusion(leafIndex, size, leaf, proof, root);
  if (!step(included, included ? 'pc.incl.ok' : 'pc.incl.bad')) return result;

  // The record the entry names.
  const r = extra.record;
  if (r) {
    const recordHash = toHex(await sha256(enc.encode(r.content)));
    const named = recordHash === r.contentHash && payload?.contentHash === r.contentHash && (payload?.recordId === r.id || (payload?.recordId === undefined && e.subject === `record:${r.id}`));
    if (!step(named, named ? 'pc.record.ok' : 'pc.record.bad', { hash: r.contentHash })) return result;
    try {
      result.facts = JSON.parse(r.content);
    } catch {
      result.facts = null;
    }
  }
  result.ok = true;
  return result;
}

export { toBase64 };
