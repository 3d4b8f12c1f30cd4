package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferrystore/ferry/internal/demo"
	"github.com/ferrystore/ferry/internal/world"
)

type demoOptions struct {
	dataDir    string
	endpoint   string
	dstEnd     string
	srcRegion  string
	dstRegion  string
	objects    int
	timeout    time.Duration
	breakName  string
	listBreaks bool
	quiet      bool
}

func demoCmd() *cobra.Command {
	o := demoOptions{}
	var breaks bytes.Buffer
	demo.ListBreaks(&breaks)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build a cross-account, cross-region, KMS-encrypted replication and watch it work (or break)",
		Long: `Build the replication set-up of the walkthrough through Ferry's public APIs
(S3, IAM, KMS, STS, signed with the root keys of profiles ferry-a and ferry-b):
account A's source bucket in --source-region, encrypted with A's key Ks;
account B's destination bucket in --destination-region, encrypted with B's key
Kd; A's replication role; B's bucket and key policies; A's replication rule.
Then upload objects and watch their x-amz-replication-status until COMPLETED or
FAILED, and check the replicas as B (REPLICA, same version id, SSE-KMS with Kd).

The demo uses the server of --endpoint-url, or the one recorded in
<data-dir>/admin.json; when none answers it starts one in-process on a
temporary data directory and stops it at the end. Bucket and role names get a
random suffix, so the demo can run again and again on the same server.

--break builds the same set-up with one common mistake and shows how it fails,
comparing what Ferry did with what AWS does. The mistakes:

` + breaks.String() + `
Exit status 0 when the objects ended as expected (all COMPLETED, or the
break's failure), 1 otherwise.

Examples:
  ferry demo                                   # on ./ferry-data's server, or an in-process one
  ferry demo --break missing-bucket-policy --objects 1
  ferry demo --list-breaks`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.listBreaks {
				demo.ListBreaks(cmd.OutOrStdout())
				return nil
			}
			return runDemo(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", envOr("FERRY_DATA_DIR", "./ferry-data"), "the server's data directory, with admin.json and aws/credentials (env FERRY_DATA_DIR)")
	f.StringVar(&o.endpoint, "endpoint-url", "", "the server's endpoint (default: the one in <data-dir>/admin.json)")
	f.StringVar(&o.dstEnd, "destination-endpoint", "", "the endpoint of the Ferry process serving --destination-region, when another process than the source's serves it")
	f.StringVar(&o.srcRegion, "source-region", "ap-northeast-1", "region of account A's source bucket")
	f.StringVar(&o.dstRegion, "destination-region", "us-west-2", "region of account B's destination bucket")
	f.IntVar(&o.objects, "objects", 3, "how many objects to upload")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long to wait for the objects to replicate")
	f.StringVar(&o.breakName, "break", "", "build the set-up with this mistake (see --list-breaks)")
	f.BoolVar(&o.listBreaks, "list-breaks", false, "list the mistakes --break knows and exit")
	f.BoolVar(&o.quiet, "quiet", false, "print only the verdict")
	return cmd
}

// runDemo finds or starts a server and runs the demo against it.
func runDemo(ctx context.Context, o demoOptions, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	opts := demo.Options{SourceRegion: o.srcRegion, DestinationRegion: o.dstRegion, DestinationEndpoint: o.dstEnd, Objects: o.objects,
		Timeout: o.timeout, Break: o.breakName, Out: out, Live: isTerminal(out)}
	if o.breakName != "" {
		if _, ok := demo.Breaks[o.breakName]; !ok {
			return fmt.Errorf("unknown break %q; ferry demo --list-breaks lists them", o.breakName)
		}
	}
	srv, err := findServer(ctx, o, &opts)
	if err != nil {
		return err
	}
	if srv != nil {
		defer srv.Close()
		defer os.RemoveAll(srv.DataDir)
	}
	if o.quiet {
		opts.Out, opts.Live = io.Discard, false
	}
	res, err := demo.Run(ctx, opts)
	if o.quiet && err == nil {
		fmt.Fprintf(out, "ok: %s\n", res.Expect)
	}
	if errors.Is(err, demo.ErrUnexpected) {
		return err
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// findServer fills in opts' endpoint and credentials: from --endpoint-url or
// admin.json and the data directory's AWS files when that server answers,
// else from a server it starts in-process on a temporary directory, which
// it returns for the caller to close.
func findServer(ctx context.Context, o demoOptions, opts *demo.Options) (*demo.Server, error) {
	endpoint := o.endpoint
	if endpoint == "" {
		if admin, err := world.ReadAdmin(o.dataDir); err == nil {
			endpoint = admin.Endpoint
		}
	}
	if endpoint != "" && demo.Reachable(ctx, nil, endpoint) {
		a, b, err := demo.LoadProfiles(o.dataDir)
		if err != nil {
			return nil, fmt.Errorf("%w (is --data-dir the server's data directory?)", err)
		}
		opts.Endpoint, opts.A, opts.B = endpoint, a, b
		if admin, err := world.ReadAdmin(o.dataDir); err == nil && o.endpoint == "" {
			opts.Operator = demo.Credentials{AccessKeyID: admin.AccessKeyID, SecretAccessKey: admin.SecretAccessKey}
		}
		return nil, nil
	}
	if o.endpoint != "" {
		return nil, fmt.Errorf("no Ferry server answers at %s", o.endpoint)
	}
	dir, err := os.MkdirTemp("", "ferry-demo-")
	if err != nil {
		return nil, fmt.Errorf("temporary data directory: %w", err)
	}
	srv, err := demo.StartServer(dir, 100*time.Millisecond)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	a, b, err := demo.LoadProfiles(dir)
	if err != nil {
		srv.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	fmt.Fprintf(opts.Out, "No Ferry server answers for %s: started one in-process at %s (data in %s, removed at the end)\n\n",
		o.dataDir, srv.Endpoint, dir)
	opts.Endpoint, opts.A, opts.B = srv.Endpoint, a, b
	if admin, err := world.ReadAdmin(dir); err == nil {
		opts.Operator = demo.Credentials{AccessKeyID: admin.AccessKeyID, SecretAccessKey: admin.SecretAccessKey}
	}
	return srv, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
