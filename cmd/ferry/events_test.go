package main

import (
	"testing"

	"github.com/ferrystore/ferry/internal/replication"
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
