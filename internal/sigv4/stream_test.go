package sigv4

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// streamRequest builds a PUT whose body SignStreaming signs chunk by chunk,
// its headers signed by the SDK's signer.
func streamRequest(t *testing.T, body []byte, declared int64, secret string) *http.Request {
	t.Helper()
	r := newClientRequest(t, http.MethodPut, "http://ferry.test/bucket/key", nil, nil)
	creds := sdkaws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	sign := func(r *http.Request) error {
		return v4.NewSigner().SignHTTP(context.Background(), creds, r, r.Header.Get("X-Amz-Content-Sha256"), "s3", testRegion, testTime)
	}
	if err := SignStreaming(r, bytes.NewReader(body), declared, secret, sign); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSignStreamingRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, streamChunkSize - 1, streamChunkSize, streamChunkSize + 1, 3*streamChunkSize + 7} {
		body := bytes.Repeat([]byte{'x', 'y', 'z'}, n/3+1)[:n]
		r := streamRequest(t, body, int64(n), testSecret)
		wire, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatalf("%d bytes: encode: %v", n, err)
		}
		if int64(len(wire)) != r.ContentLength {
			t.Fatalf("%d bytes: encoded %d bytes, Content-Length says %d", n, len(wire), r.ContentLength)
		}
		r.Body = io.NopCloser(bytes.NewReader(wire))
		v, _ := newVerifier()
		res, err := v.Verify(toServer(t, r))
		if err != nil {
			t.Fatalf("%d bytes: verify: %v", n, err)
		}
		got, err := readBody(t, res)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("%d bytes: decoded %d bytes, %v", n, len(got), err)
		}
	}
}

func TestSignStreamingRefusesAlteredBytes(t *testing.T) {
	body := bytes.Repeat([]byte("payload!"), streamChunkSize/4)
	r := streamRequest(t, body, int64(len(body)), testSecret)
	wire, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(wire, []byte("payload!"))
	wire[i] = 'P'
	r.Body = io.NopCloser(bytes.NewReader(wire))
	v, _ := newVerifier()
	res, err := v.Verify(toServer(t, r))
	if err != nil {
		t.Fatal(err) // the headers verify; the chunk does not
	}
	if _, err := readBody(t, res); err == nil {
		t.Fatal("an altered chunk was accepted")
	}
}

func TestSignStreamingLengthMismatch(t *testing.T) {
	for name, declared := range map[string]int64{"shorter body": 10, "longer body": 4} {
		r := streamRequest(t, []byte("12345"), declared, testSecret)
		if _, err := io.ReadAll(r.Body); err == nil {
			t.Errorf("%s: encoded without error", name)
		}
	}
}
