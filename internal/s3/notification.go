package s3

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// Actions of the notification configuration operations.
const (
	ActionPutNotification = "s3:PutBucketNotification"
	ActionGetNotification = "s3:GetBucketNotification"
)

// NotificationConfiguration is a bucket's event notification configuration
// (Put/GetBucketNotificationConfiguration). Field order is the order of the
// S3 API model, which is the order GetBucketNotificationConfiguration
// writes.
//
// Ferry delivers the replication events it produces to the SQS queues of
// the configuration (internal/notification), and records them in its own
// event log (GET /_ferry/events, ferry events), where each record's
// configurationId names the configuration that receives it. Ferry has no
// SNS or Lambda: topics and functions are kept, validated as far as
// Ferry can, and never delivered to. An EventBridgeConfiguration is kept
// too; nothing is sent to EventBridge.
type NotificationConfiguration struct {
	XMLName xml.Name `xml:"NotificationConfiguration" json:"-"`
	NS      string   `xml:"xmlns,attr,omitempty" json:"-"`
	// Topics, Queues and Functions are the SNS, SQS and Lambda
	// destinations (the XML's TopicConfiguration, QueueConfiguration and
	// CloudFunctionConfiguration).
	Topics      []NotificationTarget `xml:"TopicConfiguration" json:"topics,omitempty"`
	Queues      []NotificationTarget `xml:"QueueConfiguration" json:"queues,omitempty"`
	Functions   []NotificationTarget `xml:"CloudFunctionConfiguration" json:"functions,omitempty"`
	EventBridge *struct{}            `xml:"EventBridgeConfiguration" json:"eventBridge,omitempty"`
}

// NotificationTarget is one destination configuration; exactly one of
// Topic, Queue and CloudFunction is set, as its list says.
type NotificationTarget struct {
	ID            string              `xml:"Id,omitempty" json:"id"`
	Topic         string              `xml:"Topic,omitempty" json:"topic,omitempty"`
	Queue         string              `xml:"Queue,omitempty" json:"queue,omitempty"`
	CloudFunction string              `xml:"CloudFunction,omitempty" json:"function,omitempty"`
	Events        []string            `xml:"Event" json:"events"`
	Filter        *NotificationFilter `xml:"Filter" json:"filter,omitempty"`
}

// NotificationFilter selects objects by key name.
type NotificationFilter struct {
	S3Key *S3KeyFilter `xml:"S3Key" json:"s3Key,omitempty"`
}

// S3KeyFilter holds the prefix and suffix rules.
type S3KeyFilter struct {
	Rules []FilterRule `xml:"FilterRule" json:"rules,omitempty"`
}

// FilterRule is a prefix or suffix rule; Name is kept as sent (S3 accepts
// "prefix" and "suffix" in any case).
type FilterRule struct {
	Name  string `xml:"Name" json:"name"`
	Value string `xml:"Value" json:"value"`
}

// notificationEvents are the event types of the S3 API model's Event enum.
var notificationEvents = map[string]bool{}

func init() {
	for _, e := range []string{
		"s3:ReducedRedundancyLostObject",
		"s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy",
		"s3:ObjectCreated:CompleteMultipartUpload",
		"s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated",
		"s3:ObjectRestore:*", "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete",
		"s3:Replication:*", "s3:Replication:OperationFailedReplication", "s3:Replication:OperationNotTracked",
		"s3:Replication:OperationMissedThreshold", "s3:Replication:OperationReplicatedAfterThreshold",
		"s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectAcl:Put",
		"s3:LifecycleExpiration:*", "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
		"s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete",
	} {
		notificationEvents[e] = true
	}
}

// notificationSchema lists the elements each element may contain; leaves
// have none.
var notificationSchema = map[string][]string{
	"NotificationConfiguration":  {"TopicConfiguration", "QueueConfiguration", "CloudFunctionConfiguration", "EventBridgeConfiguration"},
	"TopicConfiguration":         {"Id", "Topic", "Event", "Filter"},
	"QueueConfiguration":         {"Id", "Queue", "Event", "Filter"},
	"CloudFunctionConfiguration": {"Id", "CloudFunction", "Event", "Filter"},
	"Filter":                     {"S3Key"},
	"S3Key":                      {"FilterRule"},
	"FilterRule":                 {"Name", "Value"},
	"EventBridgeConfiguration":   {},
}

// checkNotificationSchema rejects documents with unknown or misplaced
// elements, as S3's schema validation does (MalformedXML).
func checkNotificationSchema(doc []byte) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	root := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return aws.ErrMalformedXML()
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			if len(stack) == 0 {
				if root || name != "NotificationConfiguration" {
					return aws.ErrMalformedXML()
				}
				root = true
			} else {
				allowed, isParent := notificationSchema[stack[len(stack)-1]]
				if !isParent || !slices.Contains(allowed, name) {
					return aws.ErrMalformedXML()
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && len(bytes.TrimSpace(tok)) > 0 {
				if _, isParent := notificationSchema[stack[len(stack)-1]]; isParent {
					return aws.ErrMalformedXML()
				}
			}
		}
	}
	if !root {
		return aws.ErrMalformedXML()
	}
	return nil
}

// ParseNotificationConfiguration parses and validates a
// NotificationConfiguration document as S3 does, in S3's order: the
// schema and required members (MalformedXML), each destination's ARN, its
// event types and key filter, then overlapping configurations. It does not
// validate the destinations themselves (see PutBucketNotificationConfiguration).
func ParseNotificationConfiguration(doc []byte) (*NotificationConfiguration, error) {
	if err := checkNotificationSchema(doc); err != nil {
		return nil, err
	}
	var c NotificationConfiguration
	if err := xml.Unmarshal(doc, &c); err != nil {
		return nil, aws.ErrMalformedXML()
	}
	targets := c.targets()
	for _, t := range targets {
		if t.arn() == "" || len(t.Events) == 0 {
			return nil, aws.ErrMalformedXML()
		}
		if !validNotificationARN(t.arn(), t.service()) {
			return nil, aws.InvalidArgument("The ARN could not be parsed", t.element(), t.arn())
		}
		for _, e := range t.Events {
			if !notificationEvents[e] {
				// [Inf] not in the catalogue.
				return nil, aws.InvalidArgument("The event is not supported for notifications", "Event", e)
			}
		}
		if err := t.Filter.check(); err != nil {
			return nil, err
		}
	}
	for i := range targets {
		for j := i + 1; j < len(targets); j++ {
			if err := overlap(targets[i], targets[j]); err != nil {
				return nil, err
			}
		}
	}
	return &c, nil
}

// targets returns pointers to every destination configuration.
func (c *NotificationConfiguration) targets() []*NotificationTarget {
	var out []*NotificationTarget
	for _, list := range [][]NotificationTarget{c.Topics, c.Queues, c.Functions} {
		for i := range list {
			out = append(out, &list[i])
		}
	}
	return out
}

// Empty reports whether the configuration has no destination at all.
func (c *NotificationConfiguration) Empty() bool {
	return c == nil || (len(c.targets()) == 0 && c.EventBridge == nil)
}

func (t *NotificationTarget) arn() string {
	switch {
	case t.Topic != "":
		return t.Topic
	case t.Queue != "":
		return t.Queue
	}
	return t.CloudFunction
}

// element is the XML element naming the destination ARN.
func (t *NotificationTarget) element() string {
	switch {
	case t.Topic != "":
		return "Topic"
	case t.Queue != "":
		return "Queue"
	}
	return "CloudFunction"
}

func (t *NotificationTarget) service() string {
	return map[string]string{"Topic": "sns", "Queue": "sqs", "CloudFunction": "lambda"}[t.element()]
}

// validNotificationARN: arn:partition:service:region:account:resource,
// with every part present and the service of the destination's kind.
func validNotificationARN(arn, service string) bool {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[1] == "" || p[2] != service || p[3] == "" || p[5] == "" {
		return false
	}
	return aws.AccountID(p[4]).Valid()
}

// prefixSuffix returns the filter's prefix and suffix ("" when absent).
func (f *NotificationFilter) prefixSuffix() (prefix, suffix string) {
	if f == nil || f.S3Key == nil {
		return "", ""
	}
	for _, r := range f.S3Key.Rules {
		switch strings.ToLower(r.Name) {
		case "prefix":
			prefix = r.Value
		case "suffix":
			suffix = r.Value
		}
	}
	return prefix, suffix
}

// check validates the filter rules: names prefix or suffix, each at most once.
func (f *NotificationFilter) check() error {
	if f == nil || f.S3Key == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, r := range f.S3Key.Rules {
		name := strings.ToLower(r.Name)
		if name != "prefix" && name != "suffix" {
			return aws.InvalidArgument("filter rule name must be either prefix or suffix", "FilterRule.Name", r.Name)
		}
		if seen[name] {
			// [Inf] not in the catalogue.
			return aws.InvalidArgument("Cannot specify more than one "+name+" rule in a filter.", "FilterRule.Name", r.Name)
		}
		seen[name] = true
	}
	return nil
}

// matches reports whether a key passes the filter.
func (f *NotificationFilter) matches(key string) bool {
	prefix, suffix := f.prefixSuffix()
	return strings.HasPrefix(key, prefix) && strings.HasSuffix(key, suffix)
}

// eventsOverlap reports whether two event types can name the same event
// (equal, or one is the other's family wildcard).
func eventsOverlap(a, b string) bool {
	switch {
	case a == b:
		return true
	case strings.HasSuffix(a, ":*"):
		return strings.HasPrefix(b, strings.TrimSuffix(a, "*"))
	case strings.HasSuffix(b, ":*"):
		return strings.HasPrefix(a, strings.TrimSuffix(b, "*"))
	}
	return false
}

// overlap rejects two configurations that share an event type and whose
// key filters can both match one key (prefixes and suffixes overlapping).
func overlap(a, b *NotificationTarget) error {
	var shared [2]string
	found := false
	for _, ea := range a.Events {
		for _, eb := range b.Events {
			if !found && eventsOverlap(ea, eb) {
				shared, found = [2]string{ea, eb}, true
			}
		}
	}
	if !found {
		return nil
	}
	pa, sa := a.Filter.prefixSuffix()
	pb, sb := b.Filter.prefixSuffix()
	prefixes := strings.HasPrefix(pa, pb) || strings.HasPrefix(pb, pa)
	suffixes := strings.HasSuffix(sa, sb) || strings.HasSuffix(sb, sa)
	if !prefixes || !suffixes {
		return nil
	}
	if pa == "" && sa == "" && pb == "" && sb == "" {
		return aws.InvalidArgument("Configurations overlap. Configurations on the same bucket cannot share a common event type.",
			"Event", shared[0]+", "+shared[1])
	}
	// [Inf] extra elements unknown; AWS's message as users report it.
	return aws.New("InvalidArgument", 400,
		"Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.")
}

// ErrUnvalidatedDestinations is S3's answer to destinations it could not
// validate, one ArgumentName/ArgumentValue pair per destination, with
// AWS's reasons for a topic or queue that does not exist and a function
// S3 may not invoke.
func ErrUnvalidatedDestinations(c *NotificationConfiguration) *aws.Error {
	var failed []unvalidated
	for _, t := range c.targets() {
		failed = append(failed, unvalidated{t, defaultReason(t)})
	}
	return errUnvalidated(failed)
}

// Reasons S3 gives for a destination it could not validate.
const (
	ReasonNoTopic = "The destination topic does not exist"
	ReasonNoQueue = "The destination queue does not exist"
	// ReasonQueuePermissions: the queue policy does not let
	// s3.amazonaws.com send this bucket's events.
	ReasonQueuePermissions = "Permissions on the destination queue do not allow S3 to publish notifications from this bucket"
)

// unvalidated is a destination that failed validation, with its reason.
type unvalidated struct {
	t      *NotificationTarget
	reason string
}

// defaultReason is the reason for a destination Ferry cannot deliver to
// (a topic or function, which Ferry does not host).
func defaultReason(t *NotificationTarget) string {
	switch t.element() {
	case "Topic":
		return ReasonNoTopic
	case "Queue":
		return ReasonNoQueue
	}
	return "Not authorized to invoke function [" + t.arn() + "]"
}

func errUnvalidated(failed []unvalidated) *aws.Error {
	err := aws.New("InvalidArgument", 400, "Unable to validate the following destination configurations")
	for i, f := range failed {
		n := strconv.Itoa(i + 1)
		name := f.t.arn()
		if f.t.element() == "CloudFunction" {
			name += ", null"
		}
		err = err.With("ArgumentName"+n, name).With("ArgumentValue"+n, f.reason)
	}
	return err
}

// NotificationDestinations is how S3 checks and tests the queues of a
// notification configuration (internal/notification provides it).
type NotificationDestinations interface {
	// CheckQueue returns "" when S3 may send b's events to the queue, else
	// the reason S3 gives (ReasonNoQueue, ReasonQueuePermissions).
	CheckQueue(ctx context.Context, queueARN string, b *Bucket) string
	// SendTestEvent sends the s3:TestEvent message to a new destination.
	SendTestEvent(ctx context.Context, queueARN string, b *Bucket) error
}

// SetNotificationDestinations connects the SQS destinations; without them
// every queue fails validation as one that does not exist.
func (s *Service) SetNotificationDestinations(d NotificationDestinations) { s.destinations = d }

// validateDestinations checks every destination of c for bucket b, as S3
// does before storing a configuration: queues through the destinations
// seam, topics and functions fail (Ferry hosts no SNS or Lambda).
func (s *Service) validateDestinations(ctx context.Context, b *Bucket, c *NotificationConfiguration) error {
	var failed []unvalidated
	for _, t := range c.targets() {
		reason := defaultReason(t)
		if t.element() == "Queue" && s.destinations != nil {
			reason = s.destinations.CheckQueue(ctx, t.Queue, b)
		}
		if reason != "" {
			failed = append(failed, unvalidated{t, reason})
		}
	}
	if len(failed) > 0 {
		return errUnvalidated(failed)
	}
	return nil
}

// sendTestEvents sends s3:TestEvent to each queue of c that old did not
// have. A failure is logged: the configuration is stored.
func (s *Service) sendTestEvents(ctx context.Context, b *Bucket, old, c *NotificationConfiguration) {
	if s.destinations == nil || c == nil {
		return
	}
	had := map[string]bool{}
	if old != nil {
		for _, t := range old.Queues {
			had[t.Queue] = true
		}
	}
	for _, t := range c.Queues {
		if had[t.Queue] {
			continue
		}
		had[t.Queue] = true
		if err := s.destinations.SendTestEvent(ctx, t.Queue, b); err != nil {
			s.log.Warn("notification test event", "bucket", b.Name, "queue", t.Queue, "err", err)
		}
	}
}

// Matches reports whether the configuration receives an event (eventName
// without the "s3:" prefix, as in event records) about key.
func (t *NotificationTarget) Matches(eventName, key string) bool {
	for _, e := range t.Events {
		if eventsOverlap(e, "s3:"+eventName) && t.Filter.matches(key) {
			return true
		}
	}
	return false
}

// withIDs returns a copy of c in which every configuration has an Id: the
// given one, or a generated one (base64 of a random UUID, as AWS's look).
func (c *NotificationConfiguration) withIDs() *NotificationConfiguration {
	cp := *c
	cp.XMLName, cp.NS = xml.Name{}, ""
	cp.Topics = append([]NotificationTarget(nil), c.Topics...)
	cp.Queues = append([]NotificationTarget(nil), c.Queues...)
	cp.Functions = append([]NotificationTarget(nil), c.Functions...)
	for _, t := range cp.targets() {
		if t.ID == "" {
			t.ID = generatedNotificationID()
		}
	}
	return &cp
}

func generatedNotificationID() string {
	return base64.StdEncoding.EncodeToString([]byte(aws.NewUUID()))
}

// Match returns the Id of the first configuration that would receive an
// event (eventName without the "s3:" prefix, as in event records) about
// key, "" when none would.
func (c *NotificationConfiguration) Match(eventName, key string) string {
	if c == nil {
		return ""
	}
	for _, t := range c.targets() {
		if t.Matches(eventName, key) {
			return t.ID
		}
	}
	return ""
}

// PutBucketNotificationConfiguration validates a NotificationConfiguration
// document and stores it with the bucket, replacing any earlier one; an
// empty document removes it.
//
// S3 validates each SNS, SQS and Lambda destination unless
// x-amz-skip-destination-validation is true: a queue must exist in the
// bucket's region and its policy must let s3.amazonaws.com send this
// bucket's events (NotificationDestinations); Ferry hosts no SNS or
// Lambda, so a topic or function fails as it would in an AWS account
// without the topic or the function permission. Any failure refuses the
// request ("Unable to validate the following destination configurations").
// Once stored, each new queue receives an s3:TestEvent message. With skip
// nothing is checked or sent; topics and functions are stored and never
// delivered to. An EventBridgeConfiguration alone needs no validation.
func (s *Service) PutBucketNotificationConfiguration(ctx context.Context, p aws.Principal, bucket string, doc []byte, skipValidation bool) error {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionPutNotification, ""))
	if err != nil {
		return err
	}
	cfg, err := ParseNotificationConfiguration(doc)
	if err != nil {
		return err
	}
	if !skipValidation {
		if err := s.validateDestinations(ctx, b, cfg); err != nil {
			return err
		}
	}
	stored := cfg.withIDs()
	if stored.Empty() {
		stored = nil
	}
	var old *NotificationConfiguration
	err = s.updateBucket(bucket, func(b *Bucket) error {
		old, b.Notification = b.Notification, stored
		return nil
	})
	if err == nil && !skipValidation {
		s.sendTestEvents(ctx, b, old, stored)
	}
	return err
}

// GetBucketNotificationConfiguration returns the stored configuration, with
// the Ids S3 generated; an empty one when the bucket has none.
func (s *Service) GetBucketNotificationConfiguration(ctx context.Context, p aws.Principal, bucket string) (*NotificationConfiguration, error) {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionGetNotification, ""))
	if err != nil {
		return nil, err
	}
	if b.Notification == nil {
		return &NotificationConfiguration{}, nil
	}
	return b.Notification, nil
}

// EventsBucket returns a bucket whose replication events p wants to read:
// the operator may read every bucket's; a principal of the bucket owner's
// account those of the buckets it may s3:GetBucketNotification on. The
// events are the owner's, as notifications go to the owner's destinations:
// a bucket policy granting another account s3:GetBucketNotification does
// not open them (AccessDenied).
func (s *Service) EventsBucket(ctx context.Context, p aws.Principal, bucket string) (*Bucket, error) {
	if p.Type == aws.PrincipalAdmin {
		return s.Bucket(bucket)
	}
	b, err := s.bucketFor(ctx, p, bucket, on(ActionGetNotification, ""))
	if err != nil {
		return nil, err
	}
	if p.Account != b.Account {
		return nil, aws.ErrAccessDenied()
	}
	return b, nil
}
