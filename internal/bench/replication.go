package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ReplicationConfig is one replication load run: Objects objects of Size
// bytes written into Bucket (a bucket with a replication configuration) at
// Rate objects per second (0: as fast as Concurrency writers go), then a
// wait until the server reports every one replicated.
type ReplicationConfig struct {
	// Client writes as the source bucket's account; MetricsURL is the
	// server's Prometheus endpoint (…/_ferry/metrics).
	Client      *s3.Client
	MetricsURL  string
	HTTP        *http.Client
	Bucket      string
	Objects     int
	Size        int64
	Rate        float64
	Concurrency int
	// Timeout bounds the wait for replication after the last write.
	Timeout time.Duration
	// Progress, when set, is called about once a second.
	Progress func(ReplicationProgress)
}

// ReplicationProgress is the state of a run.
type ReplicationProgress struct {
	Written, Completed, Failed, Pending int
	Elapsed                             time.Duration
}

// ReplicationResult is what a run measured. Lag is from a version's write
// to its replica's completion, as the server's ferry_replication_lag_seconds
// histogram records it; percentiles are interpolated within its buckets
// (steps of 1.5×), so they are accurate to a few tens of percent.
type ReplicationResult struct {
	Objects, Completed, Failed int
	Size                       int64
	// WriteElapsed is the time to write every object; Elapsed until the
	// last one was replicated.
	WriteElapsed, Elapsed time.Duration
	LagP50, LagP90        time.Duration
	LagP99, LagMax        time.Duration
	// ServerCPU is the server's CPU time over the run, writes and
	// replication together (0: unknown).
	ServerCPU time.Duration
}

// Throughput is replicated objects per second over the whole run.
func (r ReplicationResult) Throughput() float64 { return float64(r.Completed) / r.Elapsed.Seconds() }

// String is the one-line summary.
func (r ReplicationResult) String() string {
	return fmt.Sprintf("%d × %s: written in %s (%.0f/s), replicated %d (%d failed) in %s: %.0f objects/s, %.1f MiB/s; lag p50 %s p90 %s p99 %s max ≤ %s",
		r.Objects, SizeName(r.Size), round(r.WriteElapsed), float64(r.Objects)/r.WriteElapsed.Seconds(), r.Completed, r.Failed,
		round(r.Elapsed), r.Throughput(), r.Throughput()*float64(r.Size)/(1<<20), round(r.LagP50), round(r.LagP90), round(r.LagP99), round(r.LagMax)) +
		r.cpuPerObject()
}

// cpuPerObject is the server's CPU time per object written and replicated.
func (r ReplicationResult) cpuPerObject() string {
	if r.ServerCPU <= 0 || r.Objects == 0 {
		return ""
	}
	return fmt.Sprintf("; server CPU %s/object (write and replication)", round(r.ServerCPU/time.Duration(r.Objects)))
}

// RunReplication writes the objects and waits for their replication.
func RunReplication(ctx context.Context, c ReplicationConfig) (ReplicationResult, error) {
	res := ReplicationResult{Objects: c.Objects, Size: c.Size}
	if c.Objects <= 0 {
		return res, errNoObjects
	}
	before, err := c.snapshot(ctx)
	if err != nil {
		return res, err
	}
	start := time.Now()
	var written atomic.Int64
	stop := c.report(ctx, start, &written, before)
	err = c.write(ctx, &written)
	res.WriteElapsed = time.Since(start)
	if err != nil {
		stop()
		return res, err
	}
	after, err := c.wait(ctx, before)
	stop()
	res.Elapsed = time.Since(start)
	if err != nil {
		return res, err
	}
	res.Completed, res.Failed = after.completed-before.completed, after.failed-before.failed
	if before.cpu > 0 && after.cpu > before.cpu {
		res.ServerCPU = after.cpu - before.cpu
	}
	lag := after.lag.minus(before.lag)
	res.LagP50, res.LagP90, res.LagP99 = lag.quantile(0.50), lag.quantile(0.90), lag.quantile(0.99)
	res.LagMax = lag.quantile(1)
	return res, nil
}

// write puts the objects from Concurrency writers, paced by Rate.
func (c ReplicationConfig) write(ctx context.Context, written *atomic.Int64) error {
	body := bytes.Repeat([]byte("r"), int(c.Size))
	next := make(chan int)
	go func() {
		defer close(next)
		start := time.Now()
		for i := range c.Objects {
			if c.Rate > 0 {
				time.Sleep(time.Until(start.Add(time.Duration(float64(i) / c.Rate * float64(time.Second)))))
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var first error
	var once sync.Once
	for range max(c.Concurrency, 1) {
		wg.Go(func() {
			for i := range next {
				_, err := c.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(c.Bucket),
					Key: aws.String(fmt.Sprintf("load/%08d", i)), Body: bytes.NewReader(body), ContentLength: aws.Int64(c.Size)})
				if err != nil {
					once.Do(func() { first = fmt.Errorf("put object %d: %w", i, err) })
					continue
				}
				written.Add(1)
			}
		})
	}
	wg.Wait()
	return first
}

// wait polls the metrics until every object written has settled.
func (c ReplicationConfig) wait(ctx context.Context, before metricsSnapshot) (metricsSnapshot, error) {
	deadline := time.Now().Add(c.Timeout)
	for {
		s, err := c.snapshot(ctx)
		if err != nil {
			return s, err
		}
		if s.completed-before.completed+s.failed-before.failed >= c.Objects {
			return s, nil
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("replication of %s not done after %s: %d of %d settled", c.Bucket, c.Timeout,
				s.completed-before.completed+s.failed-before.failed, c.Objects)
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// report calls Progress once a second until stopped.
func (c ReplicationConfig) report(ctx context.Context, start time.Time, written *atomic.Int64, before metricsSnapshot) func() {
	if c.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if s, err := c.snapshot(ctx); err == nil {
					c.Progress(ReplicationProgress{Written: int(written.Load()), Completed: s.completed - before.completed,
						Failed: s.failed - before.failed, Pending: s.pending, Elapsed: time.Since(start)})
				}
			}
		}
	}()
	return func() { close(done) }
}

// metricsSnapshot is the server's replication metrics for one source bucket.
type metricsSnapshot struct {
	completed, failed, pending int
	lag                        histogram
	// cpu is the server's process CPU time (0 when not reported).
	cpu time.Duration
}

// snapshot reads and parses the server's metrics.
func (c ReplicationConfig) snapshot(ctx context.Context) (metricsSnapshot, error) {
	var s metricsSnapshot
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	families, err := fetchMetrics(ctx, client, c.MetricsURL)
	if err != nil {
		return s, err
	}
	for _, m := range c.series(families["ferry_replication_lag_seconds"]) {
		h := m.GetHistogram()
		s.completed += int(h.GetSampleCount())
		s.lag = s.lag.plus(histogramOf(h))
	}
	for _, m := range c.series(families["ferry_replication_operations_failed_total"]) {
		s.failed += int(m.GetCounter().GetValue())
	}
	for _, m := range c.series(families["ferry_replication_operations_pending"]) {
		s.pending += int(m.GetGauge().GetValue())
	}
	s.cpu, _ = processCPU(families)
	return s, nil
}

// fetchMetrics reads and parses a server's Prometheus metrics.
func fetchMetrics(ctx context.Context, client *http.Client, url string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read server metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read server metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body)
}

// processCPU is the server's process CPU time in its metrics; false when
// they do not report it.
func processCPU(families map[string]*dto.MetricFamily) (time.Duration, bool) {
	f := families["process_cpu_seconds_total"]
	if f == nil || len(f.GetMetric()) == 0 {
		return 0, false
	}
	return time.Duration(f.GetMetric()[0].GetCounter().GetValue() * float64(time.Second)), true
}

// series are the family's series of the run's source bucket.
func (c ReplicationConfig) series(f *dto.MetricFamily) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "source_bucket" && l.GetValue() == c.Bucket {
				out = append(out, m)
			}
		}
	}
	return out
}

func parseMetrics(r io.Reader) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	return families, nil
}

// histogram is a cumulative histogram: counts[i] observations ≤ bounds[i].
type histogram struct {
	bounds []float64
	counts []float64
}

func histogramOf(h *dto.Histogram) histogram {
	var out histogram
	for _, b := range h.GetBucket() {
		out.bounds = append(out.bounds, b.GetUpperBound())
		out.counts = append(out.counts, float64(b.GetCumulativeCount()))
	}
	if n := len(out.bounds); n == 0 || !math.IsInf(out.bounds[n-1], 1) {
		out.bounds = append(out.bounds, math.Inf(1))
		out.counts = append(out.counts, float64(h.GetSampleCount()))
	}
	return out
}

// plus adds another histogram with the same bounds (an empty one takes o's).
func (h histogram) plus(o histogram) histogram {
	if len(h.bounds) == 0 {
		return histogram{bounds: o.bounds, counts: append([]float64(nil), o.counts...)}
	}
	out := histogram{bounds: h.bounds, counts: append([]float64(nil), h.counts...)}
	for i := range min(len(out.counts), len(o.counts)) {
		out.counts[i] += o.counts[i]
	}
	return out
}

// minus is h without the observations of an earlier snapshot o.
func (h histogram) minus(o histogram) histogram {
	out := histogram{bounds: h.bounds, counts: append([]float64(nil), h.counts...)}
	for i := range min(len(out.counts), len(o.counts)) {
		out.counts[i] -= o.counts[i]
	}
	return out
}

// quantile interpolates the q-quantile linearly within its bucket (the
// first bucket from 0); q = 1 gives the upper bound of the highest bucket
// observed. The open-ended last bucket reports its lower bound.
func (h histogram) quantile(q float64) time.Duration {
	if len(h.counts) == 0 || h.counts[len(h.counts)-1] == 0 {
		return 0
	}
	total := h.counts[len(h.counts)-1]
	rank := q * total
	i := sort.Search(len(h.counts), func(i int) bool { return h.counts[i] >= rank })
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = h.bounds[i-1], h.counts[i-1]
	}
	upper := h.bounds[i]
	if math.IsInf(upper, 1) {
		return seconds(lower)
	}
	if q == 1 {
		return seconds(upper)
	}
	in := h.counts[i] - below
	if in <= 0 {
		return seconds(upper)
	}
	return seconds(lower + (upper-lower)*(rank-below)/in)
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// MetricsURL is the metrics endpoint of a server.
func MetricsURL(endpoint string) string { return strings.TrimRight(endpoint, "/") + "/_ferry/metrics" }

// errNoObjects is returned for a run of no objects.
var errNoObjects = errors.New("bench: no objects to write")
