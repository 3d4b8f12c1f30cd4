package replication

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferrystore/ferry/internal/aws"
)

// Collector exports the replication metrics of §7, per source bucket,
// destination bucket and rule id. The pending figures and the latency are
// read from the durable queue, so they survive restarts and never drift —
// at most once per scanEvery, since a scan reads every queued task;
// failures and lags are counted as they happen.
type Collector struct {
	queue *Queue
	clock aws.Clock

	mu      sync.Mutex
	scanned time.Time
	pending map[[3]string]*pendingAgg

	pendingOps   *prometheus.Desc
	pendingBytes *prometheus.Desc
	latency      *prometheus.Desc
	failures     *prometheus.CounterVec
	lag          *prometheus.HistogramVec
}

var metricLabels = []string{"source_bucket", "destination_bucket", "rule_id"}

func newMetrics(q *Queue, clock aws.Clock) *Collector {
	return &Collector{
		queue: q, clock: clock,
		pendingOps: prometheus.NewDesc("ferry_replication_operations_pending",
			"Operations waiting to be replicated (OperationsPendingReplication).", metricLabels, nil),
		pendingBytes: prometheus.NewDesc("ferry_replication_bytes_pending",
			"Bytes of the objects waiting to be replicated (BytesPendingReplication).", metricLabels, nil),
		latency: prometheus.NewDesc("ferry_replication_latency_seconds",
			"Maximum seconds the destination is behind the source (ReplicationLatency).", metricLabels, nil),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ferry_replication_operations_failed_total",
			Help: "Operations that ended FAILED (OperationsFailedReplication)."}, metricLabels),
		// 1 ms to about 2 minutes in steps of 1.5×: fine enough for lag
		// percentiles from a few milliseconds (a paced stream) to minutes.
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ferry_replication_lag_seconds",
			Help:    "Seconds from a version's write to its replica's completion, per completed operation.",
			Buckets: prometheus.ExponentialBuckets(0.001, 1.5, 30)}, metricLabels),
	}
}

// Describe implements prometheus.Collector.
func (m *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.pendingOps
	ch <- m.pendingBytes
	ch <- m.latency
	m.failures.Describe(ch)
	m.lag.Describe(ch)
}

// scanEvery bounds how often a scrape re-reads the queue.
const scanEvery = time.Second

// pendingAgg is the queue's figures for one series.
type pendingAgg struct {
	ops, bytes int
	latency    float64
}

// Collect implements prometheus.Collector.
func (m *Collector) Collect(ch chan<- prometheus.Metric) {
	if per, err := m.pendingFigures(); err == nil {
		for k, a := range per {
			ch <- prometheus.MustNewConstMetric(m.pendingOps, prometheus.GaugeValue, float64(a.ops), k[:]...)
			ch <- prometheus.MustNewConstMetric(m.pendingBytes, prometheus.GaugeValue, float64(a.bytes), k[:]...)
			ch <- prometheus.MustNewConstMetric(m.latency, prometheus.GaugeValue, a.latency, k[:]...)
		}
	}
	m.failures.Collect(ch)
	m.lag.Collect(ch)
}

// pendingFigures aggregates the queue, or returns the last aggregate when
// it is less than scanEvery old.
func (m *Collector) pendingFigures() (map[[3]string]*pendingAgg, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	if m.pending != nil && now.Sub(m.scanned) < scanEvery && !now.Before(m.scanned) {
		return m.pending, nil
	}
	per := map[[3]string]*pendingAgg{}
	err := m.queue.Scan(func(t *Task) bool {
		k := [3]string{t.SourceBucket, t.Destination, t.RuleID}
		a := per[k]
		if a == nil {
			a = &pendingAgg{}
			per[k] = a
		}
		a.ops++
		a.bytes += int(t.Size)
		a.latency = max(a.latency, now.Sub(t.Created).Seconds())
		return true
	})
	if err != nil {
		return nil, err
	}
	m.pending, m.scanned = per, now
	return per, nil
}

// completed records the lag of a version replicated at now.
func (m *Collector) completed(t *Task, now time.Time) {
	if t.TagUpdate {
		return // a tag change is not a new version: no write-to-replica lag
	}
	m.lag.WithLabelValues(t.SourceBucket, t.Destination, t.RuleID).Observe(max(now.Sub(t.Created).Seconds(), 0))
}

func (m *Collector) failed(t *Task) {
	m.failures.WithLabelValues(t.SourceBucket, t.Destination, t.RuleID).Inc()
}
