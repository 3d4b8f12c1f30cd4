package sse

import (
	"bytes"
	"io"
	"testing"
)

// The throughput benchmarks move 64 MiB per operation; compare the MB/s of
// Encrypt and Decrypt with PlainCopy (the same copy without encryption).
const benchSize = 64 << 20

// sink stands for the destination (a socket or file): it copies what it is
// given, so that every benchmark pays for moving the bytes once.
type sink struct{ buf [128 << 10]byte }

func (s *sink) Write(p []byte) (int, error) {
	for q := p; len(q) > 0; q = q[copy(s.buf[:], q):] {
	}
	return len(p), nil
}

// onlyReader hides bytes.Reader's WriteTo, so the plain copy goes through
// a buffer as a real stream does.
type onlyReader struct{ io.Reader }

func BenchmarkPlainCopy64MiB(b *testing.B) {
	pt := randomBytes(benchSize)
	b.SetBytes(benchSize)
	buf := make([]byte, PackageSize)
	for b.Loop() {
		io.CopyBuffer(&sink{}, onlyReader{bytes.NewReader(pt)}, buf)
	}
}

func BenchmarkEncrypt64MiB(b *testing.B) {
	s := testStream(b)
	pt := randomBytes(benchSize)
	b.SetBytes(benchSize)
	for b.Loop() {
		r, _ := s.EncryptReader(bytes.NewReader(pt))
		if _, err := io.Copy(&sink{}, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt64MiB(b *testing.B) {
	s := testStream(b)
	ct := encrypt(b, s, randomBytes(benchSize))
	b.SetBytes(benchSize)
	for b.Loop() {
		r, _ := s.DecryptRange(bytes.NewReader(ct), benchSize, 0, benchSize)
		if _, err := io.Copy(&sink{}, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecryptRange1MiB reads 1 MiB from the middle of a 64 MiB object.
func BenchmarkDecryptRange1MiB(b *testing.B) {
	s := testStream(b)
	ct := encrypt(b, s, randomBytes(benchSize))
	b.SetBytes(1 << 20)
	for b.Loop() {
		r, _ := s.DecryptRange(bytes.NewReader(ct), benchSize, benchSize/2+12345, 1<<20)
		if _, err := io.Copy(&sink{}, r); err != nil {
			b.Fatal(err)
		}
	}
}
