package world

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// apiError returns the code and message of an SDK error.
func apiError(err error) (string, string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

// TestReplicationConfiguration is the §14 scenarios 1-9 as the Go SDK sees
// them: account A's source in us-east-1, account B's destination in us-west-2.
func TestReplicationConfiguration(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		name := "http"
		if useTLS {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) { runReplicationConfiguration(t, useTLS) })
	}
}

func runReplicationConfiguration(t *testing.T, useTLS bool) {
	e := startEnv(t, t.TempDir(), useTLS)
	defer e.stop()
	ctx := e.ctx
	a := e.s3("a", "us-east-1")
	b := e.s3("b", "us-west-2")
	accts, err := e.w.IAM.Accounts()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, acct := range accts {
		ids[acct.Name] = string(acct.ID)
	}
	role := "arn:aws:iam::" + ids["a"] + ":role/s3-replication"
	versioning := func(c *s3.Client, bucket string, status types.BucketVersioningStatus) error {
		_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
			VersioningConfiguration: &types.VersioningConfiguration{Status: status}})
		return err
	}
	rule := func() types.ReplicationRule {
		return types.ReplicationRule{
			Priority: aws.Int32(0), Filter: &types.ReplicationRuleFilter{}, Status: types.ReplicationRuleStatusEnabled,
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusDisabled},
			Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::repl-dst")},
		}
	}
	put := func(rules ...types.ReplicationRule) error {
		_, err := a.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String("repl-src"),
			ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(role), Rules: rules}})
		return err
	}
	expect := func(step string, err error, code, message string) {
		t.Helper()
		gotCode, gotMessage := apiError(err)
		if gotCode != code || !strings.HasPrefix(gotMessage, message) {
			t.Fatalf("%s: got %s %q (%v), want %s %q", step, gotCode, gotMessage, err, code, message)
		}
	}

	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("repl-src")}); err != nil {
		t.Fatal(err)
	}
	_, err = a.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String("repl-src")})
	expect("1 no configuration", err, "ReplicationConfigurationNotFoundError", "The replication configuration was not found")
	expect("2 unversioned source", put(rule()), "InvalidRequest", "Versioning must be 'Enabled' on the bucket to apply a replication configuration")
	if err := versioning(a, "repl-src", types.BucketVersioningStatusEnabled); err != nil {
		t.Fatal(err)
	}
	expect("3 missing destination", put(rule()), "InvalidRequest", "Destination bucket must have versioning enabled.")
	if _, err := b.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("repl-dst"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-west-2"}}); err != nil {
		t.Fatal(err)
	}
	expect("3 unversioned destination", put(rule()), "InvalidRequest", "Destination bucket must have versioning enabled.")
	if err := versioning(b, "repl-dst", types.BucketVersioningStatusEnabled); err != nil {
		t.Fatal(err)
	}
	expect("4 no rules", put([]types.ReplicationRule{}...), "MalformedXML", "The XML you provided was not well-formed")
	noDMR := rule()
	noDMR.DeleteMarkerReplication = nil
	expect("5 V2 without DeleteMarkerReplication", put(noDMR), "InvalidRequest",
		"DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema")
	kms := rule()
	kms.SourceSelectionCriteria = &types.SourceSelectionCriteria{SseKmsEncryptedObjects: &types.SseKmsEncryptedObjects{Status: types.SseKmsEncryptedObjectsStatusEnabled}}
	expect("6 SSE-KMS without key", put(kms), "InvalidRequest", "ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present.")
	threshold := rule()
	threshold.Destination.Metrics = &types.Metrics{Status: types.MetricsStatusEnabled, EventThreshold: &types.ReplicationTimeValue{Minutes: aws.Int32(15)}}
	expect("7 event threshold without RTC", put(threshold), "InvalidArgument",
		"Metrics cannot contain an event threshold when ReplicationTime is not specified or Disabled")
	metrics := rule()
	metrics.Destination.Metrics = &types.Metrics{Status: types.MetricsStatusEnabled}
	if err := put(metrics); err != nil {
		t.Fatalf("7 metrics alone: %v", err)
	}

	// 8: no IDs, empty Filter and Priority 0 round-trip with generated IDs.
	second := rule()
	second.Priority = aws.Int32(1)
	second.Filter = &types.ReplicationRuleFilter{Prefix: aws.String("Tax/")}
	if err := put(rule(), second); err != nil {
		t.Fatal(err)
	}
	got, err := a.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String("repl-src")})
	if err != nil {
		t.Fatal(err)
	}
	rules := got.ReplicationConfiguration.Rules
	if aws.ToString(got.ReplicationConfiguration.Role) != role || len(rules) != 2 {
		t.Fatalf("8 configuration: %+v", got.ReplicationConfiguration)
	}
	if id := aws.ToString(rules[0].ID); len(id) != 48 || id == aws.ToString(rules[1].ID) {
		t.Fatalf("8 generated ids %q %q", id, aws.ToString(rules[1].ID))
	}
	if rules[0].Filter == nil || rules[0].Filter.Prefix != nil || aws.ToInt32(rules[0].Priority) != 0 || rules[0].Priority == nil ||
		aws.ToString(rules[1].Filter.Prefix) != "Tax/" || aws.ToString(rules[0].Destination.Bucket) != "arn:aws:s3:::repl-dst" {
		t.Fatalf("8 rules not echoed: %+v %+v", rules[0], rules[1])
	}
	_, err = e.s3("b", "us-east-1").GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String("repl-src")})
	expect("other account reads", err, "AccessDenied", "Access Denied")

	// iam:PassRole: a role of another account cannot be passed.
	_, err = a.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String("repl-src"),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String("arn:aws:iam::" + ids["b"] + ":role/r"), Rules: []types.ReplicationRule{rule()}}})
	expect("pass another account's role", err, "AccessDenied", "Access Denied")

	// A V1 rule (rule-level Prefix) comes back without Filter or Priority.
	v1 := types.ReplicationRule{Prefix: aws.String("logs/"), Status: types.ReplicationRuleStatusEnabled,
		Destination: &types.Destination{Bucket: aws.String("arn:aws:s3:::repl-dst")}}
	if err := put(v1); err != nil {
		t.Fatalf("V1: %v", err)
	}
	got, err = a.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String("repl-src")})
	if err != nil {
		t.Fatal(err)
	}
	if r := got.ReplicationConfiguration.Rules[0]; aws.ToString(r.Prefix) != "logs/" || r.Filter != nil || r.Priority != nil || r.DeleteMarkerReplication != nil {
		t.Fatalf("V1 rule changed: %+v", r)
	}

	// 9: the versioning lock, lifted by DeleteBucketReplication (204 twice).
	expect("9 suspend", versioning(a, "repl-src", types.BucketVersioningStatusSuspended), "InvalidBucketState",
		"A replication configuration is present on this bucket")
	for i := 0; i < 2; i++ {
		if _, err := a.DeleteBucketReplication(ctx, &s3.DeleteBucketReplicationInput{Bucket: aws.String("repl-src")}); err != nil {
			t.Fatalf("8 delete %d: %v", i, err)
		}
	}
	if err := versioning(a, "repl-src", types.BucketVersioningStatusSuspended); err != nil {
		t.Fatalf("9 suspend after delete: %v", err)
	}
}
