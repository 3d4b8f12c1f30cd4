package sqs

import (
	"context"
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

const acct = aws.AccountID("111122223333")

var owner = aws.Principal{Type: aws.PrincipalRoot, Account: acct, ARN: aws.RootARN(acct), UserID: string(acct)}

func newService(t *testing.T) (*Service, *aws.ManualClock) {
	t.Helper()
	clock := aws.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	return New(Config{Store: meta.NewMemory(), Clock: clock, PollInterval: 5 * time.Millisecond}), clock
}

func newQueue(t *testing.T, s *Service, name string, attrs map[string]string) Ref {
	t.Helper()
	q, err := s.CreateQueue(context.Background(), owner, "us-east-1", name, attrs, nil)
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	return q.Ref()
}

func intp(i int) *int { return &i }

func TestCreateQueue(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	newQueue(t, s, "q", map[string]string{"VisibilityTimeout": "60"})
	tests := []struct {
		name  string
		queue string
		attrs map[string]string
		code  string
	}{
		{"same attributes", "q", map[string]string{"VisibilityTimeout": "60"}, ""},
		{"no attributes", "q", nil, ""},
		{"different attribute", "q", map[string]string{"VisibilityTimeout": "30"}, "QueueNameExists"},
		{"bad name", "a b", nil, "InvalidParameterValue"},
		{"unknown attribute", "r", map[string]string{"Colour": "blue"}, "InvalidAttributeName"},
		{"out of range", "r", map[string]string{"DelaySeconds": "901"}, "InvalidAttributeValue"},
		{"bad policy", "r", map[string]string{"Policy": "not json"}, "InvalidAttributeValue"},
		{"fifo", "r", map[string]string{"FifoQueue": "true"}, "UnsupportedOperation"},
		{"ok", "r", map[string]string{"MessageRetentionPeriod": "60"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateQueue(ctx, owner, "us-east-1", tt.queue, tt.attrs, nil)
			if tt.code == "" && err != nil || tt.code != "" && !aws.IsCode(err, tt.code) {
				t.Fatalf("err = %v, want %q", err, tt.code)
			}
		})
	}
	other := aws.Principal{Type: aws.PrincipalRoot, Account: "444455556666", ARN: aws.RootARN("444455556666")}
	if _, err := s.GetQueueURL(ctx, other, "us-east-1", "q", acct); !aws.IsCode(err, "AccessDenied") {
		t.Fatalf("other account: %v", err)
	}
	if _, err := s.GetQueueURL(ctx, owner, "eu-west-1", "q", ""); !aws.IsCode(err, "QueueDoesNotExist") {
		t.Fatalf("other region: %v", err)
	}
}

func TestListQueuesPages(t *testing.T) {
	s, _ := newService(t)
	for _, n := range []string{"a1", "a2", "a3", "b1"} {
		newQueue(t, s, n, nil)
	}
	var names []string
	token := ""
	for i := 0; i < 5; i++ {
		qs, next, err := s.ListQueues(context.Background(), owner, "us-east-1", "a", token, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			names = append(names, q.Name)
		}
		if token = next; token == "" {
			break
		}
	}
	if got := len(names); got != 3 || names[0] != "a1" || names[2] != "a3" {
		t.Fatalf("names = %v", names)
	}
}

func TestSendReceiveDelete(t *testing.T) {
	s, clock := newService(t)
	ctx := context.Background()
	r := newQueue(t, s, "q", map[string]string{"VisibilityTimeout": "10"})
	sent, err := s.SendMessage(ctx, owner, r, Send{Body: "hello", Attributes: map[string]MessageAttribute{
		"k": {DataType: "String", StringValue: "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	if sent.MD5OfBody != "5d41402abc4b2a76b9719d911017c592" || sent.MD5OfAttributes == "" {
		t.Fatalf("sent = %+v", sent)
	}
	steps := []struct {
		name    string
		advance time.Duration
		want    int
		count   string
	}{
		{"first receive", 0, 1, "1"},
		{"invisible", 5 * time.Second, 0, ""},
		{"visible again after the timeout", 6 * time.Second, 1, "2"},
	}
	var last Received
	for _, st := range steps {
		clock.Advance(st.advance)
		got, err := s.ReceiveMessage(ctx, owner, r, Receive{Max: 10})
		if err != nil || len(got) != st.want {
			t.Fatalf("%s: %d messages, %v", st.name, len(got), err)
		}
		if st.want > 0 {
			last = got[0]
			if c := last.SystemAttributes()["ApproximateReceiveCount"]; c != st.count || last.Body != "hello" {
				t.Fatalf("%s: count %s body %q", st.name, c, last.Body)
			}
		}
	}
	if err := s.ChangeMessageVisibility(ctx, owner, r, last.ReceiptHandle, 0); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ReceiveMessage(ctx, owner, r, Receive{})
	if len(got) != 1 {
		t.Fatal("visibility 0 did not make the message visible")
	}
	if err := s.ChangeMessageVisibility(ctx, owner, r, last.ReceiptHandle, 5); !aws.IsCode(err, "MessageNotInflight") {
		t.Fatalf("stale handle: %v", err)
	}
	if err := s.DeleteMessage(ctx, owner, r, "junk"); !aws.IsCode(err, "ReceiptHandleIsInvalid") {
		t.Fatalf("junk handle: %v", err)
	}
	if err := s.DeleteMessage(ctx, owner, r, got[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if got, _ := s.ReceiveMessage(ctx, owner, r, Receive{}); len(got) != 0 {
		t.Fatal("deleted message came back")
	}
	attrs, err := s.GetQueueAttributes(ctx, owner, r, []string{"All"})
	if err != nil || attrs["ApproximateNumberOfMessages"] != "0" || attrs["QueueArn"] != "arn:aws:sqs:us-east-1:111122223333:q" {
		t.Fatalf("attributes %v, %v", attrs, err)
	}
}

func TestReceiveLimitsAndDelay(t *testing.T) {
	s, clock := newService(t)
	ctx := context.Background()
	r := newQueue(t, s, "q", nil)
	ms := make([]Send, 12)
	for i := range ms {
		ms[i] = Send{Body: "m"}
	}
	ms[11].Delay = intp(30)
	if _, _, err := s.SendMessageBatch(ctx, owner, r, ms); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReceiveMessage(ctx, owner, r, Receive{Max: 11}); !aws.IsCode(err, "InvalidParameterValue") {
		t.Fatalf("11 messages: %v", err)
	}
	got, _ := s.ReceiveMessage(ctx, owner, r, Receive{Max: 10, Visibility: intp(600)})
	if len(got) != 10 {
		t.Fatalf("got %d", len(got))
	}
	attrs, _ := s.GetQueueAttributes(ctx, owner, r, []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"})
	if attrs["ApproximateNumberOfMessages"] != "1" || attrs["ApproximateNumberOfMessagesNotVisible"] != "10" || attrs["ApproximateNumberOfMessagesDelayed"] != "1" {
		t.Fatalf("attrs %v", attrs)
	}
	clock.Advance(31 * time.Second)
	if got, _ := s.ReceiveMessage(ctx, owner, r, Receive{Max: 10}); len(got) != 12-10 {
		t.Fatalf("after delay: %d", len(got))
	}
}

func TestLongPoll(t *testing.T) {
	s, clock := newService(t)
	ctx := context.Background()
	r := newQueue(t, s, "q", nil)
	tests := []struct {
		name string
		act  func()
	}{
		{"woken by a send", func() { s.SendMessage(ctx, owner, r, Send{Body: "x"}) }},
		{"a delayed message becomes visible by the clock", func() {
			s.SendMessage(ctx, owner, r, Send{Body: "y", Delay: intp(5)})
			time.Sleep(20 * time.Millisecond)
			clock.Advance(6 * time.Second)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan []Received)
			go func() {
				got, _ := s.ReceiveMessage(ctx, owner, r, Receive{Wait: intp(20), Visibility: intp(600)})
				done <- got
			}()
			time.Sleep(20 * time.Millisecond)
			tt.act()
			select {
			case got := <-done:
				if len(got) != 1 {
					t.Fatalf("got %d messages", len(got))
				}
			case <-time.After(5 * time.Second):
				t.Fatal("long poll did not return")
			}
		})
	}
	// An empty queue answers when the wait has passed by the clock.
	done := make(chan struct{})
	go func() {
		s.ReceiveMessage(ctx, owner, r, Receive{Wait: intp(2)})
		close(done)
	}()
	time.Sleep(20 * time.Millisecond)
	clock.Advance(3 * time.Second)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("long poll outlived its wait")
	}
}

func TestPurgeAndDeleteQueue(t *testing.T) {
	s, clock := newService(t)
	ctx := context.Background()
	r := newQueue(t, s, "q", nil)
	s.SendMessage(ctx, owner, r, Send{Body: "x"})
	if err := s.PurgeQueue(ctx, owner, r); err != nil {
		t.Fatal(err)
	}
	if err := s.PurgeQueue(ctx, owner, r); !aws.IsCode(err, "PurgeQueueInProgress") {
		t.Fatalf("second purge: %v", err)
	}
	clock.Advance(time.Minute)
	s.SendMessage(ctx, owner, r, Send{Body: "x"})
	if err := s.DeleteQueue(ctx, owner, r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateQueue(ctx, owner, "us-east-1", "q", nil, nil); !aws.IsCode(err, "QueueDeletedRecently") {
		t.Fatalf("recreated at once: %v", err)
	}
	clock.Advance(time.Minute)
	r = newQueue(t, s, "q", nil)
	if got, _ := s.ReceiveMessage(ctx, owner, r, Receive{}); len(got) != 0 {
		t.Fatal("a new queue of the same name has old messages")
	}
	if _, err := s.SendMessage(ctx, owner, Ref{Account: acct, Region: "us-east-1", Name: "gone"}, Send{Body: "x"}); !aws.IsCode(err, "QueueDoesNotExist") {
		t.Fatalf("missing queue: %v", err)
	}
}

func TestMD5OfAttributes(t *testing.T) {
	// The digest the SDKs verify: checked against aws-sdk-go-v2 in the
	// protocol tests; here its stability and order independence.
	a := map[string]MessageAttribute{"b": {DataType: "Number", StringValue: "1"}, "a": {DataType: "Binary", BinaryValue: []byte{1, 2}}}
	if MD5OfAttributes(a) != MD5OfAttributes(map[string]MessageAttribute{"a": a["a"], "b": a["b"]}) || MD5OfAttributes(nil) != "" {
		t.Fatal("unstable digest")
	}
}

func TestChangeMessageVisibilityBatch(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	r := newQueue(t, s, "q", nil)
	if _, err := s.SendMessage(ctx, owner, r, Send{Body: "hello"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ReceiveMessage(ctx, owner, r, Receive{})
	if err != nil || len(got) != 1 {
		t.Fatalf("receive: %d messages, %v", len(got), err)
	}
	errs, err := s.ChangeMessageVisibilityBatch(ctx, owner, r, []VisibilityChange{
		{ReceiptHandle: got[0].ReceiptHandle, Seconds: 0}, {ReceiptHandle: "junk"}})
	if err != nil || errs[0] != nil || !aws.IsCode(errs[1], "ReceiptHandleIsInvalid") {
		t.Fatalf("batch: %v %v", errs, err)
	}
	other := aws.Principal{Type: aws.PrincipalRoot, Account: "444455556666", ARN: aws.RootARN("444455556666")}
	if _, err := s.ChangeMessageVisibilityBatch(ctx, other, r, []VisibilityChange{{ReceiptHandle: "junk"}}); !aws.IsCode(err, "AccessDenied") {
		t.Fatalf("other account: %v", err)
	}
}
