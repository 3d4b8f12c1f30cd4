// Package blob keeps object bytes in files under the data directory. Files
// are written under a temporary name, synced and renamed into place, so a
// crash never exposes a partial blob; all paths go through an os.Root so no
// name can escape the directory.
package blob

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

const tmpDir = "tmp"

// ErrCorrupt reports stored bytes that fail their integrity check.
var ErrCorrupt = errors.New("blob: stored data failed its integrity check")

// Store is a directory of immutable blobs.
type Store struct {
	root *os.Root
}

// Open opens (creating if needed) the blob directory and removes temporary
// files left behind by a crash.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(path.Join(dir, tmpDir), 0o700); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", dir, err)
	}
	s := &Store{root: root}
	if err := s.removeTemps(); err != nil {
		root.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the directory.
func (s *Store) Close() error { return s.root.Close() }

func (s *Store) removeTemps() error {
	f, err := s.root.Open(tmpDir)
	if err != nil {
		return fmt.Errorf("blob: open temp dir: %w", err)
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("blob: list temp dir: %w", err)
	}
	for _, n := range names {
		if err := s.root.Remove(path.Join(tmpDir, n)); err != nil {
			return fmt.Errorf("blob: remove orphan %s: %w", n, err)
		}
	}
	return nil
}

func newName() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// location spreads blobs over 256 subdirectories.
func location(name string) string { return path.Join(name[:2], name) }

// Writer writes one new blob.
type Writer struct {
	s    *Store
	f    *os.File
	name string
	size int64
	done bool
}

// Create starts a new blob.
func (s *Store) Create() (*Writer, error) {
	name := newName()
	f, err := s.root.OpenFile(path.Join(tmpDir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("blob: create: %w", err)
	}
	return &Writer{s: s, f: f, name: name}, nil
}

// Write appends p to the blob.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.size += int64(n)
	return n, err
}

// Size is the number of bytes written so far.
func (w *Writer) Size() int64 { return w.size }

// Commit syncs the blob and moves it into place; it returns the blob's name.
func (w *Writer) Commit() (string, error) {
	if w.done {
		return "", fmt.Errorf("blob: commit after close")
	}
	w.done = true
	if err := w.f.Sync(); err != nil {
		w.f.Close()
		w.s.root.Remove(path.Join(tmpDir, w.name))
		return "", fmt.Errorf("blob: sync: %w", err)
	}
	if err := w.f.Close(); err != nil {
		w.s.root.Remove(path.Join(tmpDir, w.name))
		return "", fmt.Errorf("blob: close: %w", err)
	}
	loc := location(w.name)
	if err := w.s.root.MkdirAll(path.Dir(loc), 0o700); err != nil {
		return "", fmt.Errorf("blob: mkdir: %w", err)
	}
	if err := w.s.root.Rename(path.Join(tmpDir, w.name), loc); err != nil {
		return "", fmt.Errorf("blob: rename: %w", err)
	}
	if err := w.s.syncDir(path.Dir(loc)); err != nil {
		return "", err
	}
	return w.name, nil
}

// Abort discards the blob.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	w.s.root.Remove(path.Join(tmpDir, w.name))
}

func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob: sync dir: %w", err)
	}
	return nil
}

// Reader reads one blob.
type Reader struct {
	f    *os.File
	size int64
}

// Open opens a committed blob.
func (s *Store) Open(name string) (*Reader, error) {
	if !validName(name) {
		return nil, fmt.Errorf("blob: bad name %q", name)
	}
	f, err := s.root.Open(location(name))
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: stat %s: %w", name, err)
	}
	return &Reader{f: f, size: st.Size()}, nil
}

// ReadAt implements io.ReaderAt.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) { return r.f.ReadAt(p, off) }

// Size is the blob's length in bytes.
func (r *Reader) Size() int64 { return r.size }

// Section returns a reader over n bytes starting at off.
func (r *Reader) Section(off, n int64) io.Reader { return io.NewSectionReader(r, off, n) }

// Close releases the blob.
func (r *Reader) Close() error { return r.f.Close() }

// Remove deletes a blob; a missing blob is not an error.
func (s *Store) Remove(name string) error {
	if !validName(name) {
		return fmt.Errorf("blob: bad name %q", name)
	}
	err := s.root.Remove(location(name))
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("blob: remove %s: %w", name, err)
	}
	return nil
}

func validName(name string) bool {
	return len(name) == 32 && strings.Trim(name, "0123456789abcdef") == ""
}
