package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrystore/ferry/internal/bench"
	"github.com/ferrystore/ferry/internal/demo"
)

// benchReplicationCmd is the replication load command: the walkthrough's
// set-up (cross-account, cross-region, SSE-KMS on both sides), N objects
// written at a target rate, and the server's own record of how long each
// took to replicate.
func benchReplicationCmd() *cobra.Command {
	o := demoOptions{}
	var (
		size        string
		rate        float64
		concurrency int
	)
	cmd := &cobra.Command{
		Use:   "replication",
		Short: "Measure replication throughput and write-to-replica lag under load",
		Long: `Build the walkthrough's replication set-up through the public APIs (account A's
SSE-KMS source bucket in --source-region, account B's SSE-KMS destination in
--destination-region, cross-account role and policies), write --objects
objects of --size at --rate per second (0: as fast as --concurrency writers
go), and wait until the server reports every one replicated.

It prints the replicated objects per second and MiB/s, and the lag from each
write to its replica's completion (p50, p90, p99, max), read from the
server's ferry_replication_lag_seconds histogram (steps of 1.5×).

Examples:
  ferry bench replication --objects 200 --rate 20            # a paced stream
  ferry bench replication --objects 10000 --concurrency 32   # a burst
  ferry bench replication --objects 20 --size 64MiB --concurrency 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sizes, err := parseSizes(size)
			if err != nil || len(sizes) != 1 {
				return fmt.Errorf("--size takes one size, such as 4KiB: %q", size)
			}
			return runBenchReplication(cmd.Context(), o, sizes[0], rate, concurrency, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", envOr("FERRY_DATA_DIR", "./ferry-data"), "the server's data directory, with admin.json and aws/credentials (env FERRY_DATA_DIR)")
	f.StringVar(&o.endpoint, "endpoint-url", "", "the server's endpoint (default: the one in <data-dir>/admin.json)")
	f.StringVar(&o.srcRegion, "source-region", "ap-northeast-1", "region of account A's source bucket")
	f.StringVar(&o.dstRegion, "destination-region", "us-west-2", "region of account B's destination bucket")
	f.IntVar(&o.objects, "objects", 1000, "how many objects to write")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for replication after the last write")
	f.StringVar(&size, "size", "4KiB", "object size")
	f.Float64Var(&rate, "rate", 0, "objects written per second (0: unpaced)")
	f.IntVar(&concurrency, "concurrency", 16, "concurrent writers")
	return cmd
}

func runBenchReplication(ctx context.Context, o demoOptions, size int64, rate float64, concurrency int, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	opts := demo.Options{SourceRegion: o.srcRegion, DestinationRegion: o.dstRegion, Out: io.Discard, Objects: 1}
	srv, err := findServer(ctx, o, &opts)
	if err != nil {
		return err
	}
	if srv != nil {
		defer srv.Close()
		defer os.RemoveAll(srv.DataDir)
	}
	fmt.Fprintf(out, "building the replication set-up on %s (%s → %s, SSE-KMS, cross-account)\n", opts.Endpoint, o.srcRegion, o.dstRegion)
	env, err := demo.Build(ctx, opts)
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	pace := "unpaced"
	if rate > 0 {
		pace = fmt.Sprintf("%.0f/s", rate)
	}
	fmt.Fprintf(out, "writing %d × %s into %s (%s, %d writers)\n", o.objects, bench.SizeName(size), env.SourceBucket, pace, concurrency)
	res, err := bench.RunReplication(ctx, bench.ReplicationConfig{
		Client: env.Source, MetricsURL: bench.MetricsURL(env.Endpoint), Bucket: env.SourceBucket,
		Objects: o.objects, Size: size, Rate: rate, Concurrency: concurrency, Timeout: o.timeout,
		Progress: func(p bench.ReplicationProgress) {
			fmt.Fprintf(out, "  %5.1fs  written %d/%d  replicated %d  failed %d  pending %d\n",
				p.Elapsed.Seconds(), p.Written, o.objects, p.Completed, p.Failed, p.Pending)
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, res)
	if res.Failed > 0 {
		return fmt.Errorf("%d objects failed to replicate", res.Failed)
	}
	return nil
}
