package sqsapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/sqs"
)

var alice = aws.Principal{Type: aws.PrincipalRoot, Account: "111111111111", ARN: aws.RootARN("111111111111"), UserID: "111111111111"}

// newClient serves the API to an SDK client as alice (signatures are the
// world's concern, tested there).
func newClient(t *testing.T) *sdk.Client {
	t.Helper()
	clock := aws.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	api := &API{SQS: sqs.New(sqs.Config{Store: meta.NewMemory(), Clock: clock, PollInterval: 5 * time.Millisecond})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.Serve(w, r, alice, "us-east-1", r.Body, "req-1")
	}))
	t.Cleanup(srv.Close)
	return sdk.New(sdk.Options{Region: "us-east-1", BaseEndpoint: awssdk.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIA", "secret", "")})
}

func TestProtocolThroughSDK(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	created, err := c.CreateQueue(ctx, &sdk.CreateQueueInput{QueueName: awssdk.String("jobs"),
		Attributes: map[string]string{"VisibilityTimeout": "45"}, Tags: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	url := created.QueueUrl
	if got, want := *url, "/111111111111/jobs"; len(got) < len(want) || got[len(got)-len(want):] != want {
		t.Fatalf("QueueUrl %q", got)
	}
	if got, err := c.GetQueueUrl(ctx, &sdk.GetQueueUrlInput{QueueName: awssdk.String("jobs")}); err != nil || *got.QueueUrl != *url {
		t.Fatalf("GetQueueUrl: %v %v", got, err)
	}
	list, err := c.ListQueues(ctx, &sdk.ListQueuesInput{QueueNamePrefix: awssdk.String("j")})
	if err != nil || len(list.QueueUrls) != 1 {
		t.Fatalf("ListQueues: %v %v", list, err)
	}
	// SendMessage: the SDK checks MD5OfMessageBody itself.
	sent, err := c.SendMessage(ctx, &sdk.SendMessageInput{QueueUrl: url, MessageBody: awssdk.String("hello"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"colour": {DataType: awssdk.String("String"), StringValue: awssdk.String("blue")},
			"blob":   {DataType: awssdk.String("Binary"), BinaryValue: []byte{0, 1, 2}},
		}})
	if err != nil || sent.MD5OfMessageAttributes == nil {
		t.Fatalf("SendMessage: %v %v", sent, err)
	}
	batch, err := c.SendMessageBatch(ctx, &sdk.SendMessageBatchInput{QueueUrl: url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: awssdk.String("a"), MessageBody: awssdk.String("one")},
		{Id: awssdk.String("b"), MessageBody: awssdk.String("two"), DelaySeconds: 901},
	}})
	if err != nil || len(batch.Successful) != 1 || len(batch.Failed) != 1 || *batch.Failed[0].Id != "b" {
		t.Fatalf("SendMessageBatch: %+v %v", batch, err)
	}
	got, err := c.ReceiveMessage(ctx, &sdk.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}, MessageAttributeNames: []string{"All"}})
	if err != nil || len(got.Messages) != 2 {
		t.Fatalf("ReceiveMessage: %+v %v", got, err)
	}
	m := got.Messages[0]
	if *m.Body != "hello" || m.Attributes["ApproximateReceiveCount"] != "1" || m.Attributes["SentTimestamp"] != "1767225600000" ||
		string(m.MessageAttributes["blob"].BinaryValue) != "\x00\x01\x02" || *m.MD5OfMessageAttributes != *sent.MD5OfMessageAttributes {
		t.Fatalf("message %+v", m)
	}
	if _, err := c.ChangeMessageVisibility(ctx, &sdk.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 100}); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteMessageBatch(ctx, &sdk.DeleteMessageBatchInput{QueueUrl: url, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: awssdk.String("x"), ReceiptHandle: m.ReceiptHandle}, {Id: awssdk.String("y"), ReceiptHandle: awssdk.String("bogus")}}})
	if err != nil || len(del.Successful) != 1 || len(del.Failed) != 1 || *del.Failed[0].Code != "ReceiptHandleIsInvalid" {
		t.Fatalf("DeleteMessageBatch: %+v %v", del, err)
	}
	if _, err := c.DeleteMessage(ctx, &sdk.DeleteMessageInput{QueueUrl: url, ReceiptHandle: got.Messages[1].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sdk.GetQueueAttributesInput{QueueUrl: url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil || attrs.Attributes["VisibilityTimeout"] != "45" || attrs.Attributes["ApproximateNumberOfMessages"] != "0" {
		t.Fatalf("GetQueueAttributes: %v %v", attrs, err)
	}
	if tags, err := c.ListQueueTags(ctx, &sdk.ListQueueTagsInput{QueueUrl: url}); err != nil || tags.Tags["team"] != "a" {
		t.Fatalf("ListQueueTags: %v %v", tags, err)
	}
	if _, err := c.DeleteQueue(ctx, &sdk.DeleteQueueInput{QueueUrl: url}); err != nil {
		t.Fatal(err)
	}
}

func TestErrorsThroughSDK(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	created, err := c.CreateQueue(ctx, &sdk.CreateQueueInput{QueueName: awssdk.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	missing := awssdk.String("http://localhost/111111111111/nope")
	tests := []struct {
		name string
		call func() error
		code string // as the SDK reports it: the Query code from x-amzn-query-error
		as   any
	}{
		{"missing queue", func() error {
			_, err := c.SendMessage(ctx, &sdk.SendMessageInput{QueueUrl: missing, MessageBody: awssdk.String("x")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", new(*types.QueueDoesNotExist)},
		{"name taken", func() error {
			_, err := c.CreateQueue(ctx, &sdk.CreateQueueInput{QueueName: awssdk.String("q"), Attributes: map[string]string{"DelaySeconds": "5"}})
			return err
		}, "QueueAlreadyExists", new(*types.QueueNameExists)},
		{"unknown attribute", func() error {
			_, err := c.SetQueueAttributes(ctx, &sdk.SetQueueAttributesInput{QueueUrl: created.QueueUrl, Attributes: map[string]string{"Nope": "1"}})
			return err
		}, "InvalidAttributeName", new(*types.InvalidAttributeName)},
		{"bad policy", func() error {
			_, err := c.SetQueueAttributes(ctx, &sdk.SetQueueAttributesInput{QueueUrl: created.QueueUrl, Attributes: map[string]string{"Policy": "{"}})
			return err
		}, "InvalidAttributeValue", new(*types.InvalidAttributeValue)},
		{"empty batch", func() error {
			_, err := c.DeleteMessageBatch(ctx, &sdk.DeleteMessageBatchInput{QueueUrl: created.QueueUrl, Entries: []types.DeleteMessageBatchRequestEntry{}})
			return err
		}, "AWS.SimpleQueueService.EmptyBatchRequest", new(*types.EmptyBatchRequest)},
		{"repeated ids", func() error {
			e := types.SendMessageBatchRequestEntry{Id: awssdk.String("a"), MessageBody: awssdk.String("x")}
			_, err := c.SendMessageBatch(ctx, &sdk.SendMessageBatchInput{QueueUrl: created.QueueUrl, Entries: []types.SendMessageBatchRequestEntry{e, e}})
			return err
		}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", new(*types.BatchEntryIdsNotDistinct)},
		{"too many messages", func() error {
			_, err := c.ReceiveMessage(ctx, &sdk.ReceiveMessageInput{QueueUrl: created.QueueUrl, MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue", nil},
		{"not in flight", func() error {
			c.SendMessage(ctx, &sdk.SendMessageInput{QueueUrl: created.QueueUrl, MessageBody: awssdk.String("x")})
			got, _ := c.ReceiveMessage(ctx, &sdk.ReceiveMessageInput{QueueUrl: created.QueueUrl})
			c.DeleteMessage(ctx, &sdk.DeleteMessageInput{QueueUrl: created.QueueUrl, ReceiptHandle: got.Messages[0].ReceiptHandle})
			_, err := c.ChangeMessageVisibility(ctx, &sdk.ChangeMessageVisibilityInput{QueueUrl: created.QueueUrl,
				ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 10})
			return err
		}, "AWS.SimpleQueueService.MessageNotInflight", new(*types.MessageNotInflight)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.code {
				t.Fatalf("err = %v, want code %s", err, tt.code)
			}
			switch target := tt.as.(type) {
			case **types.QueueDoesNotExist:
				if !errors.As(err, target) {
					t.Fatalf("not a %T: %v", *target, err)
				}
			case **types.QueueNameExists, **types.InvalidAttributeName, **types.InvalidAttributeValue,
				**types.EmptyBatchRequest, **types.BatchEntryIdsNotDistinct, **types.MessageNotInflight:
				if !errors.As(err, tt.as) {
					t.Fatalf("not the modelled error type: %T %v", err, err)
				}
			}
		})
	}
}
