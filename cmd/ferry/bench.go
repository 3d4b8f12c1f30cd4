package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/ferrystore/ferry/internal/bench"
	"github.com/ferrystore/ferry/internal/world"
)

func benchCmd() *cobra.Command {
	var (
		dataDir, endpoint, accessKey, secretKey, region, bucket, sizes string
		concurrency, maxOps                                            int
		putOnly, baseline                                              bool
		duration                                                       time.Duration
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure PUT and GET throughput and latency of a running server",
		Long: `Drive a running Ferry (or any S3 endpoint) with concurrent SigV4 clients and
print operations per second, MiB/s and latency percentiles for PUT and GET of
each object size.

With --data-dir it creates a fresh account on the server through the admin
API and benchmarks as that account; with --endpoint, --access-key and
--secret-key it uses the credentials given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			sz, err := parseSizes(sizes)
			if err != nil {
				return err
			}
			creds := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}
			if accessKey == "" {
				acct, ep, err := benchAccount(ctx, dataDir, endpoint)
				if err != nil {
					return err
				}
				creds = aws.Credentials{AccessKeyID: acct.AccessKeyID, SecretAccessKey: acct.SecretAccessKey}
				endpoint = ep
			}
			if bucket == "" {
				bucket = "ferry-bench-" + randomHex(4)
			}
			out := cmd.OutOrStdout()
			cfg := bench.Config{
				Endpoint: endpoint, Region: region, Credentials: creds, Bucket: bucket,
				Concurrency: concurrency, Sizes: sz, Duration: duration, MaxOps: maxOps, PutOnly: putOnly,
				Client:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency * 2}},
				Progress: func(r bench.Result) { fmt.Fprintln(out, r) },
			}
			cfg.ServerCPU = bench.ProcessCPU(cfg.Client, endpoint)
			var base []bench.Result
			if baseline {
				if base, err = runBaseline(ctx, cfg, out); err != nil {
					return err
				}
			}
			fmt.Fprintf(out, "benchmarking %s bucket %s, %d clients, %s per phase\n", endpoint, bucket, concurrency, duration)
			res, err := bench.Run(ctx, cfg)
			if err == nil && baseline {
				printRatios(out, res, base)
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", envOr("FERRY_DATA_DIR", "./ferry-data"), "the server's data directory (for the admin API)")
	f.StringVar(&endpoint, "endpoint", "", "endpoint URL (default: the one recorded in the data directory)")
	f.StringVar(&accessKey, "access-key", "", "access key id (default: a new account created through the admin API)")
	f.StringVar(&secretKey, "secret-key", "", "secret access key, with --access-key")
	f.StringVar(&region, "region", "us-east-1", "region to sign for and create the bucket in")
	f.StringVar(&bucket, "bucket", "", "bucket to use (default: a new ferry-bench-* bucket)")
	f.StringVar(&sizes, "sizes", "4KiB,1MiB,64MiB", "object sizes, comma separated")
	f.IntVarP(&concurrency, "concurrency", "c", 32, "concurrent clients")
	f.IntVar(&maxOps, "max-ops", 0, "stop a phase after this many operations (0: only the duration bounds it)")
	f.BoolVar(&baseline, "baseline", false, "first run the same phases against a no-op HTTP server in this process and print Ferry's figures as ratios of it")
	f.BoolVar(&putOnly, "put-only", false, "run only the PUT phases (fill a server, e.g. with --max-ops 1000000)")
	f.DurationVarP(&duration, "duration", "d", 10*time.Second, "length of each phase")
	cmd.AddCommand(benchReplicationCmd())
	return cmd
}

func benchAccount(ctx context.Context, dataDir, endpoint string) (world.AccountSummary, string, error) {
	var acct world.AccountSummary
	body, _ := json.Marshal(map[string]string{"name": "bench-" + randomHex(4)})
	if err := adminCall(ctx, dataDir, endpoint, http.MethodPost, "/_ferry/admin/accounts", body, &acct); err != nil {
		return acct, "", err
	}
	if endpoint == "" {
		admin, err := world.ReadAdmin(dataDir)
		if err != nil {
			return acct, "", err
		}
		endpoint = admin.Endpoint
	}
	return acct, endpoint, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// parseSizes reads "4KiB,1MiB,64MiB" (also KB/MB/B suffixes or plain bytes).
func parseSizes(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mult := int64(1)
		for _, u := range []struct {
			suffix string
			mult   int64
		}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}} {
			if strings.HasSuffix(f, u.suffix) {
				f, mult = strings.TrimSuffix(f, u.suffix), u.mult
				break
			}
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad size %q", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

// runBaseline runs cfg's phases against an in-process null server: the
// client, net/http and loopback with no authentication and no storage.
func runBaseline(ctx context.Context, cfg bench.Config, out io.Writer) ([]bench.Result, error) {
	n, err := bench.StartNullServer()
	if err != nil {
		return nil, fmt.Errorf("baseline server: %w", err)
	}
	defer n.Close()
	cfg.Endpoint, cfg.ServerCPU = n.URL, nil
	cfg.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency * 2}}
	fmt.Fprintf(out, "baseline: no-op HTTP server %s, %d clients, %s per phase\n", n.URL, cfg.Concurrency, cfg.Duration)
	return bench.Run(ctx, cfg)
}

// printRatios prints each of Ferry's figures as a share of the baseline's.
func printRatios(out io.Writer, res, base []bench.Result) {
	fmt.Fprintln(out, "ratio to baseline (same client, same machine, same run):")
	for i, r := range res {
		if i >= len(base) || base[i].Ops == 0 {
			continue
		}
		b := base[i]
		fmt.Fprintf(out, "%-4s %9s  %9.1f ops/s of %9.1f  = %.2f   p50 %s of %s\n",
			r.Op, bench.SizeName(r.Size), r.OpsPerSec(), b.OpsPerSec(), r.OpsPerSec()/b.OpsPerSec(),
			r.Percentile(50).Round(10*time.Microsecond), b.Percentile(50).Round(10*time.Microsecond))
	}
}
