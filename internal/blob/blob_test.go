package blob

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func openStore(tb testing.TB) (*Store, string) {
	tb.Helper()
	dir := tb.TempDir()
	s, err := Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, dir
}

func randBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// put writes data as a blob in pieces of the given size and commits it.
func put(tb testing.TB, s *Store, data []byte, piece int) string {
	tb.Helper()
	w, err := s.Create()
	if err != nil {
		tb.Fatal(err)
	}
	for p := data; len(p) > 0; {
		n := min(piece, len(p))
		if m, err := w.Write(p[:n]); err != nil || m != n {
			tb.Fatalf("Write = %d, %v", m, err)
		}
		p = p[n:]
	}
	if w.Size() != int64(len(data)) {
		tb.Fatalf("Writer.Size = %d, want %d", w.Size(), len(data))
	}
	name, err := w.Commit()
	if err != nil {
		tb.Fatal(err)
	}
	return name
}

func blobPath(dir, name string) string { return filepath.Join(dir, name[:2], name) }

func TestRoundTrip(t *testing.T) {
	s, dir := openStore(t)
	tests := []struct {
		name  string
		size  int
		piece int
	}{
		{"empty", 0, 1},
		{"one byte", 1, 1},
		{"block-1", blockSize - 1, 1000},
		{"block", blockSize, blockSize},
		{"block+1", blockSize + 1, 7},
		{"chunk+1 in one write", chunkBlocks*blockSize + 1, 1 << 30},
		{"3 MiB random pieces", 3 << 20, 12345},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := randBytes(uint64(i), tt.size)
			name := put(t, s, data, tt.piece)
			st, err := os.Stat(blobPath(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if want := physicalSize(int64(tt.size), blockShift); st.Size() != want {
				t.Errorf("file size %d, want %d", st.Size(), want)
			}
			r, err := s.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Size() != int64(tt.size) {
				t.Fatalf("Size = %d, want %d", r.Size(), tt.size)
			}
			got, err := io.ReadAll(r.Section(0, r.Size()))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatal("Section(0, Size) differs from the data written")
			}
			var buf bytes.Buffer
			if _, err := io.Copy(&buf, r.Section(0, r.Size())); err != nil { // WriteTo
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), data) {
				t.Fatal("io.Copy of Section differs from the data written")
			}
			all := make([]byte, tt.size)
			if n, err := r.ReadAt(all, 0); n != tt.size || (err != nil && err != io.EOF) {
				t.Fatalf("ReadAt(all) = %d, %v", n, err)
			}
			if !bytes.Equal(all, data) {
				t.Fatal("ReadAt(all) differs from the data written")
			}
		})
	}
}

func TestReadAtRandom(t *testing.T) {
	s, _ := openStore(t)
	data := randBytes(42, 3<<20+777)
	r, err := s.Open(put(t, s, data, 100_000))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 500; i++ {
		off := rng.Int64N(int64(len(data)) + 10)
		n := rng.IntN(3 * blockSize)
		if i%5 == 0 {
			n = rng.IntN(20)
		}
		p := make([]byte, n)
		got, err := r.ReadAt(p, off)
		wantN := max(0, min(n, len(data)-int(off)))
		if got != wantN {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, want %d (%v)", n, off, got, wantN, err)
		}
		if got < n && err != io.EOF {
			t.Fatalf("short ReadAt(%d bytes at %d) returned %v, want io.EOF", n, off, err)
		}
		if got == n && err != nil && !(err == io.EOF && off+int64(n) == int64(len(data))) {
			t.Fatalf("ReadAt(%d bytes at %d): %v", n, off, err)
		}
		if !bytes.Equal(p[:got], data[off:off+int64(got)]) {
			t.Fatalf("ReadAt(%d bytes at %d) returned wrong bytes", n, off)
		}
		// The same range through Section, read in odd-sized pieces.
		sec := r.Section(off, int64(n))
		var out []byte
		tmp := make([]byte, 1+rng.IntN(70_000))
		for {
			m, err := sec.Read(tmp)
			out = append(out, tmp[:m]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(out, data[off:off+int64(got)]) {
			t.Fatalf("Section(%d, %d) returned wrong bytes", off, n)
		}
	}
	if _, err := r.ReadAt(make([]byte, 1), -1); err == nil {
		t.Fatal("ReadAt at a negative offset succeeded")
	}
}

func TestCorruption(t *testing.T) {
	size := 3*blockSize + 100
	data := randBytes(3, size)
	bs := int64(blockSize + crcSize)
	tests := []struct {
		name    string
		flipAt  int64 // file offset of the flipped byte
		open    bool  // the damage is found by Open
		readOff int64 // a read covering the damage
	}{
		{"magic", 0, true, 0},
		{"header size field", 9, true, 0},
		{"header checksum", 30, true, 0},
		{"first data byte", headerSize, false, 0},
		{"middle of block 1", headerSize + bs + 500, false, blockSize + 500},
		{"checksum of block 2", headerSize + 3*bs - 1, false, 2*blockSize + 10},
		{"last byte of the short last block", headerSize + 3*bs + 99, false, 3*blockSize + 99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := openStore(t)
			name := put(t, s, data, 1<<20)
			p := blobPath(dir, name)
			flip(t, p, tt.flipAt)
			r, err := s.Open(name)
			if tt.open {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Open = %v, want ErrCorrupt", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			buf := make([]byte, 10)
			if n, err := r.ReadAt(buf[:1], tt.readOff); !errors.Is(err, ErrCorrupt) || n != 0 {
				t.Fatalf("ReadAt covering the damage = %d, %v; want ErrCorrupt", n, err)
			}
			if _, err := io.ReadAll(r.Section(0, r.Size())); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("reading the whole Section: %v, want ErrCorrupt", err)
			}
			if _, err := io.Copy(io.Discard, r.Section(0, r.Size())); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("io.Copy of the Section: %v, want ErrCorrupt", err)
			}
			// Blocks that are intact still read fine.
			damaged := tt.readOff / blockSize
			other := (damaged + 1) % 4 * blockSize
			if _, err := r.ReadAt(buf, other); err != nil {
				t.Fatalf("ReadAt of intact block at %d: %v", other, err)
			}
			if !bytes.Equal(buf, data[other:other+10]) {
				t.Fatal("intact block returned wrong bytes")
			}
		})
	}
}

func flip(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestTruncated(t *testing.T) {
	data := randBytes(5, 2*blockSize+5)
	tests := []struct {
		name string
		size int64
	}{
		{"empty file", 0},
		{"half header", headerSize / 2},
		{"header only", headerSize},
		{"inside a block", headerSize + 1000},
		{"missing last checksum", physicalSize(int64(len(data)), blockShift) - 1},
		{"extended", physicalSize(int64(len(data)), blockShift) + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := openStore(t)
			name := put(t, s, data, 1<<20)
			if err := os.Truncate(blobPath(dir, name), tt.size); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Open(name); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
		})
	}

	// A file truncated while open fails its reads instead of returning
	// short data.
	s, dir := openStore(t)
	name := put(t, s, data, 1<<20)
	r, err := s.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := os.Truncate(blobPath(dir, name), headerSize+blockSize); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadAt(make([]byte, 10), 2*blockSize); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("ReadAt past the truncation = %v, want ErrCorrupt", err)
	}
}

func TestAbort(t *testing.T) {
	s, dir := openStore(t)
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(randBytes(1, 3*blockSize)); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	w.Abort() // harmless
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("Write after Abort succeeded")
	}
	if _, err := w.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	if files := listFiles(t, dir); len(files) != 0 {
		t.Fatalf("Abort left files: %q", files)
	}
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestOrphanTempsRemoved(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	keep := put(t, s, []byte("committed"), 100)
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("never committed"))
	// Simulate a crash: the writer is neither committed nor aborted.
	s.Close()
	if err := os.WriteFile(filepath.Join(dir, tmpDir, "stray"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entries, err := os.ReadDir(filepath.Join(dir, tmpDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("temp dir still holds %d files", len(entries))
	}
	r, err := s.Open(keep)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, _ := io.ReadAll(r.Section(0, r.Size())); string(got) != "committed" {
		t.Fatalf("committed blob reads %q", got)
	}
}

func TestBadNames(t *testing.T) {
	s, _ := openStore(t)
	name := put(t, s, []byte("x"), 1)
	bad := []string{
		"",
		"../" + name[3:],
		name[:31],
		name + "0",
		strings.ToUpper(name),
		"tmp/" + name[4:],
		"0123456789abcdef0123456789abcdeg",
		"..2345678/abcdef0123456789abcdef",
	}
	for _, n := range bad {
		if _, err := s.Open(n); err == nil {
			t.Errorf("Open(%q) succeeded", n)
		}
		if err := s.Remove(n); err == nil {
			t.Errorf("Remove(%q) succeeded", n)
		}
	}
	if err := s.Remove(name); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(name); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
	if _, err := s.Open(name); err == nil {
		t.Fatal("Open of a removed blob succeeded")
	}
}

func TestCommitTwice(t *testing.T) {
	s, _ := openStore(t)
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(); err == nil {
		t.Fatal("second Commit succeeded")
	}
	w.Abort() // no effect after Commit
}

func benchWrite(b *testing.B, size int) {
	s, _ := openStore(b)
	data := randBytes(1, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := s.Create()
		if err != nil {
			b.Fatal(err)
		}
		// Feed it in 32 KiB pieces, as io.Copy from a request body would.
		for p := data; len(p) > 0; {
			n := min(32<<10, len(p))
			if _, err := w.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		name, err := w.Commit()
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Remove(name)
		b.StartTimer()
	}
}

func BenchmarkBlobWrite1MiB(b *testing.B)  { benchWrite(b, 1<<20) }
func BenchmarkBlobWrite64MiB(b *testing.B) { benchWrite(b, 64<<20) }

func BenchmarkBlobReadAt1MiB(b *testing.B) {
	s, _ := openStore(b)
	const size = 64 << 20
	r, err := s.Open(put(b, s, randBytes(2, size), 1<<20))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	p := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		off := rng.Int64N(size - int64(len(p)))
		if _, err := r.ReadAt(p, off); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBlockCRC(t *testing.T) {
	// blockCRC is specified as CRC-32C over the little-endian index
	// followed by the data.
	for _, idx := range []uint64{0, 1, 255, 1 << 40, ^uint64(0)} {
		data := randBytes(idx, 1000)
		buf := binary.LittleEndian.AppendUint64(nil, idx)
		buf = append(buf, data...)
		if got, want := blockCRC(idx, data), crc32.Checksum(buf, castagnoli); got != want {
			t.Errorf("blockCRC(%d) = %08x, want %08x", idx, got, want)
		}
	}
}

func TestSectionNegativeOffset(t *testing.T) {
	s, _ := openStore(t)
	r, err := s.Open(put(t, s, []byte("data"), 4))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.ReadAll(r.Section(-1, 2)); err == nil {
		t.Fatal("Section at a negative offset read without error")
	}
	if got, err := io.ReadAll(r.Section(2, 100)); err != nil || string(got) != "ta" {
		t.Fatalf("Section past the end = %q, %v", got, err)
	}
	if got, err := io.ReadAll(r.Section(10, 1)); err != nil || len(got) != 0 {
		t.Fatalf("Section beyond the end = %q, %v", got, err)
	}
}

func TestConcurrentReadAt(t *testing.T) {
	s, _ := openStore(t)
	data := randBytes(9, 2<<20)
	r, err := s.Open(put(t, s, data, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			p := make([]byte, 100_000)
			for i := 0; i < 50; i++ {
				off := rng.Int64N(int64(len(data) - len(p)))
				if _, err := r.ReadAt(p, off); err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(p, data[off:off+int64(len(p))]) {
					t.Errorf("concurrent ReadAt at %d returned wrong bytes", off)
					return
				}
			}
		}()
	}
	wg.Wait()
}
