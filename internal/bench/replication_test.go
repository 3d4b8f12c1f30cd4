package bench

import (
	"strings"
	"testing"
	"time"
)

// TestHistogramQuantile: percentiles interpolate within the bucket the
// rank falls in, a snapshot taken earlier is subtracted, and the max is
// the highest bucket's upper bound.
func TestHistogramQuantile(t *testing.T) {
	const text = `# TYPE ferry_replication_lag_seconds histogram
ferry_replication_lag_seconds_bucket{source_bucket="src",destination_bucket="dst",rule_id="r",le="0.01"} 50
ferry_replication_lag_seconds_bucket{source_bucket="src",destination_bucket="dst",rule_id="r",le="0.1"} 90
ferry_replication_lag_seconds_bucket{source_bucket="src",destination_bucket="dst",rule_id="r",le="1"} 100
ferry_replication_lag_seconds_bucket{source_bucket="src",destination_bucket="dst",rule_id="r",le="+Inf"} 100
ferry_replication_lag_seconds_sum{source_bucket="src",destination_bucket="dst",rule_id="r"} 3
ferry_replication_lag_seconds_count{source_bucket="src",destination_bucket="dst",rule_id="r"} 100
ferry_replication_lag_seconds_bucket{source_bucket="other",destination_bucket="dst",rule_id="r",le="0.01"} 7
ferry_replication_lag_seconds_bucket{source_bucket="other",destination_bucket="dst",rule_id="r",le="0.1"} 7
ferry_replication_lag_seconds_bucket{source_bucket="other",destination_bucket="dst",rule_id="r",le="1"} 7
ferry_replication_lag_seconds_bucket{source_bucket="other",destination_bucket="dst",rule_id="r",le="+Inf"} 7
ferry_replication_lag_seconds_sum{source_bucket="other",destination_bucket="dst",rule_id="r"} 0
ferry_replication_lag_seconds_count{source_bucket="other",destination_bucket="dst",rule_id="r"} 7
`
	families, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	c := ReplicationConfig{Bucket: "src"}
	var h histogram
	completed := 0
	for _, m := range c.series(families["ferry_replication_lag_seconds"]) {
		completed += int(m.GetHistogram().GetSampleCount())
		h = h.plus(histogramOf(m.GetHistogram()))
	}
	if completed != 100 {
		t.Fatalf("completed %d, want the source bucket's 100", completed)
	}
	cases := []struct {
		q    float64
		want time.Duration
	}{
		{0.25, 5 * time.Millisecond},  // half-way through the first bucket [0, 10ms]
		{0.70, 55 * time.Millisecond}, // half-way through (10ms, 100ms]
		{0.95, 550 * time.Millisecond},
		{1, time.Second},
	}
	for _, tc := range cases {
		if got := h.quantile(tc.q); got != tc.want {
			t.Errorf("q%.2f = %s, want %s", tc.q, got, tc.want)
		}
	}
	earlier := histogram{bounds: h.bounds, counts: []float64{50, 50, 50, 50}}
	// 50 left, all above 10 ms: the median is rank 25 of the 40 in (10ms, 100ms].
	if got := h.minus(earlier).quantile(0.5); got != 66250*time.Microsecond {
		t.Errorf("median after subtracting the first 50: %s", got)
	}
}

func TestReplicationResultCPU(t *testing.T) {
	r := ReplicationResult{Objects: 4, Completed: 4, Size: 4096, WriteElapsed: time.Second, Elapsed: 2 * time.Second,
		ServerCPU: 8 * time.Millisecond}
	if !strings.Contains(r.String(), "server CPU 2ms/object") {
		t.Fatalf("summary %q lacks the CPU figure", r.String())
	}
	r.ServerCPU = 0
	if strings.Contains(r.String(), "server CPU") {
		t.Fatalf("summary %q shows an unknown CPU figure", r.String())
	}
}
