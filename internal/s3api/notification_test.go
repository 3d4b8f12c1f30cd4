package s3api

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// TestNotificationConfigurationWire: Put/GetBucketNotificationConfiguration
// through the SDK: an empty configuration at first, the round trip of
// every kind with generated Ids (destinations stored only with
// SkipDestinationValidation, as Ferry can validate none), an
// EventBridge-only configuration without it, the validation errors, and
// an empty document clearing the configuration.
func TestNotificationConfigurationWire(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	a := ts.client("AKIDACCOUNTA", "us-east-1")
	ts.mustCreateBucket(t, a, "notif", "us-east-1")
	bucket := aws.String("notif")

	got, err := a.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: bucket})
	if err != nil || len(got.QueueConfigurations)+len(got.TopicConfigurations)+len(got.LambdaFunctionConfigurations) != 0 || got.EventBridgeConfiguration != nil {
		t.Fatalf("initial configuration %+v, %v", got, err)
	}

	queue := "arn:aws:sqs:us-east-1:111111111111:repl-events"
	cfg := &types.NotificationConfiguration{
		QueueConfigurations: []types.QueueConfiguration{{QueueArn: aws.String(queue),
			Events: []types.Event{"s3:Replication:OperationFailedReplication", "s3:Replication:OperationMissedThreshold"},
			Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{FilterRules: []types.FilterRule{
				{Name: types.FilterRuleNamePrefix, Value: aws.String("logs/")}}}}}},
		TopicConfigurations: []types.TopicConfiguration{{Id: aws.String("created"), TopicArn: aws.String("arn:aws:sns:us-east-1:111111111111:t"),
			Events: []types.Event{types.EventS3ObjectCreated}}},
		LambdaFunctionConfigurations: []types.LambdaFunctionConfiguration{{LambdaFunctionArn: aws.String("arn:aws:lambda:us-east-1:111111111111:function:f"),
			Events: []types.Event{"s3:ObjectRemoved:*"}}},
		EventBridgeConfiguration: &types.EventBridgeConfiguration{},
	}
	_, err = a.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: bucket, NotificationConfiguration: cfg})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidArgument" || ae.ErrorMessage() != "Unable to validate the following destination configurations" {
		t.Fatalf("without SkipDestinationValidation: %v", err)
	}
	if _, err := a.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: bucket,
		NotificationConfiguration: cfg, SkipDestinationValidation: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	got, err = a.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.QueueConfigurations) != 1 || len(got.TopicConfigurations) != 1 || len(got.LambdaFunctionConfigurations) != 1 || got.EventBridgeConfiguration == nil {
		t.Fatalf("round trip %+v", got)
	}
	q := got.QueueConfigurations[0]
	if aws.ToString(q.Id) == "" || aws.ToString(q.QueueArn) != queue || len(q.Events) != 2 || q.Events[1] != "s3:Replication:OperationMissedThreshold" ||
		q.Filter == nil || len(q.Filter.Key.FilterRules) != 1 || aws.ToString(q.Filter.Key.FilterRules[0].Value) != "logs/" {
		t.Fatalf("queue configuration %+v", q)
	}
	if aws.ToString(got.TopicConfigurations[0].Id) != "created" || aws.ToString(got.LambdaFunctionConfigurations[0].Id) == "" {
		t.Fatalf("ids: topic %q, function %q", aws.ToString(got.TopicConfigurations[0].Id), aws.ToString(got.LambdaFunctionConfigurations[0].Id))
	}

	// EventBridge alone needs no validation.
	if _, err := a.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: bucket,
		NotificationConfiguration: &types.NotificationConfiguration{EventBridgeConfiguration: &types.EventBridgeConfiguration{}}}); err != nil {
		t.Fatal(err)
	}

	bad := []struct {
		name string
		cfg  types.NotificationConfiguration
		msg  string
	}{
		{"unparsable ARN", types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{QueueArn: aws.String("queue-name"),
			Events: []types.Event{types.EventS3ObjectCreated}}}}, "The ARN could not be parsed"},
		{"unknown event", types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{QueueArn: aws.String(queue),
			Events: []types.Event{"s3:Replication:Everything"}}}}, "The event is not supported for notifications"},
		{"filter rule name", types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{QueueArn: aws.String(queue),
			Events: []types.Event{types.EventS3ObjectCreated}, Filter: &types.NotificationConfigurationFilter{Key: &types.S3KeyFilter{
				FilterRules: []types.FilterRule{{Name: "infix", Value: aws.String("x")}}}}}}}, "filter rule name must be either prefix or suffix"},
		{"overlap", types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{
			{QueueArn: aws.String(queue), Events: []types.Event{"s3:Replication:*"}},
			{QueueArn: aws.String(queue), Events: []types.Event{"s3:Replication:OperationFailedReplication"}}}}, "Configurations overlap."},
	}
	for _, c := range bad {
		_, err := a.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: bucket,
			NotificationConfiguration: &c.cfg, SkipDestinationValidation: aws.Bool(true)})
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidArgument" || !strings.HasPrefix(ae.ErrorMessage(), c.msg) {
			t.Errorf("%s: %v, want InvalidArgument %q", c.name, err, c.msg)
		}
	}

	// Another account may neither read nor write it.
	b := ts.client("AKIDACCOUNTB", "us-east-1")
	if _, err := b.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: bucket}); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("account B reads: %v", err)
	}

	// An empty document clears it.
	if _, err := a.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: bucket,
		NotificationConfiguration: &types.NotificationConfiguration{}}); err != nil {
		t.Fatal(err)
	}
	got, err = a.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: bucket})
	if err != nil || got.EventBridgeConfiguration != nil || len(got.QueueConfigurations) != 0 {
		t.Fatalf("after clearing: %+v, %v", got, err)
	}
}
