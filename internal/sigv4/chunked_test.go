package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"hash"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// sha256Hasher adapts crypto/sha256 to the hasher minio-go's signer wants.
type sha256Hasher struct{ hash.Hash }

func (sha256Hasher) Close() {}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(b)
	return b
}

// minioStreaming returns the wire form of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD
// (or -TRAILER when trailer is set) request signed by minio-go.
func minioStreaming(t testing.TB, data []byte, trailer http.Header) []byte {
	t.Helper()
	r := newClientRequest(t, "PUT", "http://s3.example.com/bucket/object", nil, nil)
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.Trailer = trailer
	r = signer.StreamingSignV4(r, testAKID, testSecret, "", testRegion, int64(len(data)), testTime, sha256Hasher{sha256.New()})
	return wireBytes(t, r)
}

func wireBytes(t testing.TB, r *http.Request) []byte {
	t.Helper()
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		t.Fatal(err)
	}
	return wire.Bytes()
}

func verifyAndRead(t testing.TB, wire []byte) (*Result, []byte, error) {
	t.Helper()
	v, _ := newVerifier()
	res, err := v.Verify(parseWire(t, wire))
	if err != nil {
		return nil, nil, err
	}
	got, err := readBody(t, res)
	return res, got, err
}

var chunkSizes = []int{0, 1, 8192, 65536, 65537, 200000}

func TestStreamingSigned(t *testing.T) {
	for _, n := range chunkSizes {
		data := randomBytes(n)
		res, got, err := verifyAndRead(t, minioStreaming(t, data, nil))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: %v (got %d bytes)", n, err, len(got))
		}
		if res.DecodedLength != int64(n) {
			t.Fatalf("decoded length %d", res.DecodedLength)
		}
	}
}

func TestStreamingSignedTrailer(t *testing.T) {
	for _, n := range chunkSizes {
		data := randomBytes(n)
		trailer := http.Header{"x-amz-checksum-crc32": {"AAAAAA=="}}
		res, got, err := verifyAndRead(t, minioStreaming(t, data, trailer))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: %v", n, err)
		}
		if res.Trailer.Get("X-Amz-Checksum-Crc32") != "AAAAAA==" {
			t.Fatalf("trailer %v", res.Trailer)
		}
	}
}

func TestStreamingUnsignedTrailer(t *testing.T) {
	for _, n := range chunkSizes {
		data := randomBytes(n)
		r := newClientRequest(t, "PUT", "http://s3.example.com/bucket/object", data, nil)
		r.Header.Set("X-Amz-Content-Sha256", streamingUnsignedTrailer) // minio-go's client sets it before signing
		trailer := http.Header{"x-amz-checksum-crc32c": {"yZRlqg=="}}
		r = signer.SignV4Trailer(*r, testAKID, testSecret, "", testRegion, trailer)
		wire := wireBytes(t, r)
		v := &Verifier{Lookup: testLookup} // real clock: minio signs with time.Now
		res, err := v.Verify(parseWire(t, wire))
		if err != nil {
			t.Fatalf("size %d: %v", n, err)
		}
		got, err := readBody(t, res)
		if err != nil || !bytes.Equal(got, data) || res.Trailer.Get("X-Amz-Checksum-Crc32c") != "yZRlqg==" {
			t.Fatalf("size %d: %v %v", n, err, res.Trailer)
		}
	}
}

// sdkUnsignedTrailerWire is what aws-sdk-go-v2 sends over HTTPS, with the
// outer framing chosen by the caller.
func sdkUnsignedTrailerWire(t testing.TB, body string, outerChunked bool) []byte {
	r := newClientRequest(t, "PUT", "http://s3.example.com/bucket/k", nil, map[string]string{
		"Content-Encoding":     "aws-chunked",
		"X-Amz-Trailer":        "x-amz-checksum-crc32",
		"X-Amz-Content-Sha256": streamingUnsignedTrailer,
	})
	r.ContentLength = -1
	if !outerChunked {
		r.Header.Set("X-Amz-Decoded-Content-Length", "11")
		r.ContentLength = int64(len(body))
	}
	r.Body = io.NopCloser(strings.NewReader(body))
	sdkSignStreaming(t, r)
	return wireBytes(t, r)
}

func sdkSignStreaming(t testing.TB, r *http.Request) {
	t.Helper()
	creds := sdkaws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := s.SignHTTP(context.Background(), creds, r, streamingUnsignedTrailer, "s3", testRegion, testTime); err != nil {
		t.Fatal(err)
	}
}

func TestSDKUnsignedTrailerShapes(t *testing.T) {
	const good = "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
	tests := []struct {
		name   string
		body   string
		chunk  bool
		code   string
		wantTr string
	}{
		{name: "content-length", body: good, wantTr: "DUoRhQ=="},
		{name: "transfer-encoding chunked", body: good, chunk: true, wantTr: "DUoRhQ=="},
		{name: "two chunks", body: "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"},
		{name: "no final CRLF", body: "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n", wantTr: "DUoRhQ=="},
		{name: "short", body: "5\r\nhello\r\n0\r\n\r\n", code: "IncompleteBody"},
		{name: "truncated chunk", body: "b\r\nhello", code: "IncompleteBody"},
		{name: "bad size", body: "zz\r\nhello world\r\n0\r\n\r\n", code: "IncompleteBody"},
		{name: "missing crlf", body: "b\r\nhello worldXX0\r\n\r\n", code: "IncompleteBody"},
		{name: "longer than declared", body: "c\r\nhello world!\r\n0\r\n\r\n", code: "IncompleteBody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, got, err := verifyAndRead(t, sdkUnsignedTrailerWire(t, tt.body, tt.chunk))
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil || string(got) != "hello world" {
				t.Fatalf("%q %v", got, err)
			}
			if res.Trailer.Get("X-Amz-Checksum-Crc32") != tt.wantTr {
				t.Fatalf("trailer %v", res.Trailer)
			}
			if tt.chunk != (res.DecodedLength == -1) {
				t.Fatalf("decoded length %d", res.DecodedLength)
			}
		})
	}
}

func TestStreamingCorruption(t *testing.T) {
	data := randomBytes(100000)
	trailer := http.Header{"x-amz-checksum-crc32": {"AAAAAA=="}}
	tests := []struct {
		name   string
		wire   []byte
		mutate func(wire []byte) []byte
		code   string
	}{
		{"data byte", minioStreaming(t, data, nil), func(w []byte) []byte { w[len(w)-5000] ^= 1; return w }, "SignatureDoesNotMatch"},
		{"chunk signature", minioStreaming(t, data, nil), func(w []byte) []byte {
			i := bytes.Index(w, []byte("chunk-signature=")) + len("chunk-signature=")
			w[i] ^= 1
			return w
		}, "SignatureDoesNotMatch"},
		{"final chunk signature", minioStreaming(t, data, nil), func(w []byte) []byte {
			i := bytes.LastIndex(w, []byte("chunk-signature=")) + len("chunk-signature=")
			w[i] ^= 1
			return w
		}, "SignatureDoesNotMatch"},
		{"trailer value", minioStreaming(t, data, trailer), func(w []byte) []byte {
			return bytes.Replace(w, []byte("AAAAAA=="), []byte("AAAAAB=="), 1)
		}, "SignatureDoesNotMatch"},
		{"trailer signature", minioStreaming(t, data, trailer), func(w []byte) []byte {
			i := bytes.Index(w, []byte("x-amz-trailer-signature:")) + len("x-amz-trailer-signature:")
			w[i] ^= 1
			return w
		}, "SignatureDoesNotMatch"},
		{"truncated", minioStreaming(t, data, nil), func(w []byte) []byte { return w[:len(w)-200] }, "IncompleteBody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := tt.mutate(append([]byte(nil), tt.wire...))
			_, _, err := verifyAndRead(t, wire)
			wantCode(t, err, tt.code)
		})
	}
}

func FuzzChunkedReader(f *testing.F) {
	f.Add([]byte("b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"), false)
	f.Add([]byte("5;chunk-signature="+strings.Repeat("a", 64)+"\r\nhello\r\n0;chunk-signature="+strings.Repeat("b", 64)+"\r\n\r\n"), true)
	f.Add([]byte("0\r\nx:y\n\r\nx-amz-trailer-signature:abc\r\n\r\n"), true)
	f.Add([]byte("ffffffffffffffff\r\n"), false)
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		var cs *chunkSigner
		if signed {
			a := &authInfo{credential: credential{accessKey: testAKID, date: "20260314", region: testRegion, service: "s3"},
				amzDate: "20260314T150926Z", signature: strings.Repeat("0", 64)}
			cs = &chunkSigner{auth: a, key: deriveKey(testSecret, a.date, a.region, a.service), trailerSigned: len(body)%2 == 0}
		}
		cr := newChunkedReader(io.NopCloser(bytes.NewReader(body)), cs, int64(len(body)%7)-1, http.Header{})
		n, _ := io.Copy(io.Discard, cr)
		if n > int64(len(body)) {
			t.Fatalf("decoded %d bytes from %d", n, len(body))
		}
	})
}

func BenchmarkChunkedDecode(b *testing.B) {
	data := randomBytes(8 << 20)
	wire := minioStreaming(b, data, nil)
	v, _ := newVerifier()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := v.Verify(parseWire(b, wire))
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, res.Body); err != nil || n != int64(len(data)) {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkVerifyHeader(b *testing.B) {
	body := []byte("hello world")
	r := newClientRequest(b, "PUT", "http://s3.example.com/bucket/some/key.txt", body, map[string]string{
		"Content-Type": "text/plain", "X-Amz-Meta-Owner": "bench", "X-Amz-Checksum-Crc32": "DUoRhQ==",
		"Amz-Sdk-Invocation-Id": "0f1e2d3c", "Amz-Sdk-Request": "attempt=1; max=3",
	})
	sdkSign(b, r, testAKID, testSecret, "", "s3", body, testTime)
	sr := toServer(b, r)
	v, _ := newVerifier()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Verify(sr); err != nil {
			b.Fatal(err)
		}
	}
}

// TestStreamingSignedTrailerAWSLayout checks the layout AWS documents, where
// the trailer signature follows the trailers without a blank line.
func TestStreamingSignedTrailerAWSLayout(t *testing.T) {
	data := randomBytes(70000)
	wire := minioStreaming(t, data, http.Header{"x-amz-checksum-sha256": {"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="}})
	awsWire := bytes.Replace(wire, []byte("=\n\r\nx-amz-trailer-signature:"), []byte("=\r\nx-amz-trailer-signature:"), 1)
	if bytes.Equal(wire, awsWire) {
		t.Fatal("layout not found")
	}
	// The body got three bytes shorter; fix Content-Length.
	awsWire = fixContentLength(t, awsWire)
	res, got, err := verifyAndRead(t, awsWire)
	if err != nil || !bytes.Equal(got, data) || res.Trailer.Get("X-Amz-Checksum-Sha256") == "" {
		t.Fatalf("%v %v", err, res)
	}
}

func fixContentLength(t *testing.T, wire []byte) []byte {
	head, body, ok := bytes.Cut(wire, []byte("\r\n\r\n"))
	if !ok {
		t.Fatal("no header end")
	}
	lines := strings.Split(string(head), "\r\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.ToLower(l), "content-length:") {
			lines[i] = "Content-Length: " + strconv.Itoa(len(body))
		}
	}
	return append([]byte(strings.Join(lines, "\r\n")+"\r\n\r\n"), body...)
}
