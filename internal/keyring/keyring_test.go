package keyring

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/meta"
)

func TestSealOpen(t *testing.T) {
	k, _, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := Generate()
	sealed := k.Seal("kms/material/a/1", []byte("secret"))
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	tests := []struct {
		name    string
		key     *Key
		purpose string
		blob    []byte
		ok      bool
	}{
		{"same purpose", k, "kms/material/a/1", sealed, true},
		{"other purpose", k, "kms/material/a/2", sealed, false},
		{"other key", other, "kms/material/a/1", sealed, false},
		{"tampered", k, "kms/material/a/1", tampered, false},
		{"truncated", k, "kms/material/a/1", sealed[:10], false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := tc.key.Open(tc.purpose, tc.blob)
			if tc.ok && (err != nil || string(pt) != "secret") {
				t.Fatalf("Open = %q, %v", pt, err)
			}
			if !tc.ok && !errors.Is(err, ErrOpen) {
				t.Fatalf("Open err = %v, want ErrOpen", err)
			}
		})
	}
}

func TestOpenCreatesKeyFileOnce(t *testing.T) {
	dir := t.TempDir()
	store := meta.NewMemory()
	k1, err := Open(store, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("root key mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := Open(store, Options{DataDir: dir})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	sealed := k1.Seal("p", []byte("x"))
	if _, err := k2.Open("p", sealed); err != nil {
		t.Fatal("reopened key differs from the created one")
	}
}

func TestOpenRefusesWrongOrMissingKey(t *testing.T) {
	dir := t.TempDir()
	store := meta.NewMemory()
	if _, err := Open(store, Options{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(filepath.Join(dir, FileName))
	_, wrong, _ := Generate()

	t.Run("wrong key from environment", func(t *testing.T) {
		_, err := Open(store, Options{Base64: wrong, DataDir: dir})
		if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "root key does not match the data directory") {
			t.Fatalf("err = %v, want ErrMismatch", err)
		}
	})
	t.Run("right key from environment", func(t *testing.T) {
		if _, err := Open(store, Options{Base64: string(text), DataDir: dir}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong key file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "k")
		os.WriteFile(p, []byte(wrong), 0o600)
		if _, err := Open(store, Options{Path: p}); !errors.Is(err, ErrMismatch) {
			t.Fatalf("err = %v, want ErrMismatch", err)
		}
	})
	t.Run("missing default file", func(t *testing.T) {
		os.Remove(filepath.Join(dir, FileName))
		_, err := Open(store, Options{DataDir: dir})
		if !errors.Is(err, ErrMissing) {
			t.Fatalf("err = %v, want ErrMissing", err)
		}
		if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("a new root key file was created for a store with sealed data")
		}
	})
}

func TestOpenRefusesSealedRowsWithoutCheck(t *testing.T) {
	store := meta.NewMemory()
	b := store.NewBatch()
	b.Set(meta.NewKey('k').String("something sealed"), []byte("x"))
	b.Commit()
	if _, err := Open(store, Options{DataDir: t.TempDir()}); !errors.Is(err, ErrMissing) {
		t.Fatalf("err = %v, want ErrMissing", err)
	}
}

func TestReadFileRefusesOpenPermissions(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k")
	_, text, _ := Generate()
	os.WriteFile(p, []byte(text), 0o644)
	if _, err := Open(meta.NewMemory(), Options{Path: p}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("err = %v, want a permission error", err)
	}
}

func TestDecodeRejectsBadKeys(t *testing.T) {
	for _, s := range []string{"not base64!!", "AAAA"} {
		if _, err := Decode(s, "test"); err == nil {
			t.Errorf("Decode(%q) succeeded", s)
		}
	}
}
