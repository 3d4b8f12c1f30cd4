package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/world"
)

// TestParseReplicationMetrics: the ferry_replication_* samples become one
// row per source, destination and rule; other series are ignored.
func TestParseReplicationMetrics(t *testing.T) {
	text := `# HELP ferry_replication_bytes_pending Bytes.
# TYPE ferry_replication_bytes_pending gauge
ferry_replication_bytes_pending{destination_bucket="dst",rule_id="r1",source_bucket="src"} 2.5e+06
ferry_replication_operations_pending{destination_bucket="dst",rule_id="r1",source_bucket="src"} 3
ferry_replication_latency_seconds{destination_bucket="dst",rule_id="r1",source_bucket="src"} 12.5
ferry_replication_operations_failed_total{destination_bucket="b\"q",rule_id="",source_bucket="a"} 1
ferry_requests_total{service="s3"} 9
`
	rows := parseReplicationMetrics([]byte(text))
	want := []metricsRow{
		{Source: "a", Destination: `b"q`, Failed: 1},
		{Source: "src", Destination: "dst", Rule: "r1", PendingOps: 3, PendingBytes: 2.5e6, LatencySeconds: 12.5},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
}

// TestEventLine: one line per event, with "-" for what a record lacks.
func TestEventLine(t *testing.T) {
	cases := []struct {
		ev   replication.Event
		want string
	}{
		{replication.Event{EventTime: "2026-11-23T12:00:00.000Z", EventName: replication.EventFailedReplication,
			S3:                   replication.EventS3{Object: replication.EventObject{Key: "dir%2Fa+b", VersionID: "v1"}},
			ReplicationEventData: &replication.ReplicationEventData{DestinationBucket: "arn:aws:s3:::dst", FailureReason: "DstPutObjectNotPermitted"}},
			"2026-11-23T12:00:00.000Z  Replication:OperationFailedReplication          dir/a b  v1  → dst  DstPutObjectNotPermitted"},
		{replication.Event{EventTime: "t", EventName: replication.EventMissedThreshold, S3: replication.EventS3{Object: replication.EventObject{Key: "k"}}},
			"t  Replication:OperationMissedThreshold            k  -  → -  -"},
	}
	for _, c := range cases {
		if got := eventLine(&c.ev); got != c.want {
			t.Errorf("eventLine = %q\n              want %q", got, c.want)
		}
	}
}

// TestEventsCommand runs ferry events as the operator against an
// in-process server: one line per recorded event, the JSON records, and
// --follow printing each event once as new ones arrive.
func TestEventsCommand(t *testing.T) {
	dir := t.TempDir()
	w, err := world.Open(world.Config{DataDir: dir, InMemory: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Replication: world.ReplicationConfig{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	accts, err := w.Bootstrap()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.HTTP)
	defer srv.Close()
	if err := w.WriteClientFiles(srv.URL); err != nil {
		t.Fatal(err)
	}
	owner, err := w.IAM.RootKey(accts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.S3.CreateBucket(context.Background(), owner.Principal(), s3.CreateBucketInput{Bucket: "cli-src", Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	record := func(key string) {
		b := w.Store.NewBatch()
		w.Replication.Events().Append(b, &replication.Event{EventTime: "2026-11-23T12:00:00.000Z", EventName: replication.EventFailedReplication,
			S3:                   replication.EventS3{Bucket: replication.EventBucket{Name: "cli-src", OwnerIdentity: replication.EventIdentity{PrincipalID: string(accts[0].ID)}}, Object: replication.EventObject{Key: key, VersionID: "v-" + key}},
			ReplicationEventData: &replication.ReplicationEventData{DestinationBucket: "arn:aws:s3:::cli-dst", FailureReason: "DstBucketNotFound"}})
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	record("one")
	// A record of an earlier bucket of that name, in another account, is not shown.
	b := w.Store.NewBatch()
	w.Replication.Events().Append(b, &replication.Event{EventName: replication.EventFailedReplication,
		S3: replication.EventS3{Bucket: replication.EventBucket{Name: "cli-src", OwnerIdentity: replication.EventIdentity{PrincipalID: "999999999999"}}}})
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}

	out, err := runFerry(t, "events", "cli-src", "--data-dir", dir)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, "one  v-one  → cli-dst  DstBucketNotFound") {
		t.Fatalf("events: %v\n%s", err, out)
	}
	out, err = runFerry(t, "events", "cli-src", "--data-dir", dir, "--json")
	if err != nil || !strings.Contains(out, `"Records"`) || !strings.Contains(out, `"failureReason": "DstBucketNotFound"`) {
		t.Fatalf("events --json: %v\n%s", err, out)
	}
	if _, err := runFerry(t, "events", "no-such-bucket", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "NoSuchBucket") {
		t.Fatalf("missing bucket: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var buf syncBuffer
	done := make(chan error, 1)
	go func() {
		cmd := rootCmd()
		cmd.SetOut(&buf)
		cmd.SetArgs([]string{"events", "cli-src", "--data-dir", dir, "--follow", "--interval", "20ms"})
		done <- cmd.ExecuteContext(ctx)
	}()
	waitOutput := func(want string) {
		t.Helper()
		for i := 0; i < 200 && !strings.Contains(buf.String(), want); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(buf.String(), want) {
			t.Fatalf("--follow never printed %q:\n%s", want, buf.String())
		}
	}
	waitOutput("v-one")
	record("two")
	waitOutput("v-two")
	time.Sleep(60 * time.Millisecond) // a few more polls: nothing is printed twice
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); strings.Count(got, "\n") != 2 {
		t.Fatalf("--follow printed:\n%s", got)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
