package world

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/ferrystore/ferry/internal/replication"
)

// sqsClient is account's SQS client in region, signed through Ferry's
// front (SigV4 service "sqs").
func (e *env) sqsClient(account, region string) *sqs.Client {
	k := e.keys[account]
	return sqs.New(sqs.Options{Region: region, BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
		Credentials: static(k.ID, k.Secret, "")})
}

// s3QueuePolicy lets s3.amazonaws.com send bucket's events (owned by
// owner) to queue.
func s3QueuePolicy(queue, bucket, owner string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"s3-events","Effect":"Allow",
		"Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` + queue + `",
		"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::` + bucket + `"},"StringEquals":{"aws:SourceAccount":"` + owner + `"}}}]}`
}

// receiveBody waits for one message on url and deletes it.
func receiveBody(t *testing.T, e *env, c *sqs.Client, url *string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, err := c.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) > 0 {
			m := out.Messages[0]
			if _, err := c.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
			return *m.Body
		}
	}
	t.Fatal("no message arrived")
	return ""
}

// TestReplicationFailureToQueue: a source bucket whose replication fails
// (no destination bucket policy: DstPutObjectNotPermitted) and whose
// notification configuration sends s3:Replication:OperationFailedReplication
// to an SQS queue. Without the queue policy statement for s3.amazonaws.com
// (or without the queue) the configuration is refused; with it the queue
// gets the s3:TestEvent at configuration time, then the failure event
// with its failureReason, delivered as s3.amazonaws.com.
func TestReplicationFailureToQueue(t *testing.T) {
	e := startReplicationEnv(t, ReplicationConfig{Workers: 2, PollInterval: 20 * time.Millisecond,
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	defer e.stop()
	role := eventsSetup(t, e, "nq-src", "nq-dst", "b")
	putEventsRule(t, e, "nq-src", "nq-dst", role, types.Destination{Metrics: &types.Metrics{Status: types.MetricsStatusEnabled}})
	owner := string(e.keys["a"].Principal().Account)
	queueARN := "arn:aws:sqs:us-east-1:" + owner + ":replication-alerts"
	a, q := e.s3("a", "us-east-1"), e.sqsClient("a", "us-east-1")
	notify := func(queue string) error {
		_, err := a.PutBucketNotificationConfiguration(e.ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String("nq-src"),
			NotificationConfiguration: &types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{
				Id: aws.String("failures"), QueueArn: aws.String(queue), Events: []types.Event{"s3:Replication:OperationFailedReplication"},
				Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{FilterRules: []types.FilterRule{
					{Name: types.FilterRuleNamePrefix, Value: aws.String("reports/")}}}}}}}})
		return err
	}
	refused := func(err error) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidArgument" || ae.ErrorMessage() != "Unable to validate the following destination configurations" {
			t.Fatalf("want destination validation error, got %v", err)
		}
	}
	refused(notify(queueARN)) // no such queue yet
	created, err := q.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String("replication-alerts")})
	if err != nil {
		t.Fatal(err)
	}
	url := created.QueueUrl
	refused(notify(queueARN)) // no statement for s3.amazonaws.com
	if _, err := q.SetQueueAttributes(e.ctx, &sqs.SetQueueAttributesInput{QueueUrl: url,
		Attributes: map[string]string{"Policy": s3QueuePolicy(queueARN, "other-bucket", owner)}}); err != nil {
		t.Fatal(err)
	}
	refused(notify(queueARN)) // a statement for another bucket
	if _, err := q.SetQueueAttributes(e.ctx, &sqs.SetQueueAttributesInput{QueueUrl: url,
		Attributes: map[string]string{"Policy": s3QueuePolicy(queueARN, "nq-src", owner)}}); err != nil {
		t.Fatal(err)
	}
	if err := notify(queueARN); err != nil {
		t.Fatal(err)
	}
	var test struct{ Service, Event, Bucket, Time, RequestId string }
	if err := json.Unmarshal([]byte(receiveBody(t, e, q, url)), &test); err != nil {
		t.Fatal(err)
	}
	if test.Service != "Amazon S3" || test.Event != "s3:TestEvent" || test.Bucket != "nq-src" || test.RequestId == "" {
		t.Fatalf("test event %+v", test)
	}

	for _, key := range []string{"other/skip.csv", "reports/q1.csv"} {
		if _, err := a.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("nq-src"), Key: aws.String(key), Body: strings.NewReader("a,b\n")}); err != nil {
			t.Fatal(err)
		}
		if st := waitStatus(t, a, "nq-src", key, types.ReplicationStatusPending); st != types.ReplicationStatusFailed {
			t.Fatalf("%s: status %s, want FAILED", key, st)
		}
	}
	var msg struct{ Records []replication.Event }
	if err := json.Unmarshal([]byte(receiveBody(t, e, q, url)), &msg); err != nil {
		t.Fatal(err)
	}
	if len(msg.Records) != 1 {
		t.Fatalf("records %+v", msg.Records)
	}
	ev := msg.Records[0]
	if ev.EventName != replication.EventFailedReplication || ev.EventSource != "aws:s3" || ev.AWSRegion != "us-east-1" ||
		ev.S3.ConfigurationID != "failures" || ev.S3.Bucket.Name != "nq-src" || ev.S3.Bucket.ARN != "arn:aws:s3:::nq-src" ||
		ev.S3.Object.Key != "reports%2Fq1.csv" || ev.ReplicationEventData == nil ||
		ev.ReplicationEventData.FailureReason != "DstPutObjectNotPermitted" {
		t.Fatalf("event %+v %+v", ev, ev.ReplicationEventData)
	}
	// The key outside the filter's prefix sent nothing.
	if out, err := q.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 1}); err != nil || len(out.Messages) != 0 {
		t.Fatalf("unexpected messages %+v %v", out, err)
	}
	if pending, err := e.w.Notifications.Pending(); err != nil || len(pending) != 0 {
		t.Fatalf("outbox not empty: %+v %v", pending, err)
	}

	// Without the queue policy, S3 may no longer send: the next failure
	// event is dropped (and counted), never delivered.
	if _, err := q.SetQueueAttributes(e.ctx, &sqs.SetQueueAttributesInput{QueueUrl: url,
		Attributes: map[string]string{"Policy": ""}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("nq-src"), Key: aws.String("reports/q2.csv"), Body: strings.NewReader("c\n")}); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, a, "nq-src", "reports/q2.csv", types.ReplicationStatusPending); st != types.ReplicationStatusFailed {
		t.Fatalf("q2: status %s, want FAILED", st)
	}
	if err := e.w.Notifications.Deliver(e.ctx); err != nil {
		t.Fatal(err)
	}
	if out, err := q.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: url, WaitTimeSeconds: 1}); err != nil || len(out.Messages) != 0 {
		t.Fatalf("delivered without the queue policy: %+v %v", out, err)
	}
	metrics := scrape(t, e)
	for _, want := range []string{`ferry_notification_deliveries_total{result="delivered"} 1`, `ferry_notification_deliveries_total{result="dropped"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// scrape reads /_ferry/metrics.
func scrape(t *testing.T, e *env) string {
	t.Helper()
	resp, err := e.srv.Client().Get(e.srv.URL + "/_ferry/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestQueuePolicyAcrossAccounts: another account may send to a queue
// only when the queue policy and its own identity policies both allow;
// the queue's account needs no queue policy.
func TestQueuePolicyAcrossAccounts(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	owner := string(e.keys["a"].Principal().Account)
	qa, qb := e.sqsClient("a", "us-east-1"), e.sqsClient("b", "us-east-1")
	created, err := qa.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String("shared")})
	if err != nil {
		t.Fatal(err)
	}
	url := created.QueueUrl
	send := func(c *sqs.Client) error {
		_, err := c.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("hi")})
		return err
	}
	denied := func(err error) bool {
		var ae smithy.APIError
		return errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied"
	}
	if err := send(qa); err != nil {
		t.Fatalf("owner: %v", err)
	}
	if err := send(qb); !denied(err) {
		t.Fatalf("other account without a queue policy: %v", err)
	}
	if _, err := qb.GetQueueUrl(e.ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("shared"), QueueOwnerAWSAccountId: aws.String(owner)}); !denied(err) {
		t.Fatalf("GetQueueUrl from another account: %v", err)
	}
	other := string(e.keys["b"].Principal().Account)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + other + `:root"},
		"Action":["sqs:SendMessage","sqs:GetQueueUrl"],"Resource":"arn:aws:sqs:us-east-1:` + owner + `:shared"}]}`
	if _, err := qa.SetQueueAttributes(e.ctx, &sqs.SetQueueAttributesInput{QueueUrl: url, Attributes: map[string]string{"Policy": policy}}); err != nil {
		t.Fatal(err)
	}
	if err := send(qb); err != nil {
		t.Fatalf("other account's root with the queue policy: %v", err)
	}
	if _, err := qb.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: url}); !denied(err) {
		t.Fatalf("ReceiveMessage is not granted: %v", err)
	}
	attrs, err := qa.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: url, AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages"}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != "2" {
		t.Fatalf("attributes %v %v", attrs, err)
	}
}

// TestSQSAuthenticationErrors: a bad signature or an unknown key gets the
// JSON services' errors, with the Query codes the SDK reports.
func TestSQSAuthenticationErrors(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	k := e.keys["a"]
	tests := []struct {
		name, id, secret, code string
	}{
		{"wrong secret", k.ID, "not-the-secret", "SignatureDoesNotMatch"},
		{"unknown key", "AKIAUNKNOWNKEY000000", "x", "InvalidClientTokenId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
				Credentials: static(tt.id, tt.secret, "")})
			_, err := c.ListQueues(e.ctx, &sqs.ListQueuesInput{})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.code {
				t.Fatalf("err = %v, want %s", err, tt.code)
			}
		})
	}
}

// TestUnsignedSQSRequest: an unsigned AmazonSQS request gets SQS's JSON
// error, not S3's XML.
func TestUnsignedSQSRequest(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "AmazonSQS.ListQueues")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Type string `json:"__type"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != http.StatusForbidden || !strings.HasSuffix(body.Type, "#MissingAuthenticationTokenException") ||
		resp.Header.Get("x-amzn-query-error") != "MissingAuthenticationToken;Sender" {
		t.Fatalf("status %d, type %q, headers %v", resp.StatusCode, body.Type, resp.Header)
	}
}

// TestQueueMessagesSurviveRestart: a 2xx SendMessage is durable; a
// received message keeps its receive count and invisibility across a
// restart.
func TestQueueMessagesSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	e := startEnv(t, dir, false)
	q := e.sqsClient("a", "us-east-1")
	created, err := q.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"first", "second"} {
		if _, err := q.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: created.QueueUrl, MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := q.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, VisibilityTimeout: 600}); err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive %+v %v", out, err)
	}
	e.stop()

	e = startEnv(t, dir, false)
	defer e.stop()
	q = e.sqsClient("a", "us-east-1")
	url, err := q.GetQueueUrl(e.ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := q.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: url.QueueUrl, MaxNumberOfMessages: 10})
	if err != nil || len(out.Messages) != 1 || *out.Messages[0].Body != "second" {
		t.Fatalf("after restart: %+v %v", out, err)
	}
}
