package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
)

// seenRequest is what the test handler observed.
type seenRequest struct {
	path        string
	body        []byte
	contentSHA  string
	headerCRC   string
	trailer     http.Header
	checksumSum string
}

// echoHandler verifies each request, reads the body through a checksum
// reader and answers with the body's SHA-256.
func echoHandler(t *testing.T, v *Verifier, seen *seenRequest, mu *sync.Mutex) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := v.Verify(r)
		if err != nil {
			t.Errorf("verify: %v", err)
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		cr, err := bodyChecksumReader(r, res)
		if err != nil {
			t.Errorf("checksum: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(cr)
		if err != nil {
			t.Errorf("read body: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256(body)
		mu.Lock()
		*seen = seenRequest{path: r.URL.EscapedPath(), body: body, contentSHA: r.Header.Get("X-Amz-Content-Sha256"),
			headerCRC: r.Header.Get("X-Amz-Checksum-Crc32"), trailer: res.Trailer.Clone(), checksumSum: cr.Sum(checksum.CRC32)}
		mu.Unlock()
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
		w.Header().Set("X-Body-Sha256", hex.EncodeToString(sum[:]))
	})
}

func bodyChecksumReader(r *http.Request, res *Result) (*checksum.Reader, error) {
	alg, value, err := checksum.FromHeaders(r.Header)
	if err != nil {
		return nil, err
	}
	if alg == "" {
		alg, _ = checksum.FromTrailerDeclaration(r.Header)
	}
	opts := checksum.Options{MD5: true, Algorithm: alg, Expected: value}
	if value == "" && alg != "" {
		opts.ExpectedAtEOF = func() string { return res.Trailer.Get(alg.HeaderName()) }
	}
	return checksum.NewReader(res.Body, opts)
}

func TestEndToEndSDKPutObject(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		name := map[bool]string{false: "http", true: "https"}[useTLS]
		t.Run(name, func(t *testing.T) {
			var seen seenRequest
			var mu sync.Mutex
			v := &Verifier{Lookup: testLookup}
			h := echoHandler(t, v, &seen, &mu)
			srv := httptest.NewServer(h)
			if useTLS {
				srv.Close()
				srv = httptest.NewTLSServer(h)
			}
			defer srv.Close()
			client := s3.New(s3.Options{
				Region:                     testRegion,
				BaseEndpoint:               sdkaws.String(srv.URL),
				UsePathStyle:               true,
				Credentials:                credentials.NewStaticCredentialsProvider(testAKID, testSecret, ""),
				RequestChecksumCalculation: sdkaws.RequestChecksumCalculationWhenSupported,
				HTTPClient:                 srv.Client(),
			})
			key := "dir/hello world+~%ü.txt"
			_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: sdkaws.String("bucket"), Key: sdkaws.String(key), Body: strings.NewReader("hello world"),
			})
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if string(seen.body) != "hello world" || seen.checksumSum != "DUoRhQ==" {
				t.Fatalf("handler saw %+v", seen)
			}
			if useTLS {
				if seen.contentSHA != streamingUnsignedTrailer || seen.trailer.Get("X-Amz-Checksum-Crc32") != "DUoRhQ==" {
					t.Fatalf("expected an unsigned trailer, saw %+v", seen)
				}
			} else if seen.contentSHA != sha256Hex([]byte("hello world")) || seen.headerCRC != "DUoRhQ==" {
				t.Fatalf("expected a signed payload hash, saw %+v", seen)
			}
		})
	}
}

func TestEndToEndSDKWrongSecret(t *testing.T) {
	v := &Verifier{Lookup: testLookup}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := v.Verify(r)
		e, ok := aws.As(err)
		if !ok || e.Code != "SignatureDoesNotMatch" {
			t.Errorf("verify: %v", err)
		}
		http.Error(w, "denied", http.StatusForbidden)
	}))
	defer srv.Close()
	client := s3.New(s3.Options{
		Region: testRegion, BaseEndpoint: sdkaws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(testAKID, "not-the-secret", ""),
		HTTPClient:  srv.Client(), RetryMaxAttempts: 1,
	})
	if _, err := client.ListBuckets(context.Background(), &s3.ListBucketsInput{}); err == nil {
		t.Fatal("expected an error")
	}
}
