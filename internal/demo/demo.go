// Package demo builds, through Ferry's public APIs only (S3, IAM, KMS and STS
// with the accounts' root keys), the cross-account, cross-region, KMS-encrypted
// replication set-up of the walkthrough, uploads objects and watches them
// replicate — or, with a break, shows how one common mistake fails.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Replication statuses reported by x-amz-replication-status.
const (
	StatusPending   = "PENDING"
	StatusCompleted = "COMPLETED"
	StatusFailed    = "FAILED"
	StatusReplica   = "REPLICA"
)

// Credentials is an account's access key.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// Options configures one run of the demo.
type Options struct {
	// Endpoint is the server's URL, e.g. http://127.0.0.1:9780.
	Endpoint string
	// DestinationEndpoint serves the destination region when another Ferry
	// process does (a follower of Endpoint's IAM); empty means Endpoint.
	DestinationEndpoint string
	// A owns the source bucket, B the destination bucket.
	A, B Credentials
	// Operator, when set, is the server's admin key: diagnostics are asked
	// with it, so they see both accounts' documents.
	Operator Credentials
	// SourceRegion and DestinationRegion are where the buckets live.
	SourceRegion      string
	DestinationRegion string
	// Objects is how many objects to upload (every other one with tags).
	Objects int
	// Timeout bounds the wait for each object's replication.
	Timeout time.Duration
	// Break names the mistake to build in (see Breaks); empty for none.
	Break string
	// Out receives the demo's report.
	Out io.Writer
	// Live redraws the progress lines in place (stdout is a terminal).
	Live bool
	// HTTPClient is used for every call; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Suffix names this run's buckets and role; empty means a random one.
	Suffix string
}

// ObjectResult is what became of one uploaded object.
type ObjectResult struct {
	Key       string
	VersionID string
	Tagged    bool
	// Uploaded is when the PUT returned.
	Uploaded time.Time
	Status   string
	Reason   string
	// ReplicaOK says the replica was checked and is right; Problems says why not.
	ReplicaOK   bool
	ReplicaTags bool
	Problems    []string
}

// Result is the outcome of a run.
type Result struct {
	Expect  Expectation
	Objects []ObjectResult
	// OK says every object did what Expect says.
	OK bool
}

// ErrUnexpected is returned (wrapped) when the objects did not end as expected.
var ErrUnexpected = errors.New("replication did not end as expected")

// Run builds the set-up, uploads the objects and reports. It returns an
// error wrapping ErrUnexpected when an object did not end as expected, and
// other errors when the set-up itself could not be built.
func Run(ctx context.Context, o Options) (Result, error) {
	if err := o.defaults(); err != nil {
		return Result{}, err
	}
	expect := NoBreak
	if o.Break != "" {
		expect = Breaks[o.Break].Expect
	}
	d := newDemo(o)
	d.printf("Ferry replication demo against %s\n", o.Endpoint)
	if o.Break != "" {
		d.printf("Break: %s — %s\n", o.Break, Breaks[o.Break].Summary)
	}
	d.printf("Expect (as AWS does, spec %s): %s\n\n", expect.Spec, expect)
	if err := d.setUp(ctx); err != nil {
		return Result{Expect: expect}, err
	}
	d.printf("\nPre-flight check of the replication set-up:\n")
	d.diagnose(ctx, "/_ferry/doctor/replication", map[string]string{"bucket": d.src})
	objects, err := d.upload(ctx)
	if err != nil {
		return Result{Expect: expect}, err
	}
	d.watch(ctx, objects)
	res := Result{Expect: expect, Objects: objects}
	res.OK = d.judge(ctx, &res)
	if !res.OK {
		return res, fmt.Errorf("%w (expected %s)", ErrUnexpected, expect)
	}
	return res, nil
}

// defaults fills in the zero values and checks the rest.
func (o *Options) defaults() error {
	if o.Endpoint == "" {
		return errors.New("no endpoint")
	}
	if o.A.AccessKeyID == "" || o.B.AccessKeyID == "" {
		return errors.New("no credentials for accounts A and B")
	}
	if o.Break != "" {
		if _, ok := Breaks[o.Break]; !ok {
			return fmt.Errorf("unknown break %q (known: %v)", o.Break, BreakNames())
		}
	}
	if o.DestinationEndpoint == "" {
		o.DestinationEndpoint = o.Endpoint
	}
	if o.SourceRegion == "" {
		o.SourceRegion = "ap-northeast-1"
	}
	if o.DestinationRegion == "" {
		o.DestinationRegion = "us-west-2"
	}
	if o.SourceRegion == o.DestinationRegion {
		return fmt.Errorf("source and destination regions must differ (both %s)", o.SourceRegion)
	}
	if o.Objects <= 0 {
		o.Objects = 3
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.Suffix == "" {
		var b [3]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("random suffix: %w", err)
		}
		o.Suffix = hex.EncodeToString(b[:])
	}
	return nil
}

// Environment is a built set-up: where to write to see objects replicate.
type Environment struct {
	Endpoint          string
	SourceBucket      string
	DestinationBucket string
	SourceRegion      string
	DestinationRegion string
	// Source writes into SourceBucket as account A.
	Source *s3.Client
	// Destination reads DestinationBucket as account B.
	Destination *s3.Client
	// Role is the replication role's ARN; ReplicaKey the ARN of B's
	// replica key (the rule's ReplicaKmsKeyID).
	Role, ReplicaKey string
}

// Build builds the walkthrough's set-up (with o.Break's mistake, if any)
// and returns it without uploading anything: what a load generator needs.
func Build(ctx context.Context, o Options) (*Environment, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	d := newDemo(o)
	if err := d.setUp(ctx); err != nil {
		return nil, err
	}
	return &Environment{Endpoint: o.Endpoint, SourceBucket: d.src, DestinationBucket: d.dst,
		SourceRegion: o.SourceRegion, DestinationRegion: o.DestinationRegion, Source: d.s3A,
		Destination: d.s3B, Role: d.roleARN, ReplicaKey: d.replicaKeyID}, nil
}
