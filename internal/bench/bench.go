// Package bench drives a running S3 endpoint with concurrent SigV4 clients
// and measures PUT and GET throughput and latency. It signs requests itself
// with the SDK's signer and sends them with net/http, so the client costs
// little CPU next to the server it measures.
package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Config describes one benchmark run.
type Config struct {
	Endpoint    string
	Region      string
	Credentials aws.Credentials
	Bucket      string
	Concurrency int
	Sizes       []int64
	// Duration bounds each phase; MaxOps (if > 0) bounds the operations of a phase.
	Duration time.Duration
	MaxOps   int
	// PutOnly skips the GET phases (to fill a server with objects).
	PutOnly bool
	Client  *http.Client
	// Progress, if set, receives a line as each phase finishes.
	Progress func(Result)
	// ServerCPU, if set, reads the server's CPU time so far; each phase
	// then reports the server's CPU time per operation, a figure that
	// stays comparable on a machine whose other load comes and goes.
	ServerCPU func(ctx context.Context) (time.Duration, error)
}

// Result is one phase's figures.
type Result struct {
	Op          string
	Size        int64
	Concurrency int
	Ops         int
	Errors      int
	Elapsed     time.Duration
	Latencies   []time.Duration // sorted
	FirstError  error
	// ServerCPU is the server's CPU time during the phase (0: unknown).
	ServerCPU time.Duration
}

// CPUPerOp is the server's CPU time per completed operation (0: unknown).
func (r Result) CPUPerOp() time.Duration {
	if r.Ops == 0 {
		return 0
	}
	return r.ServerCPU / time.Duration(r.Ops)
}

// OpsPerSec is completed operations per second.
func (r Result) OpsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// MiBPerSec is payload throughput.
func (r Result) MiBPerSec() float64 { return r.OpsPerSec() * float64(r.Size) / (1 << 20) }

// Percentile returns the p-th latency percentile (0 < p ≤ 100).
func (r Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(r.Latencies)))) - 1
	return r.Latencies[max(0, min(i, len(r.Latencies)-1))]
}

// String formats the result as one table row.
func (r Result) String() string {
	return fmt.Sprintf("%-4s %9s  c=%-3d %8d ops %9.1f ops/s %9.1f MiB/s  p50 %-9s p90 %-9s p99 %-9s errors %d",
		r.Op, SizeName(r.Size), r.Concurrency, r.Ops, r.OpsPerSec(), r.MiBPerSec(),
		round(r.Percentile(50)), round(r.Percentile(90)), round(r.Percentile(99)), r.Errors) + r.cpuColumn()
}

func (r Result) cpuColumn() string {
	if r.ServerCPU <= 0 {
		return ""
	}
	return fmt.Sprintf("  server CPU %s/op", round(r.CPUPerOp()))
}

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// SizeName prints a size as the benchmark names it: 4KiB, 1MiB, 100B.
func SizeName(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// Run creates the bucket, then for each size runs a PUT phase and a GET
// phase over the keys the PUT phase wrote.
func Run(ctx context.Context, c Config) ([]Result, error) {
	if c.Client == nil {
		c.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.Concurrency * 2}}
	}
	if err := c.do(ctx, http.MethodPut, "/"+c.Bucket, nil, http.StatusOK); err != nil {
		return nil, fmt.Errorf("create bucket %s: %w", c.Bucket, err)
	}
	var out []Result
	for _, size := range c.Sizes {
		body := make([]byte, size)
		rand.Read(body)
		put := c.phase(ctx, "PUT", size, func(worker, i int) error {
			return c.do(ctx, http.MethodPut, c.key(size, worker, i), body, http.StatusOK)
		})
		out = append(out, put.Result)
		c.report(put.Result)
		if put.Ops == 0 {
			return out, fmt.Errorf("no PUT of %s succeeded: %v", SizeName(size), put.FirstError)
		}
		if c.PutOnly {
			continue
		}
		written := put.perWorker
		get := c.phase(ctx, "GET", size, func(worker, i int) error {
			n := written[worker]
			if n == 0 {
				return errNothingWritten
			}
			return c.do(ctx, http.MethodGet, c.key(size, worker, i%n), nil, http.StatusOK)
		})
		out = append(out, get.Result)
		c.report(get.Result)
	}
	return out, nil
}

func (c Config) report(r Result) {
	if c.Progress != nil {
		c.Progress(r)
	}
}

func (c Config) key(size int64, worker, i int) string {
	return fmt.Sprintf("/%s/%s/w%03d/%08d", c.Bucket, SizeName(size), worker, i)
}

var errNothingWritten = errors.New("this worker wrote no object to read")

type phaseResult struct {
	Result
	perWorker []int
}

// phase runs op from Concurrency workers until Duration or MaxOps.
func (c Config) phase(ctx context.Context, name string, size int64, op func(worker, i int) error) phaseResult {
	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	var (
		mu        sync.Mutex
		lat       []time.Duration
		errs      int
		firstErr  error
		issued    atomic.Int64
		perWorker = make([]int, c.Concurrency)
		wg        sync.WaitGroup
	)
	cpu0 := c.serverCPU(ctx)
	start := time.Now()
	for w := 0; w < c.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; ctx.Err() == nil; i++ {
				if c.MaxOps > 0 && issued.Add(1) > int64(c.MaxOps) {
					break
				}
				t0 := time.Now()
				err := op(w, i)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					mu.Lock()
					errs++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, time.Since(t0))
				perWorker[w] = i + 1
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var cpu time.Duration
	if cpu0 > 0 {
		if cpu1 := c.serverCPU(context.WithoutCancel(ctx)); cpu1 > cpu0 {
			cpu = cpu1 - cpu0
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return phaseResult{Result: Result{Op: name, Size: size, Concurrency: c.Concurrency, Ops: len(lat), Errors: errs,
		Elapsed: elapsed, Latencies: lat, FirstError: firstErr, ServerCPU: cpu}, perWorker: perWorker}
}

// serverCPU reads the server's CPU time, 0 when it cannot be read.
func (c Config) serverCPU(ctx context.Context) time.Duration {
	if c.ServerCPU == nil {
		return 0
	}
	d, err := c.ServerCPU(ctx)
	if err != nil {
		return 0
	}
	return d
}

// ProcessCPU reads a Ferry server's CPU time so far from its Prometheus
// metrics (process_cpu_seconds_total at /_ferry/metrics).
func ProcessCPU(client *http.Client, endpoint string) func(ctx context.Context) (time.Duration, error) {
	return func(ctx context.Context) (time.Duration, error) {
		families, err := fetchMetrics(ctx, client, MetricsURL(endpoint))
		if err != nil {
			return 0, err
		}
		cpu, ok := processCPU(families)
		if !ok {
			return 0, errors.New("server reports no process_cpu_seconds_total")
		}
		return cpu, nil
	}
}

// do sends one signed request and drains the response.
func (c Config) do(ctx context.Context, method, path string, body []byte, want int) error {
	req, err := http.NewRequestWithContext(ctx, method, c.Endpoint+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
	if err := v4.NewSigner().SignHTTP(ctx, c.Credentials, req, "UNSIGNED-PAYLOAD", "s3", c.Region, time.Now()); err != nil {
		return err
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != want && !(method == http.MethodPut && path == "/"+c.Bucket && resp.StatusCode == http.StatusConflict) {
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	return nil
}
