package world

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestStalledUploadLeavesNothing sends half a body and stops: the server
// must answer RequestTimeout, and neither an object nor a temporary file may remain.
func TestStalledUploadLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	e := startEnv(t, dir, false)
	defer e.stop()
	e.w.HTTP.IdleTimeout = 1500 * time.Millisecond
	a := e.s3("a", "us-east-1")
	if _, err := a.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("stall")}); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1000, 1 << 20} {
		key := fmt.Sprintf("half-%d", size)
		req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/stall/"+key, nil)
		req.ContentLength = int64(size)
		req.Header.Set("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
		k := e.keys["a"]
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "PUT /stall/%s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", key, req.Host, size)
		for name, vs := range req.Header {
			fmt.Fprintf(conn, "%s: %s\r\n", name, vs[0])
		}
		fmt.Fprintf(conn, "\r\n%s", strings.Repeat("x", size/2))
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			t.Fatalf("%s: no answer to a stalled upload: %v", key, err)
		}
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: status %d, want 400 RequestTimeout", key, resp.StatusCode)
		}
		if _, err := a.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String("stall"), Key: aws.String(key)}); err == nil {
			t.Fatalf("%s: a partial object is visible", key)
		}
	}
	tmp, _ := os.ReadDir(filepath.Join(dir, "objects", "tmp"))
	if len(tmp) != 0 {
		t.Fatalf("temporary files left: %d", len(tmp))
	}
}

// TestBadPayloadHashChangesNothing sends a body whose hash does not match
// x-amz-content-sha256.
func TestBadPayloadHashChangesNothing(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	a := e.s3("a", "us-east-1")
	if _, err := a.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("hash")}); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("y", 300<<10)
	sum := sha256.Sum256([]byte("something else"))
	claimed := hex.EncodeToString(sum[:])
	req, _ := http.NewRequest(http.MethodPut, e.srv.URL+"/hash/k", strings.NewReader(body))
	req.Header.Set("x-amz-content-sha256", claimed)
	k := e.keys["a"]
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}, req, claimed, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 XAmzContentSHA256Mismatch", resp.StatusCode)
	}
	if _, err := a.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String("hash"), Key: aws.String("k")}); err == nil {
		t.Fatal("object written despite the bad payload hash")
	}
}
