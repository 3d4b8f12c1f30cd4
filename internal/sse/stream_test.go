package sse

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
)

func testStream(t testing.TB) *Stream {
	t.Helper()
	k, err := newObjectKey()
	if err != nil {
		t.Fatal(err)
	}
	return k.Object()
}

func encrypt(t testing.TB, s *Stream, pt []byte) []byte {
	t.Helper()
	r, err := s.EncryptReader(bytes.NewReader(pt))
	if err != nil {
		t.Fatal(err)
	}
	ct, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestSizes(t *testing.T) {
	s := testStream(t)
	for _, n := range []int{0, 1, 100, PackageSize - 1, PackageSize, PackageSize + 1, 3*PackageSize - 7, 3 * PackageSize, 5*PackageSize + 1} {
		ct := encrypt(t, s, randomBytes(n))
		if int64(len(ct)) != EncryptedSize(int64(n)) {
			t.Errorf("EncryptedSize(%d) = %d, actual %d", n, EncryptedSize(int64(n)), len(ct))
		}
		if d, err := DecryptedSize(int64(len(ct))); err != nil || d != int64(n) {
			t.Errorf("DecryptedSize(%d) = %d, %v; want %d", len(ct), d, err, n)
		}
	}
	for _, bad := range []int64{-1, 1, 32, encPackageSize + 32} {
		if _, err := DecryptedSize(bad); err == nil {
			t.Errorf("DecryptedSize(%d) accepted an impossible size", bad)
		}
	}
}

func TestRoundTripReaderAndWriter(t *testing.T) {
	s := testStream(t)
	pt := randomBytes(3*PackageSize + 12345)
	var buf bytes.Buffer
	w, err := s.EncryptWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for p := pt; len(p) > 0; p = p[min(len(p), 10007):] { // odd write sizes
		w.Write(p[:min(len(p), 10007)])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if int64(buf.Len()) != EncryptedSize(int64(len(pt))) {
		t.Fatalf("writer produced %d bytes", buf.Len())
	}
	r, _ := s.DecryptReader(bytes.NewReader(buf.Bytes()))
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("round trip failed: %v", err)
	}
	// Another key's stream does not decrypt.
	r, _ = testStream(t).DecryptReader(bytes.NewReader(buf.Bytes()))
	if _, err := io.ReadAll(r); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("wrong key: err = %v, want ErrCorrupt", err)
	}
}

func TestPartKeysDiffer(t *testing.T) {
	k, _ := newObjectKey()
	seen := map[[32]byte]bool{}
	for n := range 5 {
		seen[k.Part(n).key] = true
	}
	if len(seen) != 5 || *k.Part(3) != *k.Part(3) {
		t.Fatal("part keys are not distinct and deterministic")
	}
}

// countingReaderAt records the bytes read, to check that a range read only
// touches the packages it needs.
type countingReaderAt struct {
	r    io.ReaderAt
	read int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.read += int64(n)
	return n, err
}

func TestDecryptRange(t *testing.T) {
	s := testStream(t)
	const size = 4*PackageSize + 1000
	pt := randomBytes(size)
	ct := encrypt(t, s, pt)
	P := int64(PackageSize)
	type rng struct{ off, n int64 }
	ranges := []rng{
		{0, 0}, {0, 1}, {0, size}, {size - 1, 1}, {size, 0},
		{P - 1, 1}, {P - 1, 2}, {P, 1}, {P, P}, {P - 1, P + 2}, {P + 1, P - 2},
		{2*P - 5, 10}, {3 * P, P + 1000}, {4 * P, 1000}, {4*P - 1, 1001}, {123, 4*P + 17},
	}
	for i := range 40 { // and pseudo-random ones
		off := int64(i*7919*31) % size
		ranges = append(ranges, rng{off, int64(i*104729) % (size - off + 1)})
	}
	for _, r := range ranges {
		t.Run(fmt.Sprintf("%d+%d", r.off, r.n), func(t *testing.T) {
			src := &countingReaderAt{r: bytes.NewReader(ct)}
			dr, err := s.DecryptRange(src, size, r.off, r.n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(dr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, pt[r.off:r.off+r.n]) {
				t.Fatalf("range %d+%d: wrong bytes", r.off, r.n)
			}
			if r.n > 0 {
				packages := (r.off+r.n-1)/P - r.off/P + 1
				if limit := (packages + 1) * encPackageSize; src.read > limit {
					t.Fatalf("read %d encrypted bytes for %d packages", src.read, packages)
				}
			}
		})
	}
	if _, err := s.DecryptRange(bytes.NewReader(ct), size, size-1, 2); err == nil {
		t.Fatal("a range past the end was accepted")
	}
}

func TestTamperingDetected(t *testing.T) {
	s := testStream(t)
	const size = 3 * PackageSize
	pt := randomBytes(size)
	ct := encrypt(t, s, pt)
	P := int64(PackageSize)
	E := int64(encPackageSize)
	flipped := func(at int64) []byte {
		b := bytes.Clone(ct)
		b[at] ^= 0x80
		return b
	}
	swapped := bytes.Clone(ct)
	copy(swapped[0:E], ct[E:2*E])
	copy(swapped[E:2*E], ct[0:E])
	tests := []struct {
		name     string
		data     []byte
		off, n   int64
		corrupt  bool
		truncate bool
	}{
		{"flip in package 1, read package 1", flipped(E + 100), P, 10, true, false},
		{"flip in package 1, read package 0 only", flipped(E + 100), 0, P, false, false},
		{"flip a header byte", flipped(2*E + 3), 2 * P, 1, true, false},
		{"flip a tag byte", flipped(E - 1), 0, 1, true, false},
		{"packages swapped", swapped, 0, 1, true, false},
		{"last package dropped, read to end", ct[:2*E], 0, size, true, true},
		{"whole read of a stream cut mid-package", ct[:2*E+100], P, 2 * P, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dr, err := s.DecryptRange(bytes.NewReader(tc.data), size, tc.off, tc.n)
			if err == nil {
				_, err = io.ReadAll(dr)
			}
			if tc.corrupt && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			if !tc.corrupt && err != nil {
				t.Fatalf("untouched range failed: %v", err)
			}
		})
	}
	// A whole-stream read notices a dropped final package even at a package
	// boundary, thanks to DARE 2.0's final flag.
	r, _ := s.DecryptReader(bytes.NewReader(ct[:2*E]))
	if _, err := io.ReadAll(r); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated stream: err = %v, want ErrCorrupt", err)
	}
}

func TestReaderAcrossParts(t *testing.T) {
	k, _ := newObjectKey()
	sizes := []int64{5 << 20, PackageSize + 3, 1, 2 * PackageSize}
	var segs []Segment
	var whole []byte
	for i, size := range sizes {
		pt := randomBytes(int(size))
		whole = append(whole, pt...)
		part := i + 1
		segs = append(segs, Segment{Part: part, Size: size, Src: bytes.NewReader(encrypt(t, k.Part(part), pt))})
	}
	total := int64(len(whole))
	P := int64(PackageSize)
	for _, r := range [][2]int64{{0, total}, {0, 1}, {5<<20 - 1, 2}, {5 << 20, P + 4}, {5<<20 + P + 2, 3}, {total - 1, 1}, {1000, total - 2000}, {total, 0}} {
		rd, err := k.Reader(segs, r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rd)
		if err != nil || !bytes.Equal(got, whole[r[0]:r[0]+r[1]]) {
			t.Fatalf("range %d+%d across parts: %v", r[0], r[1], err)
		}
	}
	if _, err := k.Reader(segs, total-1, 2); err == nil {
		t.Fatal("range past the end accepted")
	}
	// A part decrypted under another part's key fails.
	segs[1].Part = 1
	rd, _ := k.Reader(segs, 5<<20, 10)
	if _, err := io.ReadAll(rd); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("part under the wrong key: err = %v", err)
	}
}

// TestWholeReadsRecycleBuffers: reading a small object whole reaches the
// stream's end, so sio's 64 KiB package buffer goes back to its pool instead
// of being allocated afresh for every GET.
func TestWholeReadsRecycleBuffers(t *testing.T) {
	s := testStream(t)
	pt := bytes.Repeat([]byte("p"), 4096)
	ct := encrypt(t, s, pt)
	read := func() {
		r, err := s.DecryptRange(bytes.NewReader(ct), int64(len(pt)), 0, int64(len(pt)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("read %d bytes, %v", len(got), err)
		}
	}
	read()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const reads = 200
	for range reads {
		read()
	}
	runtime.ReadMemStats(&after)
	if perRead := (after.TotalAlloc - before.TotalAlloc) / reads; perRead > 32<<10 {
		t.Errorf("a 4 KiB whole read allocates %d bytes: the package buffer is not recycled", perRead)
	}
}
