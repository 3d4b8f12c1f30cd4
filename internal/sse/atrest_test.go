package sse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/meta/pebble"
)

// TestNothingInTheClearAtRest writes known (random, so incompressible)
// plaintext through sse and kms into a real data directory, as S3 would:
// large objects to blob files, small ones inline in metadata records, plus a
// KMS Encrypt. It then scans every file for the plaintext and for the keys
// that protect it, and must find none.
func TestNothingInTheClearAtRest(t *testing.T) {
	dir := t.TempDir()
	store, err := pebble.Open(filepath.Join(dir, "meta"), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, store, dir)
	k, err := f.kms.CreateKey(ctx, alice, region, kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	ck, _ := testCustomerKey(t, 9)
	requests := map[string]Request{
		"s3":        {Mode: ModeS3},
		"kms":       {Mode: ModeKMS, KMSKeyID: k.ID},
		"bucketkey": {Mode: ModeKMS, KMSKeyID: k.ID, BucketKey: true},
		"managed":   {Mode: ModeKMS},
		"ssec":      {Mode: ModeC, Customer: ck},
	}
	var needles [][]byte // must not appear in any file
	addWindows := func(b []byte) {
		for off := 0; off+32 <= len(b); off += max(len(b)/8, 32) {
			needles = append(needles, b[off:off+32])
		}
	}
	needles = append(needles, ck.key[:])
	for name, req := range requests {
		for _, size := range []int{10 << 10, 1<<20 + 77} { // inline and blob
			obj := Object{Bucket: "bucket", Key: fmt.Sprintf("%s/%d", name, size)}
			pt := randomBytes(size)
			addWindows(pt)
			key, env, err := f.sse.NewObject(ctx, alice, region, obj, req)
			if err != nil {
				t.Fatal(err)
			}
			needles = append(needles, key.key[:], key.Object().key[:])
			enc, _ := key.Object().EncryptReader(bytes.NewReader(pt))
			record := map[string]any{"env": env, "size": size}
			if size <= 128<<10 {
				record["inline"], _ = io.ReadAll(enc)
			} else {
				w, _ := blobs.Create()
				if _, err := io.Copy(w, enc); err != nil {
					t.Fatal(err)
				}
				record["blob"], err = w.Commit()
				if err != nil {
					t.Fatal(err)
				}
			}
			raw, _ := json.Marshal(record)
			b := store.NewBatch()
			b.Set(meta.NewKey('V').String(obj.Bucket).String(obj.Key), raw)
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
			b.Close()
			// Read it back the way S3 will: a range through blob.Reader.
			if name, ok := record["blob"].(string); ok {
				got := readBlobRange(t, f, blobs, name, obj, env, req.Customer, int64(size), 1000, 200000)
				if !bytes.Equal(got, pt[1000:201000]) {
					t.Fatal("range read through the blob store returned wrong bytes")
				}
			}
		}
	}
	secret := randomBytes(64)
	needles = append(needles, secret)
	out, err := f.kms.Encrypt(ctx, alice, region, k.ID, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	dk, err := f.kms.GenerateDataKey(ctx, alice, region, k.ID, kms.AES256, nil)
	if err != nil {
		t.Fatal(err)
	}
	needles = append(needles, dk.Plaintext)
	// A canary stored in the clear proves the scan would see a leak (the
	// metadata files do not hide record bytes, e.g. by compression).
	canary := randomBytes(64)
	b := store.NewBatch()
	b.Set(meta.NewKey('X').String("kms-blobs"), append(out.CiphertextBlob, dk.CiphertextBlob...))
	b.Set(meta.NewKey('X').String("canary"), canary)
	b.Commit()
	b.Close()
	rootText, _ := os.ReadFile(filepath.Join(dir, "root.key"))
	if err := blobs.Close(); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	files, canaries := 0, 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(data, canary) {
			canaries++
		}
		for i, n := range needles {
			if bytes.Contains(data, n) {
				t.Errorf("%s holds secret %d in the clear", path, i)
			}
		}
		if filepath.Base(path) != "root.key" && bytes.Contains(data, bytes.TrimSpace(rootText)) {
			t.Errorf("%s holds the root key", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if canaries == 0 {
		t.Fatal("the scan did not find the canary: it cannot see leaks")
	}
	t.Logf("scanned %d files for %d secrets; canary found in %d", files, len(needles), canaries)
}

func readBlobRange(t *testing.T, f *fixture, blobs *blob.Store, name string, obj Object, env *Envelope, ck *CustomerKey, size, off, n int64) []byte {
	t.Helper()
	br, err := blobs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	key, err := f.sse.OpenObject(ctx, alice, region, obj, env, ck)
	if err != nil {
		t.Fatal(err)
	}
	r, err := key.Object().DecryptRange(br, size, off, n)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
