package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/ferrystore/ferry/internal/ferryapi"
)

// errFindings makes the command exit non-zero after printing a diagnosis
// that found problems (the diagnosis itself is the message).
var errFindings = errors.New("")

// diagnoseFlags select who asks: the operator (from --data-dir's
// admin.json), or an account through an AWS CLI --profile.
type diagnoseFlags struct {
	dataDir, endpoint, profile string
	json                       bool
}

func (f *diagnoseFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dataDir, "data-dir", envOr("FERRY_DATA_DIR", "./ferry-data"), "a local server's data directory: ask as the operator, who sees every account (env FERRY_DATA_DIR)")
	cmd.Flags().StringVar(&f.endpoint, "endpoint-url", os.Getenv("FERRY_ENDPOINT"), "the server's endpoint (default: the profile's endpoint_url, or the one in admin.json)")
	cmd.Flags().StringVar(&f.profile, "profile", "", "ask as this AWS CLI profile's account instead: what it cannot read is marked \"cannot see\"")
	cmd.Flags().BoolVar(&f.json, "json", false, "print the diagnosis as JSON")
}

// client is the API client for the chosen credentials.
func (f *diagnoseFlags) client(ctx context.Context) (*ferryapi.Client, error) {
	if f.profile == "" {
		return operatorClient(f.dataDir, f.endpoint)
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile(f.profile))
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", f.profile, err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials of profile %s: %w", f.profile, err)
	}
	endpoint := f.endpoint
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	if endpoint == "" {
		return nil, fmt.Errorf("profile %s has no endpoint_url: pass --endpoint-url", f.profile)
	}
	return &ferryapi.Client{Endpoint: endpoint, Credentials: creds}, nil
}

// run asks path?query and prints the answer: its text, or the JSON with
// --json. A diagnosis that is not "ok" returns errFindings.
func (f *diagnoseFlags) run(cmd *cobra.Command, path string, query url.Values) error {
	c, err := f.client(cmd.Context())
	if err != nil {
		return err
	}
	raw, err := c.Do(cmd.Context(), http.MethodGet, path, query, nil)
	if err != nil {
		return messageOnly(err)
	}
	var answer struct {
		OK   bool   `json:"ok"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return fmt.Errorf("decode the answer: %w", err)
	}
	out := cmd.OutOrStdout()
	if f.json {
		out.Write(raw)
	} else {
		fmt.Fprint(out, answer.Text)
	}
	if !answer.OK {
		return errFindings
	}
	return nil
}

func doctorCmd() *cobra.Command {
	var f diagnoseFlags
	replication := &cobra.Command{
		Use:   "replication BUCKET",
		Short: "Check every hop of a bucket's replication rules before any object is written",
		Long: `Checks, for every enabled rule of BUCKET's replication configuration, each
hop replication will take — S3 assuming the role, reading the source
version, the source KMS key, the destination bucket and its versioning, the
replica write, the owner override, tags, the replica KMS key — with the
real policy engine, as the role session S3 would use. Nothing is written.

Each ✗ names the failure reason objects would get, the policies evaluated,
and the missing statement as ready-to-apply JSON with the document and the
account it belongs in. ! marks what replicas would lose (tags); ? what
these credentials cannot see. The exit status is 1 when anything would fail
or could not be checked.`,
		Example: `  ferry doctor replication my-source-bucket
  ferry doctor replication my-source-bucket --profile ferry-a --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd, "/_ferry/doctor/replication", url.Values{"bucket": {args[0]}})
		},
	}
	f.register(replication)
	cmd := &cobra.Command{Use: "doctor", Short: "Check a set-up before it fails"}
	cmd.AddCommand(replication)
	return cmd
}

func explainCmd() *cobra.Command {
	var f diagnoseFlags
	var versionID string
	cmd := &cobra.Command{
		Use:   "explain s3://BUCKET/KEY",
		Short: "Explain why an object version's replication FAILED or is still PENDING",
		Long: `Shows, for each destination of the object version (the latest unless
--version-id is given), what the replication engine recorded — status,
attempts, failure reason, last error — and checks every hop again for this
very version: the failing hop, the policies evaluated with the deciding or
missing statement, and the fix. The exit status is 1 unless every
destination is COMPLETED.`,
		Example: `  ferry explain s3://my-source-bucket/reports/2026.csv
  ferry explain s3://my-source-bucket/reports/2026.csv --version-id 5Deq… --profile ferry-a`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bucket, key, ok := strings.Cut(strings.TrimPrefix(args[0], "s3://"), "/")
			if !strings.HasPrefix(args[0], "s3://") || !ok || bucket == "" || key == "" {
				return fmt.Errorf("name the object as s3://BUCKET/KEY, not %q", args[0])
			}
			q := url.Values{"bucket": {bucket}, "key": {key}}
			if versionID != "" {
				q.Set("versionId", versionID)
			}
			return f.run(cmd, "/_ferry/explain", q)
		},
	}
	cmd.Flags().StringVar(&versionID, "version-id", "", "the version to explain (default: the latest)")
	f.register(cmd)
	return cmd
}
