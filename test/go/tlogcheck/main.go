// Interoperability check (issue 19): Go's own transparency-log code — golang.org/x/mod/sumdb/note
// for the signed note, golang.org/x/mod/sumdb/tlog for the tree — verifies Tachiai's checkpoint,
// proofs and tree. Built with Debian's golang-go and golang-golang-x-mod-dev, offline:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run test/go/tlogcheck/main.go < input.json
//
// The input (written by test/journal/go-interop.test.ts) names the log's vkey, a signed
// checkpoint, the journal's entry hashes, inclusion and consistency proofs. Every check that
// fails is printed and the exit status is 1; "OK" and 0 otherwise.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index    int64    `json:"index"`
	Size     int64    `json:"size"`
	LeafHash string   `json:"leafHash"`
	RootHash string   `json:"rootHash"`
	Proof    []string `json:"proof"`
}

type consistency struct {
	From     int64    `json:"from"`
	To       int64    `json:"to"`
	FromRoot string   `json:"fromRoot"`
	ToRoot   string   `json:"toRoot"`
	Proof    []string `json:"proof"`
}

type input struct {
	Vkey        string        `json:"vkey"`
	Checkpoint  string        `json:"checkpoint"`
	EntryHashes []string      `json:"entryHashes"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
}

var failed = false

func fail(format string, args ...interface{}) {
	failed = true
	fmt.Printf("FAIL: "+format+"\n", args...)
}

func hash(b64 string) tlog.Hash {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != tlog.HashSize {
		fail("not a base64 hash: %q", b64)
		return h
	}
	copy(h[:], b)
	return h
}

func hashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		out[i] = hash(s)
	}
	return out
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Println("FAIL: input:", err)
		os.Exit(1)
	}

	// The signed note, with sumdb/note and the log's vkey.
	verifier, err := note.NewVerifier(in.Vkey)
	if err != nil {
		fail("vkey: %v", err)
	}
	var size int64
	var root tlog.Hash
	if verifier != nil {
		n, err := note.Open([]byte(in.Checkpoint), note.VerifierList(verifier))
		if err != nil {
			fail("note.Open: %v", err)
		} else {
			lines := strings.Split(n.Text, "\n")
			if len(lines) < 4 || lines[0] != verifier.Name() {
				fail("checkpoint origin %q is not the key's name %q", lines[0], verifier.Name())
			} else {
				size, err = strconv.ParseInt(lines[1], 10, 64)
				if err != nil {
					fail("checkpoint size: %v", err)
				}
				root = hash(lines[2])
			}
		}
	}

	// The tree recomputed by sumdb/tlog: a record is the 32 raw bytes of a journal entry's hash
	// (tlog.RecordHash(data) = SHA-256(0x00 ‖ data), RFC 6962 / RFC 9162 leaf hashing).
	var storage []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = storage[x]
		}
		return out, nil
	})
	for i, hx := range in.EntryHashes {
		data, err := hex.DecodeString(hx)
		if err != nil || len(data) != 32 {
			fail("entry hash %d: %q", i+1, hx)
			continue
		}
		stored, err := tlog.StoredHashes(int64(i), data, reader)
		if err != nil {
			fail("StoredHashes: %v", err)
		}
		storage = append(storage, stored...)
	}
	if size > 0 && size <= int64(len(in.EntryHashes)) {
		th, err := tlog.TreeHash(size, reader)
		if err != nil {
			fail("TreeHash: %v", err)
		} else if th != root {
			fail("the checkpoint's root %v is not the root of the journal's first %d entries, %v", root, size, th)
		}
	} else {
		fail("the checkpoint's size %d is not within the %d entries given", size, len(in.EntryHashes))
	}

	for _, p := range in.Inclusion {
		if err := tlog.CheckRecord(tlog.RecordProof(hashes(p.Proof)), p.Size, hash(p.RootHash), p.Index, hash(p.LeafHash)); err != nil {
			fail("inclusion of %d in %d: %v", p.Index, p.Size, err)
		}
		if p.Size <= int64(len(in.EntryHashes)) {
			if th, err := tlog.TreeHash(p.Size, reader); err != nil || th != hash(p.RootHash) {
				fail("root of %d: %v / %v", p.Size, th, err)
			}
		}
	}
	for _, p := range in.Consistency {
		if err := tlog.CheckTree(tlog.TreeProof(hashes(p.Proof)), p.To, hash(p.ToRoot), p.From, hash(p.FromRoot)); err != nil {
			fail("consistency %d → %d: %v", p.From, p.To, err)
		}
	}
	if failed {
		os.Exit(1)
	}
	fmt.Printf("OK: note verified by %s; tree of %d entries; %d inclusion and %d consistency proofs\n", in.Vkey, size, len(in.Inclusion), len(in.Consistency))
}
