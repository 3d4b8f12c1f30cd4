package world

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	ferryaws "github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/ferryapi"
	"github.com/ferrystore/ferry/internal/replication"
)

// eventsSetup creates account A's replication role (trusted by
// s3.amazonaws.com, allowed to replicate src to dst) and the versioned
// buckets: src for A in us-east-1, dst in us-west-2 for dstAccount.
func eventsSetup(t *testing.T, e *env, src, dst, dstAccount string) (role string) {
	t.Helper()
	ctx := e.ctx
	ka := e.keys["a"]
	role = "arn:aws:iam::" + string(ka.Principal().Account) + ":role/" + src + "-role"
	iamA := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
		Credentials: static(ka.ID, ka.Secret, "")})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := iamA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(src + "-role"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	putReplicationRolePolicy(t, iamA, src+"-role", src, dst)
	for _, b := range []struct{ account, name, region string }{{"a", src, "us-east-1"}, {dstAccount, dst, "us-west-2"}} {
		c := e.s3(b.account, b.region)
		in := &s3.CreateBucketInput{Bucket: aws.String(b.name)}
		if b.region != "us-east-1" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(b.region)}
		}
		if _, err := c.CreateBucket(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b.name),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
	}
	return role
}

// putEventsRule puts a one-rule configuration from src to dst whose
// destination has dest's Metrics and ReplicationTime.
func putEventsRule(t *testing.T, e *env, src, dst, role string, dest types.Destination) {
	t.Helper()
	dest.Bucket = aws.String("arn:aws:s3:::" + dst)
	if _, err := e.s3("a", "us-east-1").PutBucketReplication(e.ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(src),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(role), Rules: []types.ReplicationRule{{
			ID: aws.String("events-rule"), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
			Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String("")},
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusDisabled},
			Destination:             &dest}}}}); err != nil {
		t.Fatal(err)
	}
}

// readEvents asks GET /_ferry/events as the holder of akid/secret.
func readEvents(e *env, akid, secret, bucket, limit string) ([]replication.Event, error) {
	c := &ferryapi.Client{Endpoint: e.srv.URL, HTTP: e.srv.Client(),
		Credentials: aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}}
	q := url.Values{"bucket": {bucket}}
	if limit != "" {
		q.Set("limit", limit)
	}
	var answer struct {
		Records []replication.Event `json:"Records"`
	}
	err := c.JSON(context.Background(), http.MethodGet, "/_ferry/events", q, nil, &answer)
	return answer.Records, err
}

// TestFailureEventsEndToEnd: a version replicated across accounts without
// the destination's bucket policy ends FAILED and, its rule having
// replication metrics, leaves one OperationFailedReplication record with
// the reason DstPutObjectNotPermitted. The source account reads it through
// /_ferry/events, with the configurationId of its notification
// configuration (stored with SkipDestinationValidation); the destination
// account may not read it; the operator may (spec §14 scenario 23).
func TestFailureEventsEndToEnd(t *testing.T) {
	e := startReplicationEnv(t, ReplicationConfig{Workers: 2, PollInterval: 20 * time.Millisecond,
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	defer e.stop()
	role := eventsSetup(t, e, "ev-src", "ev-dst", "b")
	putEventsRule(t, e, "ev-src", "ev-dst", role, types.Destination{Metrics: &types.Metrics{Status: types.MetricsStatusEnabled}})
	a := e.s3("a", "us-east-1")
	if _, err := a.PutBucketNotificationConfiguration(e.ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String("ev-src"),
		SkipDestinationValidation: aws.Bool(true),
		NotificationConfiguration: &types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{
			Id: aws.String("replication-alerts"), QueueArn: aws.String("arn:aws:sqs:us-east-1:" + string(e.keys["a"].Principal().Account) + ":alerts"),
			Events: []types.Event{"s3:Replication:*"}}}}}); err != nil {
		t.Fatal(err)
	}
	put, err := a.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("ev-src"), Key: aws.String("reports/q1.csv"), Body: strings.NewReader("a,b\n")})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, a, "ev-src", "reports/q1.csv", types.ReplicationStatusPending); st != types.ReplicationStatusFailed {
		t.Fatalf("status %s, want FAILED", st)
	}

	ka := e.keys["a"]
	evs, err := readEvents(e, ka.ID, ka.Secret, "ev-src", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("%d records, want 1: %+v", len(evs), evs)
	}
	ev := evs[0]
	d := ev.ReplicationEventData
	if ev.EventName != "Replication:OperationFailedReplication" || ev.S3.ConfigurationID != "replication-alerts" ||
		ev.S3.Bucket.Name != "ev-src" || ev.ObjectKey() != "reports/q1.csv" || ev.S3.Object.VersionID != aws.ToString(put.VersionId) ||
		`"`+ev.S3.Object.ETag+`"` != aws.ToString(put.ETag) || ev.S3.Object.Size != 4 || ev.AWSRegion != "us-east-1" ||
		d == nil || d.FailureReason != replication.ReasonDstPutObjectNotPermitted || d.ReplicationRuleID != "events-rule" ||
		d.DestinationBucket != "arn:aws:s3:::ev-dst" || d.S3Operation != "OBJECT_PUT" {
		t.Fatalf("record %+v / %+v", ev, d)
	}

	kb := e.keys["b"]
	var apiErr *ferryapi.Error
	if _, err := readEvents(e, kb.ID, kb.Secret, "ev-src", ""); !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Fatalf("account B reads the events: %v", err)
	}
	// A bucket policy may let B read the notification configuration, not
	// A's events.
	grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` +
		string(kb.Principal().Account) + `:root"},"Action":"s3:GetBucketNotification","Resource":"arn:aws:s3:::ev-src"}]}`
	if _, err := a.PutBucketPolicy(e.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("ev-src"), Policy: aws.String(grant)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3("b", "us-east-1").GetBucketNotificationConfiguration(e.ctx,
		&s3.GetBucketNotificationConfigurationInput{Bucket: aws.String("ev-src")}); err != nil {
		t.Fatalf("account B reads the granted notification configuration: %v", err)
	}
	if _, err := readEvents(e, kb.ID, kb.Secret, "ev-src", ""); !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Fatalf("account B reads the events through the grant: %v", err)
	}
	if _, err := readEvents(e, ka.ID, ka.Secret, "ev-src", "0"); !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
		t.Fatalf("limit=0: %v", err)
	}
	if err := e.w.WriteClientFiles(e.srv.URL); err != nil {
		t.Fatal(err)
	}
	admin, err := ReadAdmin(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	if evs, err := readEvents(e, admin.AccessKeyID, admin.SecretAccessKey, "ev-src", "5"); err != nil || len(evs) != 1 {
		t.Fatalf("operator reads %d records, %v", len(evs), err)
	}
}

// TestThresholdEventsEndToEnd: under RTC, with the engine driven by hand on
// a manual clock, a version still PENDING 16 minutes after its write gets
// OperationMissedThreshold (once), and OperationReplicatedAfterThreshold
// when it completes later. The clock is put back to real time before each
// signed request.
func TestThresholdEventsEndToEnd(t *testing.T) {
	clock := ferryaws.NewManualClock(time.Now())
	e := startEnvWith(t, Config{DataDir: t.TempDir(), Clock: clock, Replication: ReplicationConfig{Disabled: true}}, false)
	defer e.stop()
	role := eventsSetup(t, e, "rtc-src", "rtc-dst", "a")
	fifteen := aws.Int32(15)
	putEventsRule(t, e, "rtc-src", "rtc-dst", role, types.Destination{
		ReplicationTime: &types.ReplicationTime{Status: types.ReplicationTimeStatusEnabled, Time: &types.ReplicationTimeValue{Minutes: fifteen}},
		Metrics:         &types.Metrics{Status: types.MetricsStatusEnabled, EventThreshold: &types.ReplicationTimeValue{Minutes: fifteen}}})
	a := e.s3("a", "us-east-1")
	if _, err := a.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("rtc-src"), Key: aws.String("slow.bin"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	ka := e.keys["a"]
	names := func() []string {
		t.Helper()
		clock.Set(time.Now())
		evs, err := readEvents(e, ka.ID, ka.Secret, "rtc-src", "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, ev := range evs {
			out = append(out, strings.TrimPrefix(ev.EventName, "Replication:Operation")+"/"+ev.ReplicationEventData.Threshold)
		}
		return out
	}

	clock.Advance(14 * time.Minute)
	if err := e.w.Replication.CheckThresholds(); err != nil {
		t.Fatal(err)
	}
	if got := names(); len(got) != 0 {
		t.Fatalf("events within the threshold: %v", got)
	}
	clock.Advance(16 * time.Minute)
	for i := 0; i < 2; i++ {
		if err := e.w.Replication.CheckThresholds(); err != nil {
			t.Fatal(err)
		}
	}
	if got := names(); strings.Join(got, " ") != "MissedThreshold/15" {
		t.Fatalf("after 16 minutes: %v", got)
	}

	clock.Advance(20 * time.Minute)
	for {
		did, err := e.w.Replication.RunOnce(e.ctx, "test")
		if err != nil {
			t.Fatal(err)
		}
		if !did {
			break
		}
	}
	if got := names(); strings.Join(got, " ") != "MissedThreshold/15 ReplicatedAfterThreshold/15" {
		t.Fatalf("after completion: %v", got)
	}
	head, err := a.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String("rtc-src"), Key: aws.String("slow.bin")})
	if err != nil || head.ReplicationStatus != "COMPLETED" {
		t.Fatalf("source status %q, %v", head.ReplicationStatus, err)
	}
}
