package keyring

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ferrystore/ferry/internal/meta"
)

// Options says where the root key comes from. The first one set wins:
// Base64, then Path, then DataDir/root.key (created on first start).
type Options struct {
	// Base64 is the key itself, typically the value of FERRY_ROOT_KEY.
	Base64 string
	// Path is a key file that must exist (for deployments that mount secrets).
	Path string
	// DataDir is the data directory; its root.key is the default.
	DataDir string
}

// OptionsFromEnv returns options for dataDir with Base64 taken from the
// FERRY_ROOT_KEY environment variable, if it is set.
func OptionsFromEnv(dataDir string) Options {
	return Options{Base64: os.Getenv(EnvVar), DataDir: dataDir}
}

// checkKey is the metadata row holding the sealed check value. It lives in
// KMS's table 'k', the table whose rows are sealed by the root key.
var checkKey = meta.NewKey('k').String("root-check")

// sealedPrefix covers every row whose contents are sealed by the root key.
var sealedPrefix = meta.NewKey('k')

const checkPurpose = "keyring/check"

var checkPlaintext = []byte("ferry root key check v1")

// Open loads the root key and verifies it against the metadata store.
//
//   - A store with a check value must open it with the key, else ErrMismatch.
//   - The default key file is created only for a store that holds no sealed
//     rows; a missing file next to sealed rows is ErrMissing.
//   - A store without a check value gets one, sealed under the key.
func Open(store meta.Store, opts Options) (*Key, error) {
	check, err := store.Get(checkKey)
	if err != nil && !errors.Is(err, meta.ErrNotFound) {
		return nil, fmt.Errorf("keyring: read check value: %w", err)
	}
	hasCheck := err == nil
	key, err := load(store, opts, hasCheck)
	if err != nil {
		return nil, err
	}
	if hasCheck {
		if _, err := key.Open(checkPurpose, check); err != nil {
			return nil, fmt.Errorf("%w %s: the key from %s does not open its check value; use the root key this directory was created with",
				ErrMismatch, dirName(opts), key.Source)
		}
		return key, nil
	}
	if sealed, err := hasSealedRows(store); err != nil {
		return nil, err
	} else if sealed {
		return nil, fmt.Errorf("%w %s: sealed key rows exist but no check value; refusing to guess whether the key from %s is right",
			ErrMismatch, dirName(opts), key.Source)
	}
	b := store.NewBatch()
	defer b.Close()
	b.Set(checkKey, key.Seal(checkPurpose, checkPlaintext))
	if err := b.Commit(); err != nil {
		return nil, fmt.Errorf("keyring: write check value: %w", err)
	}
	return key, nil
}

// load reads the key from the configured source, creating the default file
// only when the store has no check value (that is, no data sealed yet).
func load(store meta.Store, opts Options, hasCheck bool) (*Key, error) {
	switch {
	case opts.Base64 != "":
		return Decode(opts.Base64, EnvVar)
	case opts.Path != "":
		return readFile(opts.Path)
	case opts.DataDir == "":
		return nil, fmt.Errorf("keyring: no root key configured (set %s, a key file or a data directory)", EnvVar)
	}
	path := filepath.Join(opts.DataDir, FileName)
	key, err := readFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if hasCheck {
		return nil, fmt.Errorf("%w: %s does not exist but %s holds keys sealed by a root key; restore the file or set %s (a new key would make that data unreadable)",
			ErrMissing, path, opts.DataDir, EnvVar)
	}
	if sealed, err := hasSealedRows(store); err != nil {
		return nil, err
	} else if sealed {
		return nil, fmt.Errorf("%w: %s does not exist but %s holds sealed key rows", ErrMissing, path, opts.DataDir)
	}
	return createFile(path)
}

// readFile reads a base64 key file, refusing one that group or others can read.
func readFile(path string) (*Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: root key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("keyring: root key file %s has mode %v; it must not be accessible to group or others (chmod 600)", path, fi.Mode().Perm())
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: root key file: %w", err)
	}
	return Decode(string(text), path)
}

// createFile writes a new random key to path with mode 0600: to a temporary
// file first, synced, then linked into place so that a crash never leaves a
// half-written key and an existing key is never replaced.
func createFile(path string) (*Key, error) {
	key, text, err := Generate()
	if err != nil {
		return nil, err
	}
	key.Source = path
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".root.key-*")
	if err != nil {
		return nil, fmt.Errorf("keyring: create root key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("keyring: create root key: %w", err)
	}
	if _, err := tmp.WriteString(text + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("keyring: write root key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("keyring: sync root key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("keyring: close root key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("keyring: install root key: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return key, nil
}

// hasSealedRows reports whether the store holds any row of table 'k'.
func hasSealedRows(store meta.Store) (bool, error) {
	it, err := store.NewIterator(sealedPrefix, meta.PrefixEnd(sealedPrefix))
	if err != nil {
		return false, fmt.Errorf("keyring: scan key rows: %w", err)
	}
	found := it.First()
	if err := it.Close(); err != nil {
		return false, fmt.Errorf("keyring: scan key rows: %w", err)
	}
	return found, nil
}

func dirName(opts Options) string {
	if opts.DataDir == "" {
		return "(metadata store)"
	}
	return opts.DataDir
}
