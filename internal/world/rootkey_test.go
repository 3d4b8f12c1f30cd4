package world

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/keyring"
)

// TestRootKeyCheckedAtStart: a world refuses to start with another root key
// or without its key file, and never replaces a lost key silently.
func TestRootKeyCheckedAtStart(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RootKey: keyring.Options{DataDir: dir}}
	w, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	_, other, _ := keyring.Generate()
	wrong := cfg
	wrong.RootKey = keyring.Options{Base64: other}
	if _, err := Open(wrong); !errors.Is(err, keyring.ErrMismatch) || !strings.Contains(err.Error(), "root key does not match the data directory") {
		t.Fatalf("wrong key: err = %v", err)
	}
	if w, err = Open(cfg); err != nil {
		t.Fatalf("reopen with the right key: %v", err)
	}
	w.Close()
	os.Remove(filepath.Join(dir, keyring.FileName))
	if _, err := Open(cfg); !errors.Is(err, keyring.ErrMissing) {
		t.Fatalf("missing key file: err = %v", err)
	}
}
