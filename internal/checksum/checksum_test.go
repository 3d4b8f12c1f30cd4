package checksum

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"io"
	"math/rand"
	"net/http"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

func b64(alg Algorithm, data string) string {
	h := alg.New()
	h.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func TestKnownVectors(t *testing.T) {
	tests := []struct {
		alg  Algorithm
		data string
		want string
	}{
		{CRC32, "hello world", "DUoRhQ=="}, // as aws-sdk-go-v2 sends it
		{CRC32C, "hello world", "yZRlqg=="},
		{SHA1, "hello world", "Kq5sNclPz7QV2+lfQIuc6R7oRu0="},
		{SHA256, "hello world", b64raw("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")},
		{CRC32, "123456789", b64raw("cbf43926")},
		{CRC32C, "123456789", b64raw("e3069283")},
		{CRC64NVME, "123456789", b64raw("ae8b14860a799888")},
		{CRC32, "", "AAAAAA=="},
	}
	for _, tt := range tests {
		if got := b64(tt.alg, tt.data); got != tt.want {
			t.Errorf("%s(%q) = %s, want %s", tt.alg, tt.data, got, tt.want)
		}
	}
}

func b64raw(hexs string) string {
	raw, _ := hex.DecodeString(hexs)
	return base64.StdEncoding.EncodeToString(raw)
}

func TestParseAlgorithm(t *testing.T) {
	for in, want := range map[string]Algorithm{"crc32": CRC32, "Crc32C": CRC32C, "CRC64NVME": CRC64NVME, "sha1": SHA1, "SHA256": SHA256, "md5": "", "": ""} {
		got, ok := ParseAlgorithm(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseAlgorithm(%q) = %q %v", in, got, ok)
		}
	}
	if CRC64NVME.HeaderName() != "x-amz-checksum-crc64nvme" || SHA1.Lower() != "sha1" {
		t.Fatal("bad names")
	}
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestFromHeaders(t *testing.T) {
	tests := []struct {
		name    string
		h       http.Header
		alg     Algorithm
		value   string
		errCode string
		errMsg  string
	}{
		{"none", hdr("Content-Type", "x"), "", "", "", ""},
		{"crc32", hdr("X-Amz-Checksum-Crc32", "DUoRhQ==", "X-Amz-Checksum-Type", "FULL_OBJECT"), CRC32, "DUoRhQ==", "", ""},
		{"sdk algorithm agrees", hdr("X-Amz-Checksum-Crc32", "DUoRhQ==", "X-Amz-Sdk-Checksum-Algorithm", "CRC32"), CRC32, "DUoRhQ==", "", ""},
		{"declared only", hdr("X-Amz-Sdk-Checksum-Algorithm", "crc32c"), CRC32C, "", "", ""},
		{"bad base64", hdr("X-Amz-Checksum-Sha256", "!!!"), "", "", "InvalidRequest", "Value for x-amz-checksum-sha256 header is invalid."},
		{"bad length", hdr("X-Amz-Checksum-Crc32c", "AAAAAAAA"), "", "", "InvalidRequest", "Value for x-amz-checksum-crc32c header is invalid."},
		{"two", hdr("X-Amz-Checksum-Crc32", "DUoRhQ==", "X-Amz-Checksum-Crc32c", "yZRlqg=="), "", "", "InvalidRequest", aws.ErrMultipleChecksums().Message},
		{"unknown algorithm", hdr("X-Amz-Sdk-Checksum-Algorithm", "MD4"), "", "", "InvalidRequest", aws.ErrUnsupportedChecksumAlgorithm().Message},
		{"algorithm disagrees", hdr("X-Amz-Checksum-Crc32", "DUoRhQ==", "X-Amz-Checksum-Algorithm", "SHA1"), "", "", "InvalidRequest", "Value for x-amz-checksum-crc32 header is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alg, v, err := FromHeaders(tt.h)
			if tt.errCode != "" {
				e, ok := aws.As(err)
				if !ok || e.Code != tt.errCode || e.Message != tt.errMsg {
					t.Fatalf("err = %v, want %s %q", err, tt.errCode, tt.errMsg)
				}
				return
			}
			if err != nil || alg != tt.alg || v != tt.value {
				t.Fatalf("got %q %q %v", alg, v, err)
			}
		})
	}
}

func TestFromTrailerDeclaration(t *testing.T) {
	alg, ok := FromTrailerDeclaration(hdr("X-Amz-Trailer", "x-amz-checksum-crc64nvme"))
	if !ok || alg != CRC64NVME {
		t.Fatalf("got %q %v", alg, ok)
	}
}

func TestReader(t *testing.T) {
	data := "hello world"
	md5sum := md5.Sum([]byte(data))
	goodMD5 := base64.StdEncoding.EncodeToString(md5sum[:])
	otherMD5 := md5.Sum([]byte("other"))
	badMD5 := base64.StdEncoding.EncodeToString(otherMD5[:])
	tests := []struct {
		name     string
		opts     Options
		newErr   string
		readErr  string
		readMsg  string
		checkMD5 bool
	}{
		{name: "plain md5", opts: Options{MD5: true}, checkMD5: true},
		{name: "content-md5 ok", opts: Options{ContentMD5: goodMD5, Algorithm: CRC32, Expected: "DUoRhQ=="}, checkMD5: true},
		{name: "content-md5 invalid", opts: Options{ContentMD5: "abc"}, newErr: "InvalidDigest"},
		{name: "content-md5 wrong", opts: Options{ContentMD5: badMD5}, readErr: "BadDigest", readMsg: aws.ErrBadDigestMD5("", "").Message},
		{name: "checksum wrong", opts: Options{Algorithm: SHA256, Expected: b64(SHA256, "x")}, readErr: "BadDigest", readMsg: "The SHA256 you specified did not match the calculated checksum."},
		{name: "checksum invalid", opts: Options{Algorithm: CRC32, Expected: "AA=="}, newErr: "InvalidRequest"},
		{name: "trailer ok", opts: Options{Algorithm: CRC32C, ExpectedAtEOF: func() string { return "yZRlqg==" }}},
		{name: "trailer wrong", opts: Options{Algorithm: CRC32C, ExpectedAtEOF: func() string { return "AAAAAA==" }}, readErr: "BadDigest"},
		{name: "trailer missing", opts: Options{Algorithm: CRC64NVME, ExpectedAtEOF: func() string { return "" }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(data), tt.opts)
			if tt.newErr != "" {
				if !aws.IsCode(err, tt.newErr) {
					t.Fatalf("NewReader err = %v, want %s", err, tt.newErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if tt.readErr != "" {
				e, ok := aws.As(err)
				if !ok || e.Code != tt.readErr || (tt.readMsg != "" && e.Message != tt.readMsg) {
					t.Fatalf("read err = %v, want %s", err, tt.readErr)
				}
				if _, err2 := r.Read(make([]byte, 1)); err2 != err {
					t.Fatalf("error not sticky: %v", err2)
				}
				return
			}
			if err != nil || string(got) != data || r.Size() != int64(len(data)) {
				t.Fatalf("read %q %v size %d", got, err, r.Size())
			}
			if tt.checkMD5 && !bytes.Equal(r.MD5(), md5sum[:]) {
				t.Fatal("md5 differs")
			}
			if tt.opts.Algorithm != "" && r.Sum(tt.opts.Algorithm) != b64(tt.opts.Algorithm, data) {
				t.Fatal("sum differs")
			}
		})
	}
}

func TestBadDigestFields(t *testing.T) {
	other := md5.Sum([]byte("x"))
	r, _ := NewReader(strings.NewReader("hello"), Options{ContentMD5: base64.StdEncoding.EncodeToString(other[:])})
	_, err := io.ReadAll(r)
	e, _ := aws.As(err)
	real := md5.Sum([]byte("hello"))
	if e == nil || e.Field("ExpectedDigest") != hex.EncodeToString(other[:]) || e.Field("CalculatedDigest") != base64.StdEncoding.EncodeToString(real[:]) {
		t.Fatalf("bad fields: %+v", e)
	}
}

func TestReaderWriteTo(t *testing.T) {
	data := bytes.Repeat([]byte("abcdefgh"), 200000)
	r, _ := NewReader(bytes.NewReader(data), Options{MD5: true, Algorithm: CRC64NVME})
	var out bytes.Buffer
	n, err := io.Copy(&out, r)
	if err != nil || n != int64(len(data)) || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("copy %d %v", n, err)
	}
	if r.Sum(CRC64NVME) != b64(CRC64NVME, string(data)) {
		t.Fatal("crc64 differs")
	}
}

func TestCompositeAndETag(t *testing.T) {
	p1, p2 := md5.Sum([]byte("a")), md5.Sum([]byte("b"))
	cat := md5.Sum(append(p1[:], p2[:]...))
	if got, want := MultipartETag([][]byte{p1[:], p2[:]}), hex.EncodeToString(cat[:])+"-2"; got != want {
		t.Fatalf("etag %s want %s", got, want)
	}
	c1, c2 := SHA256.New(), SHA256.New()
	c1.Write([]byte("a"))
	c2.Write([]byte("b"))
	s1, s2 := c1.Sum(nil), c2.Sum(nil)
	want := b64(SHA256, string(s1)+string(s2)) + "-2"
	if got := Composite(SHA256, [][]byte{s1, s2}); got != want {
		t.Fatalf("composite %s want %s", got, want)
	}
}

func TestFullObjectCRC(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, alg := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		for _, sizes := range [][]int{{0}, {1, 1}, {5, 0, 7}, {1 << 20, 3, 65537}, {8192, 8192, 8192, 10}} {
			var whole []byte
			var parts []Part
			for _, n := range sizes {
				b := make([]byte, n)
				rng.Read(b)
				whole = append(whole, b...)
				h := alg.New()
				h.Write(b)
				parts = append(parts, Part{Checksum: h.Sum(nil), Size: int64(n)})
			}
			got, ok := FullObjectCRC(alg, parts)
			if !ok || base64.StdEncoding.EncodeToString(got) != b64(alg, string(whole)) {
				t.Errorf("%s %v: combined %x differs", alg, sizes, got)
			}
		}
	}
	if _, ok := FullObjectCRC(SHA1, nil); ok {
		t.Fatal("SHA1 is not combinable")
	}
}
