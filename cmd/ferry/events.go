package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"

	"github.com/ferrystore/ferry/internal/bench"
	"github.com/ferrystore/ferry/internal/replication"
)

// eventsAnswer is the body of GET /_ferry/events.
type eventsAnswer struct {
	Records []replication.Event `json:"Records"`
}

func eventsCmd() *cobra.Command {
	var f diagnoseFlags
	var follow bool
	var limit int
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "events BUCKET",
		Short: "Show a source bucket's replication events (failures, RTC thresholds)",
		Long: `Prints the replication events Ferry recorded for BUCKET, one line each:
time, event, key, version, destination bucket and failure reason.

The events are the ones S3 publishes: OperationFailedReplication when a
version ends FAILED under a rule with replication metrics (or RTC), and
for RTC rules OperationMissedThreshold when a version is still pending 15
minutes after its write, then OperationReplicatedAfterThreshold when it
lands. Ferry sends them to no SNS, SQS, Lambda or EventBridge destination:
it keeps the newest 1000 per bucket, and this command reads them.

The caller must be of BUCKET's account and allowed s3:GetBucketNotification
on it (the operator, through --data-dir, may read every bucket's). --follow keeps
polling and prints new events as they are recorded; --json prints the
records in S3's event message structure.`,
		Example: `  ferry events my-source-bucket
  ferry events my-source-bucket --profile ferry-a --follow
  ferry events my-source-bucket --json --limit 10`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(cmd.Context())
			if err != nil {
				return err
			}
			q := url.Values{"bucket": {args[0]}, "limit": {strconv.Itoa(limit)}}
			seen := map[string]bool{}
			for {
				raw, err := c.Do(cmd.Context(), http.MethodGet, "/_ferry/events", q, nil)
				if follow && cmd.Context().Err() != nil {
					return nil // interrupted while following
				}
				if err != nil {
					return messageOnly(err)
				}
				if f.json && !follow {
					cmd.OutOrStdout().Write(raw)
					return nil
				}
				var answer eventsAnswer
				if err := json.Unmarshal(raw, &answer); err != nil {
					return fmt.Errorf("decode the answer: %w", err)
				}
				printEvents(cmd.OutOrStdout(), answer.Records, seen, f.json)
				if !follow {
					return nil
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep polling and print new events as they arrive")
	cmd.Flags().IntVar(&limit, "limit", 100, "how many of the newest events to read (at most 1000)")
	cmd.Flags().DurationVar(&interval, "interval", 2*time.Second, "how often --follow polls")
	f.register(cmd)
	return cmd
}

// eventID identifies a record for --follow: one event of a kind per
// version and destination.
func eventID(e *replication.Event) string {
	d := e.ReplicationEventData
	dest := ""
	if d != nil {
		dest = d.DestinationBucket
	}
	return strings.Join([]string{e.EventName, e.S3.Bucket.Name, e.S3.Object.Key, e.S3.Object.VersionID, dest, e.EventTime}, "\x00")
}

// printEvents prints the records not in seen (and adds them to it): one
// line each, or one JSON record per line with asJSON.
func printEvents(w io.Writer, records []replication.Event, seen map[string]bool, asJSON bool) {
	for i := range records {
		e := &records[i]
		id := eventID(e)
		if seen[id] {
			continue
		}
		seen[id] = true
		if asJSON {
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "%s\n", b)
			continue
		}
		fmt.Fprintln(w, eventLine(e))
	}
}

// eventLine is the one-line rendering of a record: time, event, key,
// version, destination bucket and failure reason ("-" when none).
func eventLine(e *replication.Event) string {
	dest, reason := "-", "-"
	if d := e.ReplicationEventData; d != nil {
		dest = strings.TrimPrefix(d.DestinationBucket, "arn:aws:s3:::")
		if d.FailureReason != "" {
			reason = d.FailureReason
		}
	}
	version := e.S3.Object.VersionID
	if version == "" {
		version = "-"
	}
	return fmt.Sprintf("%s  %-46s  %s  %s  → %s  %s", e.EventTime, e.EventName, e.ObjectKey(), version, dest, reason)
}

func replicationCmd() *cobra.Command {
	var f diagnoseFlags
	metrics := &cobra.Command{
		Use:   "metrics [BUCKET]",
		Short: "Show the replication metrics per source bucket, destination and rule",
		Long: `Reads the server's Prometheus metrics (/_ferry/metrics) and prints the
ferry_replication_* series as a table, one row per source bucket,
destination bucket and rule: operations and bytes pending, the maximum
latency of what is pending, and the operations that ended FAILED since the
server started (S3's OperationsPendingReplication, BytesPendingReplication,
ReplicationLatency and OperationsFailedReplication). BUCKET keeps the rows
of that source bucket. --json prints the rows as JSON.`,
		Example: `  ferry replication metrics
  ferry replication metrics my-source-bucket --endpoint-url http://localhost:9000`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			endpoint, err := f.metricsEndpoint(cmd.Context())
			if err != nil {
				return err
			}
			rows, err := fetchReplicationMetrics(cmd.Context(), endpoint)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				kept := rows[:0]
				for _, r := range rows {
					if r.Source == args[0] {
						kept = append(kept, r)
					}
				}
				rows = kept
			}
			out := cmd.OutOrStdout()
			if f.json {
				if rows == nil {
					rows = []metricsRow{}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			printMetrics(out, rows)
			return nil
		},
	}
	f.register(metrics)
	cmd := &cobra.Command{Use: "replication", Short: "Look at replication"}
	cmd.AddCommand(metrics)
	return cmd
}

// metricsEndpoint is the server to read: --endpoint-url, else the
// profile's, else the one in the data directory's admin.json. The metrics
// need no credentials.
func (f *diagnoseFlags) metricsEndpoint(ctx context.Context) (string, error) {
	if f.endpoint != "" {
		return f.endpoint, nil
	}
	c, err := f.client(ctx)
	if err != nil {
		return "", err
	}
	return c.Endpoint, nil
}

// metricsRow is one (source, destination, rule) of the replication metrics.
type metricsRow struct {
	Source         string  `json:"sourceBucket"`
	Destination    string  `json:"destinationBucket"`
	Rule           string  `json:"ruleId"`
	PendingOps     float64 `json:"operationsPending"`
	PendingBytes   float64 `json:"bytesPending"`
	LatencySeconds float64 `json:"latencySeconds"`
	Failed         float64 `json:"operationsFailed"`
}

func fetchReplicationMetrics(ctx context.Context, endpoint string) ([]metricsRow, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, bench.MetricsURL(endpoint), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach ferry at %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read metrics: %s", resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	return parseReplicationMetrics(raw), nil
}

// replicationFields are the replication metrics of a row.
var replicationFields = map[string]func(*metricsRow) *float64{
	"ferry_replication_operations_pending":      func(r *metricsRow) *float64 { return &r.PendingOps },
	"ferry_replication_bytes_pending":           func(r *metricsRow) *float64 { return &r.PendingBytes },
	"ferry_replication_latency_seconds":         func(r *metricsRow) *float64 { return &r.LatencySeconds },
	"ferry_replication_operations_failed_total": func(r *metricsRow) *float64 { return &r.Failed },
}

// parseReplicationMetrics reads the ferry_replication_* samples of a
// Prometheus text exposition into rows, sorted. A malformed exposition
// yields the samples read before the fault.
func parseReplicationMetrics(raw []byte) []metricsRow {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, _ := parser.TextToMetricFamilies(bytes.NewReader(raw))
	byKey := map[[3]string]*metricsRow{}
	for name, field := range replicationFields {
		for _, m := range families[name].GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			k := [3]string{labels["source_bucket"], labels["destination_bucket"], labels["rule_id"]}
			r := byKey[k]
			if r == nil {
				r = &metricsRow{Source: k[0], Destination: k[1], Rule: k[2]}
				byKey[k] = r
			}
			// One of a gauge's, a counter's or an untyped sample's value is set.
			*field(r) = m.GetGauge().GetValue() + m.GetCounter().GetValue() + m.GetUntyped().GetValue()
		}
	}
	var rows []metricsRow
	for _, r := range byKey {
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Destination != b.Destination {
			return a.Destination < b.Destination
		}
		return a.Rule < b.Rule
	})
	return rows
}

func printMetrics(w io.Writer, rows []metricsRow) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "no replication metrics yet: nothing pending and no failure since the server started")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tDESTINATION\tRULE\tPENDING OPS\tPENDING BYTES\tLATENCY (s)\tFAILED")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f\n", r.Source, r.Destination, r.Rule, r.PendingOps, r.PendingBytes, r.LatencySeconds, r.Failed)
	}
	tw.Flush()
}
