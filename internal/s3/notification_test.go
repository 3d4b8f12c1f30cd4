package s3

import (
	"context"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

func notificationDoc(inner string) []byte {
	return []byte(`<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + inner + `</NotificationConfiguration>`)
}

const (
	queueARN = "arn:aws:sqs:us-east-1:111111111111:q"
	topicARN = "arn:aws:sns:us-east-1:111111111111:t"
	fnARN    = "arn:aws:lambda:us-east-1:111111111111:function:f"
)

func queueConf(events string, filter string) string {
	return `<QueueConfiguration><Queue>` + queueARN + `</Queue>` + events + filter + `</QueueConfiguration>`
}

func filterOf(rules ...string) string {
	out := `<Filter><S3Key>`
	for i := 0; i+1 < len(rules); i += 2 {
		out += `<FilterRule><Name>` + rules[i] + `</Name><Value>` + rules[i+1] + `</Value></FilterRule>`
	}
	return out + `</S3Key></Filter>`
}

const (
	evCreated = `<Event>s3:ObjectCreated:*</Event>`
	evPut     = `<Event>s3:ObjectCreated:Put</Event>`
	evRepl    = `<Event>s3:Replication:*</Event>`
)

// TestParseNotificationConfiguration: the document's shape and S3's
// validation errors, in S3's order.
func TestParseNotificationConfiguration(t *testing.T) {
	cases := []struct {
		name    string
		doc     []byte
		code    string
		message string
		fields  []string
	}{
		{"empty", notificationDoc(""), "", "", nil},
		{"every kind", notificationDoc(`<TopicConfiguration><Id>t1</Id><Topic>` + topicARN + `</Topic>` + evRepl + `</TopicConfiguration>` +
			queueConf(evCreated, filterOf("prefix", "in/", "Suffix", ".csv")) +
			`<CloudFunctionConfiguration><CloudFunction>` + fnARN + `</CloudFunction><Event>s3:ObjectRemoved:*</Event></CloudFunctionConfiguration>` +
			`<EventBridgeConfiguration></EventBridgeConfiguration>`), "", "", nil},
		{"not XML", []byte("<Notif"), "MalformedXML", "", nil},
		{"wrong root", []byte("<Other/>"), "MalformedXML", "", nil},
		{"unknown element", notificationDoc(`<QueueConfiguration><Queue>` + queueARN + `</Queue>` + evCreated + `<Color>x</Color></QueueConfiguration>`), "MalformedXML", "", nil},
		{"topic element in a queue", notificationDoc(`<QueueConfiguration><Topic>` + topicARN + `</Topic>` + evCreated + `</QueueConfiguration>`), "MalformedXML", "", nil},
		{"no event", notificationDoc(`<QueueConfiguration><Queue>` + queueARN + `</Queue></QueueConfiguration>`), "MalformedXML", "", nil},
		{"no destination", notificationDoc(`<QueueConfiguration>` + evCreated + `</QueueConfiguration>`), "MalformedXML", "", nil},
		{"bad ARN", notificationDoc(`<QueueConfiguration><Queue>arn:aws:sqs:q</Queue>` + evCreated + `</QueueConfiguration>`),
			"InvalidArgument", "The ARN could not be parsed", []string{"ArgumentName=Queue", "ArgumentValue=arn:aws:sqs:q"}},
		{"topic ARN of another service", notificationDoc(`<TopicConfiguration><Topic>` + queueARN + `</Topic>` + evCreated + `</TopicConfiguration>`),
			"InvalidArgument", "The ARN could not be parsed", []string{"ArgumentName=Topic"}},
		{"unknown event", notificationDoc(queueConf(`<Event>s3:ObjectCreated:Sideways</Event>`, "")),
			"InvalidArgument", "The event is not supported for notifications", []string{"ArgumentName=Event", "ArgumentValue=s3:ObjectCreated:Sideways"}},
		{"bad filter rule name", notificationDoc(queueConf(evCreated, filterOf("middle", "x"))),
			"InvalidArgument", "filter rule name must be either prefix or suffix", []string{"ArgumentName=FilterRule.Name", "ArgumentValue=middle"}},
		{"two prefixes", notificationDoc(queueConf(evCreated, filterOf("prefix", "a", "Prefix", "b"))),
			"InvalidArgument", "Cannot specify more than one prefix rule in a filter.", nil},
		{"same event twice", notificationDoc(queueConf(evCreated, "") + queueConf(evPut, "")),
			"InvalidArgument", "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
			[]string{"ArgumentName=Event", "ArgumentValue=s3:ObjectCreated:*, s3:ObjectCreated:Put"}},
		{"overlapping prefixes", notificationDoc(queueConf(evCreated, filterOf("prefix", "in/")) + queueConf(evPut, filterOf("prefix", "in/x"))),
			"InvalidArgument", "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.", nil},
		{"disjoint prefixes", notificationDoc(queueConf(evCreated, filterOf("prefix", "a/")) + queueConf(evCreated, filterOf("prefix", "b/"))), "", "", nil},
		{"disjoint suffixes", notificationDoc(queueConf(evCreated, filterOf("suffix", ".jpg")) + queueConf(evCreated, filterOf("suffix", ".png"))), "", "", nil},
		{"different events", notificationDoc(queueConf(evCreated, "") + queueConf(evRepl, "")), "", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseNotificationConfiguration(c.doc)
			if c.code == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e, ok := aws.As(err)
			if !ok || e.Code != c.code || (c.message != "" && e.Message != c.message) {
				t.Fatalf("error %v, want %s %q", err, c.code, c.message)
			}
			for _, f := range c.fields {
				name, value, _ := strings.Cut(f, "=")
				found := false
				for _, ef := range e.Fields {
					if ef.Name == name && (value == "" || ef.Value == value) {
						found = true
					}
				}
				if !found {
					t.Errorf("no field %s in %+v", f, e.Fields)
				}
			}
		})
	}
}

// TestNotificationIDsAndMatch: missing Ids are generated, given ones kept;
// Match finds the configuration an event about a key would reach.
func TestNotificationIDsAndMatch(t *testing.T) {
	c, err := ParseNotificationConfiguration(notificationDoc(
		queueConf(`<Event>s3:Replication:OperationFailedReplication</Event>`, filterOf("prefix", "logs/")) +
			`<TopicConfiguration><Id>all-replication</Id><Topic>` + topicARN + `</Topic>` + evRepl + filterOf("prefix", "data/") + `</TopicConfiguration>`))
	if err != nil {
		t.Fatal(err)
	}
	s := c.withIDs()
	if s.Queues[0].ID == "" || s.Topics[0].ID != "all-replication" || c.Queues[0].ID != "" {
		t.Fatalf("ids: %+v / original %+v", s, c)
	}
	cases := []struct{ event, key, want string }{
		{"Replication:OperationFailedReplication", "logs/a", s.Queues[0].ID},
		{"Replication:OperationMissedThreshold", "logs/a", ""},
		{"Replication:OperationMissedThreshold", "data/a", "all-replication"},
		{"Replication:OperationFailedReplication", "other/a", ""},
	}
	for _, tc := range cases {
		if got := s.Match(tc.event, tc.key); got != tc.want {
			t.Errorf("Match(%s, %s) = %q, want %q", tc.event, tc.key, got, tc.want)
		}
	}
}

// TestUnvalidatedDestinations: one argument pair per destination, with
// AWS's reason for each kind.
func TestUnvalidatedDestinations(t *testing.T) {
	c, err := ParseNotificationConfiguration(notificationDoc(
		`<TopicConfiguration><Topic>` + topicARN + `</Topic>` + evRepl + `</TopicConfiguration>` + queueConf(evCreated, "") +
			`<CloudFunctionConfiguration><CloudFunction>` + fnARN + `</CloudFunction><Event>s3:ObjectRemoved:*</Event></CloudFunctionConfiguration>`))
	if err != nil {
		t.Fatal(err)
	}
	e := ErrUnvalidatedDestinations(c)
	want := []aws.Field{{Name: "ArgumentName1", Value: topicARN}, {Name: "ArgumentValue1", Value: "The destination topic does not exist"},
		{Name: "ArgumentName2", Value: queueARN}, {Name: "ArgumentValue2", Value: "The destination queue does not exist"},
		{Name: "ArgumentName3", Value: fnARN + ", null"}, {Name: "ArgumentValue3", Value: "Not authorized to invoke function [" + fnARN + "]"}}
	if e.Message != "Unable to validate the following destination configurations" || len(e.Fields) != len(want) {
		t.Fatalf("%v %+v", e, e.Fields)
	}
	for i := range want {
		if e.Fields[i] != want[i] {
			t.Errorf("field %d = %+v, want %+v", i, e.Fields[i], want[i])
		}
	}
}

// fakeDestinations answers CheckQueue from reasons and records test events.
type fakeDestinations struct {
	reasons map[string]string
	tested  []string
}

func (f *fakeDestinations) CheckQueue(_ context.Context, arn string, _ *Bucket) string {
	return f.reasons[arn]
}

func (f *fakeDestinations) SendTestEvent(_ context.Context, arn string, _ *Bucket) error {
	f.tested = append(f.tested, arn)
	return nil
}

// TestDestinationValidation: only failing destinations are listed, with
// their reasons; a stored configuration's new queues get a test event, and
// nothing is checked or sent with skip.
func TestDestinationValidation(t *testing.T) {
	const other = "arn:aws:sqs:us-east-1:111111111111:other"
	both := queueConf(evCreated, "") + `<QueueConfiguration><Queue>` + other + `</Queue>` + evRepl + `</QueueConfiguration>`
	tests := []struct {
		name    string
		doc     string
		reasons map[string]string
		skip    bool
		fields  []aws.Field
		tested  []string
	}{
		{"queue ok", queueConf(evCreated, ""), nil, false, nil, []string{queueARN}},
		{"one of two denied", both, map[string]string{other: ReasonQueuePermissions}, false,
			[]aws.Field{{Name: "ArgumentName1", Value: other}, {Name: "ArgumentValue1", Value: ReasonQueuePermissions}}, nil},
		{"topic always fails", `<TopicConfiguration><Topic>` + topicARN + `</Topic>` + evRepl + `</TopicConfiguration>`, nil, false,
			[]aws.Field{{Name: "ArgumentName1", Value: topicARN}, {Name: "ArgumentValue1", Value: ReasonNoTopic}}, nil},
		{"skip checks and tests nothing", both, map[string]string{queueARN: ReasonNoQueue, other: ReasonNoQueue}, true, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestService(t)
			d := &fakeDestinations{reasons: tt.reasons}
			s.SetNotificationDestinations(d)
			err := s.PutBucketNotificationConfiguration(context.Background(), owner, "bkt", notificationDoc(tt.doc), tt.skip)
			if tt.fields == nil && err != nil {
				t.Fatal(err)
			}
			if tt.fields != nil {
				e, ok := aws.As(err)
				if !ok || e.Code != "InvalidArgument" || len(e.Fields) != len(tt.fields) {
					t.Fatalf("err %v", err)
				}
				for i := range tt.fields {
					if e.Fields[i] != tt.fields[i] {
						t.Fatalf("field %d = %+v, want %+v", i, e.Fields[i], tt.fields[i])
					}
				}
				if b, _ := s.Bucket("bkt"); b.Notification != nil {
					t.Fatal("a refused configuration was stored")
				}
			}
			if strings.Join(d.tested, ",") != strings.Join(tt.tested, ",") {
				t.Fatalf("test events to %v, want %v", d.tested, tt.tested)
			}
		})
	}
}
