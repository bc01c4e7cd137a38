// The journal's Merkle tree and C2SP notes against published vectors (issue 19):
//   - RFC 9162 / RFC 6962 tree hashes, inclusion and consistency proofs: the vectors of
//     github.com/transparency-dev/merkle — testonly/constants.go (LeafInputs, NodeHashes,
//     RootHashes) and proof/verify_test.go (inclusionProofs, consistencyProofs);
//   - the leaf hash of "hello world": golang.org/x/mod/sumdb/tlog note_test.go (TestFormatTree);
//   - a signed note and its verifier key: the example of c2sp.org/signed-note ("Example"),
//     which golang.org/x/mod/sumdb/note's tests also use.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CompactRange, consistencyProof, EMPTY_ROOT, inclusionProof, leafHash, nodeHash, treeRoot, verifyConsistency, verifyInclusion, type NodeReader } from '../../server/journal/tlog.js';
import { formatCheckpoint, hasValidSignature, NoteError, parseCheckpoint, parseNote, parseVkey, signNote, verifierFor } from '../../server/journal/note.js';

const hx = (s: string) => Buffer.from(s, 'hex');
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hx);
const leafHashOfInput = (d: Buffer) => crypto.createHash('sha256').update(Buffer.of(0)).update(d).digest();
// transparency-dev/merkle testonly/constants.go RootHashes(), by tree size 0…8.
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// proof/verify_test.go inclusionProofs: {leaf (1-based), size, proof}.
const INCLUSION: Array<[number, number, string[]]> = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [3, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [2, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];
// proof/verify_test.go consistencyProofs: {size1, size2, proof}.
const CONSISTENCY: Array<[number, number, string[]]> = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];

/** A reader of complete subtrees computed from the leaves directly (the reference: MTH by recursion). */
function readerOver(leaves: Buffer[]): NodeReader {
  const mth = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return leaves[lo]!;
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    return nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  };
  return (level, index) => {
    const lo = index * 2 ** level;
    const hi = lo + 2 ** level;
    if (hi > leaves.length) throw new Error(`node ${level}/${index} is not complete in ${leaves.length} leaves`);
    return mth(lo, hi);
  };
}

const leaves = LEAF_INPUTS.map(leafHashOfInput);

describe('RFC 9162 Merkle tree (transparency-dev/merkle vectors)', () => {
  it('leaf and node hashes, and the empty tree', () => {
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    // golang.org/x/mod/sumdb/tlog: RecordHash("hello world") in TestFormatTree's golden checkpoint.
    expect(leafHash(Buffer.from('hello world')).toString('base64')).toBe('TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=');
    expect(EMPTY_ROOT.toString('hex')).toBe(ROOTS[0]);
  });

  it('roots of every size 0…8, from stored nodes and from a compact range', () => {
    const range = new CompactRange();
    for (let n = 0; n <= 8; n++) {
      const read = readerOver(leaves.slice(0, n));
      expect(treeRoot(n, read).toString('hex'), `size ${n}`).toBe(ROOTS[n]);
      expect(range.root().toString('hex')).toBe(ROOTS[n]);
      if (n < 8) range.append(leaves[n]!);
    }
  });

  it('inclusion proofs: produced equal to the vectors, and verified; tampering fails', () => {
    for (const [leaf, size, proofHex] of INCLUSION) {
      const read = readerOver(leaves.slice(0, size));
      const proof = inclusionProof(leaf - 1, size, read);
      expect(proof.map((h) => h.toString('hex'))).toEqual(proofHex);
      const root = hx(ROOTS[size]!);
      expect(verifyInclusion(leaf - 1, size, leaves[leaf - 1]!, proof, root)).toBe(true);
      expect(verifyInclusion(leaf - 1, size, leaves[(leaf) % 8]!, proof, root)).toBe(false);
      expect(verifyInclusion(leaf - 1, size * 2, leaves[leaf - 1]!, proof, root)).toBe(false);
      if (proof.length > 0) {
        const bad = proof.map((h) => Buffer.from(h));
        bad[0]![0]! ^= 8;
        expect(verifyInclusion(leaf - 1, size, leaves[leaf - 1]!, bad, root)).toBe(false);
        expect(verifyInclusion(leaf - 1, size, leaves[leaf - 1]!, proof.slice(0, -1), root)).toBe(false);
        expect(verifyInclusion(leaf - 1, size, leaves[leaf - 1]!, [...proof, root], root)).toBe(false);
      }
    }
    expect(verifyInclusion(0, 0, leaves[0]!, [], EMPTY_ROOT)).toBe(false);
    expect(() => inclusionProof(8, 8, readerOver(leaves))).toThrow(RangeError);
  });

  it('consistency proofs: produced equal to the vectors, and verified; tampering fails', () => {
    for (const [from, to, proofHex] of CONSISTENCY) {
      const proof = consistencyProof(from, to, readerOver(leaves.slice(0, to)));
      expect(proof.map((h) => h.toString('hex')), `${from}→${to}`).toEqual(proofHex);
      const [r1, r2] = [hx(ROOTS[from]!), hx(ROOTS[to]!)];
      expect(verifyConsistency(from, to, r1, r2, proof)).toBe(true);
      if (proof.length > 0) {
        expect(verifyConsistency(from, to, r2, r1, proof)).toBe(false);
        expect(verifyConsistency(from, to, r1, r2, proof.slice(0, -1))).toBe(false);
        expect(verifyConsistency(from + 1, to, r1, r2, proof)).toBe(false);
        expect(verifyConsistency(from, to, r1, r2, [proof[0]!, ...proof])).toBe(false);
        const bad = proof.map((h) => Buffer.from(h));
        bad[bad.length - 1]![0]! ^= 16;
        expect(verifyConsistency(from, to, r1, r2, bad)).toBe(false);
      }
    }
    expect(verifyConsistency(2, 1, hx(ROOTS[2]!), hx(ROOTS[1]!), [])).toBe(false);
    expect(verifyConsistency(3, 3, hx(ROOTS[3]!), hx(ROOTS[4]!), [])).toBe(false);
    expect(() => consistencyProof(0, 3, readerOver(leaves))).toThrow(RangeError);
    expect(() => consistencyProof(4, 3, readerOver(leaves))).toThrow(RangeError);
  });

  it('every inclusion and consistency proof of every size up to 70 verifies (against the recursive reference)', () => {
    const many = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
    const read = readerOver(many);
    for (let n = 1; n <= 70; n++) {
      const root = treeRoot(n, read);
      for (let i = 0; i < n; i++) expect(verifyInclusion(i, n, many[i]!, inclusionProof(i, n, read), root)).toBe(true);
      for (let m = 1; m <= n; m++) expect(verifyConsistency(m, n, treeRoot(m, read), root, consistencyProof(m, n, read))).toBe(true);
    }
  });
});

describe('C2SP signed notes and checkpoints', () => {
  it('verifies the c2sp.org/signed-note example with its vkey, and refuses it altered', () => {
    const vkey = parseVkey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
    const note = parseNote('This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n');
    expect(note.text).toBe('This is an example message.\n');
    expect(hasValidSignature(note, vkey)).toBe(true);
    expect(hasValidSignature({ ...note, text: 'This is an example massage.\n' }, vkey)).toBe(false);
    expect(() => parseVkey('example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k')).toThrow(/does not match/);
    expect(() => parseVkey('example.com/foo+530d903a')).toThrow();
  });

  it('signs a checkpoint whose key ID is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4], and reads it back', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    const origin = 'tachiai/test-site/journal';
    const root = hx(ROOTS[8]!);
    const signed = signNote(formatCheckpoint({ origin, size: 8, root }), origin, privateKey);
    expect(signed).toBe(`${origin}\n8\n${root.toString('base64')}\n\n— ${origin} ${signed.split(' ').pop()}`);
    const v = verifierFor(origin, publicKey);
    const raw = Buffer.from((publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
    expect(v.keyId).toEqual(crypto.createHash('sha256').update(Buffer.concat([Buffer.from(origin), Buffer.of(0x0a, 0x01), raw])).digest().subarray(0, 4));
    expect(parseVkey(v.vkey).keyId).toEqual(v.keyId);
    const note = parseNote(signed);
    expect(hasValidSignature(note, parseVkey(v.vkey))).toBe(true);
    expect(parseCheckpoint(note.text)).toEqual({ origin, size: 8, root });
    // Another key with the same name is not the log's key.
    expect(hasValidSignature(note, verifierFor(origin, crypto.generateKeyPairSync('ed25519').publicKey))).toBe(false);
  });

  it('reads a vkey whose base64 key holds "+" (only the name and the ID are split off)', () => {
    let v = verifierFor('tachiai/x/journal', crypto.generateKeyPairSync('ed25519').publicKey);
    while (v.vkey.split('+').length === 3) v = verifierFor('tachiai/x/journal', crypto.generateKeyPairSync('ed25519').publicKey);
    expect(parseVkey(v.vkey).keyId).toEqual(v.keyId);
  });

  it('refuses malformed notes and checkpoints', () => {
    expect(() => parseNote('no signatures\n')).toThrow(NoteError);
    expect(() => parseNote('text\n\n— name notbase64!\n')).toThrow(NoteError);
    expect(() => parseNote('text\x01\n\n— name AAAAAAA=\n')).toThrow(NoteError);
    expect(() => parseCheckpoint('origin\n012\nAAAA\n')).toThrow(NoteError);
    expect(() => parseCheckpoint(`origin\n1e3\n${EMPTY_ROOT.toString('base64')}\n`)).toThrow(NoteError);
    expect(() => parseCheckpoint(`origin\n99999999999999999999\n${EMPTY_ROOT.toString('base64')}\n`)).toThrow(NoteError);
    expect(() => parseCheckpoint('origin\n5\n')).toThrow(NoteError);
    expect(parseCheckpoint(`o\n0\n${EMPTY_ROOT.toString('base64')}\n`).size).toBe(0);
  });
});
