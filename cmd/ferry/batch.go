package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"
)

func batchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "batch",
		Short: "S3 Batch Operations jobs (Batch Replication)",
	}
	cmd.AddCommand(batchReplicateCmd())
	return cmd
}

type batchReplicateFlags struct {
	profile, dataDir, endpoint string
	reportBucket, reportPrefix string
	role                       string
	statuses                   []string
	priority                   int32
	wait                       bool
	poll                       time.Duration
}

func batchReplicateCmd() *cobra.Command {
	var f batchReplicateFlags
	cmd := &cobra.Command{
		Use:   "replicate SOURCE_BUCKET",
		Short: "Replicate a bucket's existing objects with a Batch Replication job",
		Long: `Create an S3 Batch Replication job for SOURCE_BUCKET through the public S3
Control API (s3control CreateJob, as "aws s3control create-job" would): a
generated manifest of the bucket's versions that the current replication
configuration covers and whose replication status is one of --status,
replicated to the configuration's destinations.

The job's role (--role, by default the configuration's role) must trust
batchoperations.s3.amazonaws.com and may need s3:InitiateReplication on
the bucket's objects, s3:GetReplicationConfiguration and
s3:PutInventoryConfiguration on the bucket, and s3:PutObject on the report
bucket. With --wait a progress bar follows the job until it ends.`,
		Example: `  ferry batch replicate my-source --profile ferry-a --report-bucket my-reports --wait
  ferry batch replicate my-source --data-dir ./ferry-data --status NONE,FAILED,COMPLETED`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.profile, "profile", "", `the AWS CLI profile to act as (default: $AWS_PROFILE, or "ferry-a" with --data-dir)`)
	fl.StringVar(&f.dataDir, "data-dir", "", "use the AWS CLI files Ferry wrote into this data directory (<data-dir>/aws/)")
	fl.StringVar(&f.endpoint, "endpoint-url", "", "the server's endpoint (default: the profile's endpoint_url)")
	fl.StringVar(&f.reportBucket, "report-bucket", "", "write the completion report to this bucket (default: no report)")
	fl.StringVar(&f.reportPrefix, "report-prefix", "batch-replication", "the report's key prefix")
	fl.StringVar(&f.role, "role", "", "the job's role ARN (default: the replication configuration's role)")
	fl.StringSliceVar(&f.statuses, "status", []string{"NONE", "FAILED"}, "replicate versions with these replication statuses (NONE, FAILED, COMPLETED, REPLICA)")
	fl.Int32Var(&f.priority, "priority", 10, "the job's priority")
	fl.BoolVar(&f.wait, "wait", false, "follow the job with a progress bar until it ends")
	fl.DurationVar(&f.poll, "poll", 500*time.Millisecond, "how often --wait asks for the job's progress")
	return cmd
}

// load returns the SDK configuration of the chosen profile.
func (f *batchReplicateFlags) load(ctx context.Context) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	profile := f.profile
	if f.dataDir != "" {
		dir := filepath.Join(f.dataDir, "aws")
		opts = append(opts, config.WithSharedConfigFiles([]string{filepath.Join(dir, "config")}),
			config.WithSharedCredentialsFiles([]string{filepath.Join(dir, "credentials")}))
		if profile == "" {
			profile = "ferry-a"
		}
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("profile %s: %w", profile, err)
	}
	if f.endpoint != "" {
		cfg.BaseEndpoint = aws.String(f.endpoint)
	}
	if cfg.BaseEndpoint == nil {
		return cfg, fmt.Errorf("profile %s has no endpoint_url: pass --endpoint-url", profile)
	}
	return cfg, nil
}

func (f *batchReplicateFlags) run(ctx context.Context, out, errOut io.Writer, bucket string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := f.load(ctx)
	if err != nil {
		return err
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("who am I: %w", err)
	}
	account := aws.ToString(id.Account)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	loc, err := s3c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	if err != nil {
		return fmt.Errorf("bucket %s: %w", bucket, err)
	}
	region := string(loc.LocationConstraint)
	if region == "" {
		region = "us-east-1"
	}
	role := f.role
	if role == "" {
		rc, err := s3c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String(bucket)},
			func(o *s3.Options) { o.Region = region })
		if err != nil {
			return fmt.Errorf("replication configuration of %s (pass --role to skip this): %w", bucket, err)
		}
		role = aws.ToString(rc.ReplicationConfiguration.Role)
	}
	ctl, err := controlClient(cfg, region)
	if err != nil {
		return err
	}
	var statuses []ctypes.ReplicationStatus
	for _, s := range f.statuses {
		statuses = append(statuses, ctypes.ReplicationStatus(strings.ToUpper(s)))
	}
	report := &ctypes.JobReport{Enabled: false}
	if f.reportBucket != "" {
		report = &ctypes.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::" + f.reportBucket),
			Format: ctypes.JobReportFormatReportCsv20180820, Prefix: aws.String(f.reportPrefix), ReportScope: ctypes.JobReportScopeAllTasks}
	}
	var token [16]byte
	rand.Read(token[:])
	created, err := ctl.CreateJob(ctx, &s3control.CreateJobInput{
		AccountId: aws.String(account), ClientRequestToken: aws.String(hex.EncodeToString(token[:])),
		Operation: &ctypes.JobOperation{S3ReplicateObject: &ctypes.S3ReplicateObjectOperation{}},
		Priority:  aws.Int32(f.priority), RoleArn: aws.String(role), Report: report,
		Description: aws.String("ferry batch replicate " + bucket),
		ManifestGenerator: &ctypes.JobManifestGeneratorMemberS3JobManifestGenerator{Value: ctypes.S3JobManifestGenerator{
			SourceBucket: aws.String("arn:aws:s3:::" + bucket),
			Filter:       &ctypes.JobManifestGeneratorFilter{EligibleForReplication: aws.Bool(true), ObjectReplicationStatuses: statuses}}},
	})
	if err != nil {
		return fmt.Errorf("create job: %w", err)
	}
	jobID := aws.ToString(created.JobId)
	fmt.Fprintf(out, "job %s created (account %s, region %s, role %s)\n", jobID, account, region, role)
	if !f.wait {
		fmt.Fprintf(out, "follow it with: aws s3control describe-job --account-id %s --job-id %s\n", account, jobID)
		return nil
	}
	job, err := follow(ctx, ctl, account, jobID, f.poll, errOut)
	if err != nil {
		return err
	}
	p := job.ProgressSummary
	total, ok, failed := aws.ToInt64(p.TotalNumberOfTasks), aws.ToInt64(p.NumberOfTasksSucceeded), aws.ToInt64(p.NumberOfTasksFailed)
	switch {
	case job.Status == ctypes.JobStatusFailed:
		var reasons []string
		for _, r := range job.FailureReasons {
			reasons = append(reasons, aws.ToString(r.FailureCode)+": "+aws.ToString(r.FailureReason))
		}
		return fmt.Errorf("job %s failed: %s", jobID, strings.Join(reasons, "; "))
	case job.Status != ctypes.JobStatusComplete:
		return fmt.Errorf("job %s ended %s", jobID, job.Status)
	}
	fmt.Fprintf(out, "job %s complete: %d of %d versions replicated, %d failed\n", jobID, ok, total, failed)
	if f.reportBucket != "" {
		fmt.Fprintf(out, "report: s3://%s/%s/job-%s/manifest.json\n", f.reportBucket, f.reportPrefix, jobID)
	}
	if failed > 0 {
		return fmt.Errorf("%d versions failed to replicate", failed)
	}
	return nil
}

// controlClient is an S3 Control client for the profile's endpoint. The
// SDK sends S3 Control requests to {account}.{endpoint host}, a name that
// does not resolve for a local server: its connections go to the endpoint
// whatever the host (and TLS checks the endpoint's own name).
func controlClient(cfg aws.Config, region string) (*s3control.Client, error) {
	u, err := url.Parse(aws.ToString(cfg.BaseEndpoint))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q: not a URL", aws.ToString(cfg.BaseEndpoint))
	}
	addr := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			addr += ":443"
		} else {
			addr += ":80"
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig = &tls.Config{ServerName: u.Hostname()}
	return s3control.NewFromConfig(cfg, func(o *s3control.Options) {
		o.Region = region
		o.HTTPClient = &http.Client{Transport: tr}
	}), nil
}

// follow polls DescribeJob, drawing a progress bar on w, until the job
// ends; it returns the final description.
func follow(ctx context.Context, ctl *s3control.Client, account, id string, every time.Duration, w io.Writer) (*ctypes.JobDescriptor, error) {
	for {
		out, err := ctl.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(account), JobId: aws.String(id)})
		if err != nil {
			return nil, fmt.Errorf("describe job %s: %w", id, err)
		}
		job := out.Job
		fmt.Fprintf(w, "\r%s", progressLine(job))
		switch job.Status {
		case ctypes.JobStatusComplete, ctypes.JobStatusFailed, ctypes.JobStatusCancelled:
			fmt.Fprintln(w)
			return job, nil
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(w)
			return nil, errors.Join(ctx.Err(), fmt.Errorf("job %s is still %s", id, job.Status))
		case <-time.After(every):
		}
	}
}

// progressLine renders a job's progress: a 30-cell bar of settled tasks,
// the counts and the status.
func progressLine(job *ctypes.JobDescriptor) string {
	const width = 30
	var total, ok, failed int64
	if p := job.ProgressSummary; p != nil {
		total, ok, failed = aws.ToInt64(p.TotalNumberOfTasks), aws.ToInt64(p.NumberOfTasksSucceeded), aws.ToInt64(p.NumberOfTasksFailed)
	}
	done := ok + failed
	filled := 0
	if total > 0 {
		filled = int(done * width / total)
	} else if job.Status == ctypes.JobStatusComplete {
		filled = width
	}
	bar := strings.Repeat("#", filled) + strings.Repeat("-", width-filled)
	return fmt.Sprintf("[%s] %d/%d versions, %d failed  %-10s", bar, done, total, failed, job.Status)
}
