package checksum

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"io"
	"math/rand"
	"runtime"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
)

func TestLargeBodiesHashMD5Aside(t *testing.T) {
	body := make([]byte, 3*asyncAfter+12345)
	rand.New(rand.NewSource(1)).Read(body)
	sum := md5.Sum(body)
	good := base64.StdEncoding.EncodeToString(sum[:])
	bad := base64.StdEncoding.EncodeToString(make([]byte, md5.Size))
	tests := []struct {
		name       string
		contentMD5 string
		wantErr    string
	}{
		{"no Content-MD5", "", ""},
		{"right Content-MD5", good, ""},
		{"wrong Content-MD5", bad, "BadDigest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr, err := NewReader(bytes.NewReader(body), Options{MD5: true, ContentMD5: tt.contentMD5, Algorithm: CRC32C})
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.Copy(io.Discard, cr)
			if tt.wantErr != "" {
				if !aws.IsCode(err, tt.wantErr) {
					t.Fatalf("err %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cr.MD5(), sum[:]) {
				t.Fatalf("MD5 %x, want %x", cr.MD5(), sum)
			}
		})
	}
}

// TestMD5MidStream: asking for the digest part way and reading on keeps the
// digest right (the background hash is caught up and restarted).
func TestMD5MidStream(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), (3*asyncAfter)/16)
	cr, err := NewReader(bytes.NewReader(body), Options{MD5: true})
	if err != nil {
		t.Fatal(err)
	}
	half := make([]byte, 2*asyncAfter)
	for off := 0; off < len(half); off += 1 << 20 { // small reads: MD5 moves aside
		if _, err := io.ReadFull(cr, half[off:off+1<<20]); err != nil {
			t.Fatal(err)
		}
	}
	if cr.async == nil {
		t.Fatal("MD5 did not move to its goroutine")
	}
	if want := md5.Sum(half); !bytes.Equal(cr.MD5(), want[:]) {
		t.Fatal("mid-stream MD5 differs")
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		t.Fatal(err)
	}
	if want := md5.Sum(body); !bytes.Equal(cr.MD5(), want[:]) {
		t.Fatal("final MD5 differs")
	}
}

// TestAbandonedReaderStopsItsGoroutine: an upload dropped half way leaves
// no goroutine behind once the reader is collected.
func TestAbandonedReaderStopsItsGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		cr, err := NewReader(bytes.NewReader(make([]byte, 2*asyncAfter)), Options{MD5: true})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1<<20)
		for range asyncAfter>>20 + 2 { // past asyncAfter: the goroutine runs; then drop cr
			io.ReadFull(cr, buf)
		}
		if cr.async == nil {
			t.Fatal("MD5 did not move to its goroutine")
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines, %d before", n, before)
	}
}
