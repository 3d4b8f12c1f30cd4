package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// Queue is a queue's record.
type Queue struct {
	// ID keys the queue's messages; a new queue of the same name gets a
	// new one.
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Account aws.AccountID `json:"account"`
	Region  string        `json:"region"`
	// Created and Modified are epoch seconds.
	Created  int64 `json:"created"`
	Modified int64 `json:"modified"`
	// Attributes are the settable attributes, each with its value
	// (defaults filled in at creation).
	Attributes map[string]string `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	// LastPurge is when PurgeQueue last ran (epoch seconds).
	LastPurge int64 `json:"lastPurge,omitempty"`
}

// Ref names a queue: its account, region and name.
type Ref struct {
	Account aws.AccountID
	Region  string
	Name    string
}

// ARN is the queue's ARN.
func (r Ref) ARN() string {
	return "arn:aws:sqs:" + r.Region + ":" + string(r.Account) + ":" + r.Name
}

// ParseARN reads a queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME).
func ParseARN(arn string) (Ref, bool) {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[2] != "sqs" || p[3] == "" || !aws.AccountID(p[4]).Valid() || !ValidName(p[5]) {
		return Ref{}, false
	}
	return Ref{Account: aws.AccountID(p[4]), Region: p[3], Name: p[5]}, true
}

// Ref returns the queue's name.
func (q *Queue) Ref() Ref { return Ref{Account: q.Account, Region: q.Region, Name: q.Name} }

// ARN is the queue's ARN.
func (q *Queue) ARN() string { return q.Ref().ARN() }

// Path is the path of the queue's URL: /ACCOUNT/NAME.
func (q *Queue) Path() string { return "/" + string(q.Account) + "/" + q.Name }

// Attribute limits and defaults (SQS developer guide, quotas).
type attrSpec struct {
	def      string
	min, max int
}

var settable = map[string]attrSpec{
	"DelaySeconds":                  {"0", 0, 900},
	"MaximumMessageSize":            {"262144", 1024, 1048576},
	"MessageRetentionPeriod":        {"345600", 60, 1209600},
	"ReceiveMessageWaitTimeSeconds": {"0", 0, 20},
	"VisibilityTimeout":             {"30", 0, 43200},
	"Policy":                        {},
	"RedrivePolicy":                 {},
	"RedriveAllowPolicy":            {},
	"KmsMasterKeyId":                {},
	"KmsDataKeyReusePeriodSeconds":  {"", 60, 86400},
	"SqsManagedSseEnabled":          {"true", 0, 0},
}

// computed are the attributes GetQueueAttributes reports but no one sets.
var computed = []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
	"ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"}

// queueKey is where a queue's record lives.
func queueKey(r Ref) []byte {
	return meta.NewKey(table).Bytes([]byte{'q'}).String(string(r.Account)).String(r.Region).String(r.Name)
}

// deletedKey remembers when a queue name was last deleted (epoch seconds).
func deletedKey(r Ref) []byte {
	return meta.NewKey(table).Bytes([]byte{'d'}).String(string(r.Account)).String(r.Region).String(r.Name)
}

// deletedRecently reports whether r's name was deleted under a minute ago.
func (s *Service) deletedRecently(r Ref) (bool, error) {
	raw, err := s.cfg.Store.Get(deletedKey(r))
	if errors.Is(err, meta.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqs: read deletion of %s: %w", r.ARN(), err)
	}
	at, err := strconv.ParseInt(string(raw), 10, 64)
	return err == nil && s.now().Unix()-at < 60, nil
}

func regionPrefix(account aws.AccountID, region string) meta.Key {
	return meta.NewKey(table).Bytes([]byte{'q'}).String(string(account)).String(region)
}

// ValidName reports whether n is a valid queue name or batch entry id:
// 1–80 letters, digits, hyphens and underscores.
func ValidName(n string) bool {
	if n == "" || len(n) > 80 {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkAttributes validates attributes to set; a FIFO queue is refused
// (Ferry has standard queues only).
func (s *Service) checkAttributes(attrs map[string]string, creating bool) error {
	for _, n := range sortedKeys(attrs) {
		v := attrs[n]
		if n == "FifoQueue" || n == "ContentBasedDeduplication" || n == "DeduplicationScope" || n == "FifoThroughputLimit" {
			if creating && n == "FifoQueue" && v == "false" {
				continue
			}
			return ErrUnsupportedOperation("Ferry has standard queues only; FIFO queue attributes are not supported.")
		}
		spec, ok := settable[n]
		if !ok {
			return ErrInvalidAttributeName(n)
		}
		switch {
		case n == "Policy":
			if err := s.validatePolicy(v); err != nil {
				return err
			}
		case n == "SqsManagedSseEnabled":
			if v != "true" && v != "false" {
				return ErrInvalidAttributeValue(n, "")
			}
		case spec.max > 0:
			i, err := strconv.Atoi(v)
			if err != nil || i < spec.min || i > spec.max {
				return ErrInvalidAttributeValue(n, fmt.Sprintf("Must be between %d and %d, if provided.", spec.min, spec.max))
			}
		}
	}
	return nil
}

func (s *Service) validatePolicy(doc string) error {
	if doc == "" {
		return nil // an empty Policy removes it
	}
	if s.cfg.ValidatePolicy != nil {
		return s.cfg.ValidatePolicy(doc)
	}
	var v map[string]any
	if json.Unmarshal([]byte(doc), &v) != nil {
		return ErrInvalidAttributeValue("Policy", "")
	}
	return nil
}

// load reads a queue record; nil when it does not exist.
func (s *Service) load(r Ref) (*Queue, error) {
	raw, err := s.cfg.Store.Get(queueKey(r))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqs: read queue %s: %w", r.ARN(), err)
	}
	q := new(Queue)
	if err := json.Unmarshal(raw, q); err != nil {
		return nil, fmt.Errorf("sqs: decode queue %s: %w", r.ARN(), err)
	}
	return q, nil
}

func (s *Service) put(b meta.Batch, q *Queue) {
	raw, err := json.Marshal(q)
	if err != nil {
		panic(fmt.Sprintf("sqs: encode queue: %v", err)) // plain data
	}
	b.Set(queueKey(q.Ref()), raw)
}

// save writes a queue record durably.
func (s *Service) save(q *Queue) error {
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	s.put(b, q)
	if err := b.Commit(); err != nil {
		return ErrInternal(fmt.Errorf("sqs: write queue %s: %w", q.ARN(), err))
	}
	return nil
}

// Queue returns the queue r names after authorizing action on it: a queue
// that does not exist is QueueDoesNotExist (also for callers of other
// accounts, as SQS answers).
func (s *Service) Queue(ctx context.Context, p aws.Principal, action string, r Ref) (*Queue, error) {
	q, err := s.load(r)
	if err != nil {
		return nil, ErrInternal(err)
	}
	if q == nil {
		return nil, ErrQueueDoesNotExist()
	}
	if err := s.auth.AuthorizeSQS(ctx, Access{Principal: p, Action: action, Resource: q.ARN(), Account: q.Account,
		Policy: q.Attributes["Policy"]}); err != nil {
		return nil, err
	}
	return q, nil
}

// Lookup returns a queue without authorizing anything (S3's destination
// check); nil when it does not exist.
func (s *Service) Lookup(r Ref) (*Queue, error) { return s.load(r) }

// CreateQueue creates a standard queue in the caller's account, or returns
// the existing one when its attributes are those asked for
// (QueueNameExists otherwise). A name deleted less than 60 seconds ago is
// QueueDeletedRecently.
func (s *Service) CreateQueue(ctx context.Context, p aws.Principal, region, name string, attrs, tags map[string]string) (*Queue, error) {
	if !ValidName(name) {
		return nil, ErrInvalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	r := Ref{Account: p.Account, Region: region, Name: name}
	if err := s.auth.AuthorizeSQS(ctx, Access{Principal: p, Action: ActionCreateQueue, Resource: r.ARN(), Account: p.Account}); err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		if err := s.auth.AuthorizeSQS(ctx, Access{Principal: p, Action: ActionTagQueue, Resource: r.ARN(), Account: p.Account}); err != nil {
			return nil, err
		}
	}
	if err := s.checkAttributes(attrs, true); err != nil {
		return nil, err
	}
	delete(attrs, "FifoQueue")
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.load(r)
	if err != nil {
		return nil, ErrInternal(err)
	}
	if cur == nil {
		recent, err := s.deletedRecently(r)
		if err != nil {
			return nil, ErrInternal(err)
		}
		if recent {
			return nil, ErrQueueDeletedRecently()
		}
	}
	if cur != nil {
		for _, n := range sortedKeys(attrs) {
			if want := attrs[n]; cur.Attributes[n] != want {
				return nil, ErrQueueNameExists(n)
			}
		}
		return cur, nil
	}
	now := s.now().Unix()
	q := &Queue{ID: randomHex(12), Name: name, Account: p.Account, Region: region, Created: now, Modified: now,
		Attributes: map[string]string{}, Tags: tags}
	for n, spec := range settable {
		if spec.def != "" {
			q.Attributes[n] = spec.def
		}
	}
	for n, v := range attrs {
		q.Attributes[n] = v
	}
	if q.Attributes["Policy"] == "" {
		delete(q.Attributes, "Policy")
	}
	return q, s.save(q)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// GetQueueURL finds a queue by name, in the caller's account or in owner's.
func (s *Service) GetQueueURL(ctx context.Context, p aws.Principal, region, name string, owner aws.AccountID) (*Queue, error) {
	if owner == "" {
		owner = p.Account
	}
	return s.Queue(ctx, p, ActionGetQueueURL, Ref{Account: owner, Region: region, Name: name})
}

// ListQueues lists the caller's queues in region whose names start with
// prefix, in name order: at most max (1–1000; 0 means 1000) after the
// name token, and the token of the next page ("" at the end).
func (s *Service) ListQueues(ctx context.Context, p aws.Principal, region, prefix, token string, max int) ([]*Queue, string, error) {
	res := "arn:aws:sqs:" + region + ":" + string(p.Account) + ":*"
	if err := s.auth.AuthorizeSQS(ctx, Access{Principal: p, Action: ActionListQueues, Resource: res, Account: p.Account}); err != nil {
		return nil, "", err
	}
	if max == 0 {
		max = 1000
	}
	base := regionPrefix(p.Account, region)
	lower := base.Raw(prefix)
	if token != "" {
		lower = meta.Key(base.String(token)).Bytes([]byte{0})
	}
	it, err := s.cfg.Store.NewIterator(lower, meta.PrefixEnd(base.Raw(prefix)))
	if err != nil {
		return nil, "", ErrInternal(err)
	}
	defer it.Close()
	var out []*Queue
	for ok := it.First(); ok; ok = it.Next() {
		if len(out) == max {
			return out, out[len(out)-1].Name, nil
		}
		q := new(Queue)
		if err := json.Unmarshal(it.Value(), q); err != nil {
			return nil, "", ErrInternal(fmt.Errorf("sqs: decode queue: %w", err))
		}
		out = append(out, q)
	}
	if err := it.Close(); err != nil {
		return nil, "", ErrInternal(err)
	}
	return out, "", nil
}

// DeleteQueue deletes a queue and its messages.
func (s *Service) DeleteQueue(ctx context.Context, p aws.Principal, r Ref) error {
	q, err := s.Queue(ctx, p, ActionDeleteQueue, r)
	if err != nil {
		return err
	}
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	b.Delete(queueKey(r))
	b.Set(deletedKey(r), []byte(strconv.FormatInt(s.now().Unix(), 10)))
	mp := messagePrefix(q.ID)
	b.DeleteRange(mp, meta.PrefixEnd(mp))
	if err := b.Commit(); err != nil {
		return ErrInternal(fmt.Errorf("sqs: delete queue %s: %w", q.ARN(), err))
	}
	return nil
}

// SetQueueAttributes changes a queue's settable attributes; an empty
// Policy removes the policy.
func (s *Service) SetQueueAttributes(ctx context.Context, p aws.Principal, r Ref, attrs map[string]string) error {
	q, err := s.Queue(ctx, p, ActionSetQueueAttributes, r)
	if err != nil {
		return err
	}
	if err := s.checkAttributes(attrs, false); err != nil {
		return err
	}
	return s.change(q, func(q *Queue) error {
		for n, v := range attrs {
			q.Attributes[n] = v
			if v == "" && n == "Policy" {
				delete(q.Attributes, n)
			}
		}
		q.Modified = s.now().Unix()
		return s.save(q)
	})
}

// change runs fn on the current record of q under the service's lock;
// QueueDoesNotExist when q has been deleted meanwhile.
func (s *Service) change(q *Queue, fn func(q *Queue) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.current(q)
	if err != nil {
		return err
	}
	return fn(cur)
}

// current reads q's record again: QueueDoesNotExist when q has been
// deleted (a queue of the same name created since is another queue).
func (s *Service) current(q *Queue) (*Queue, error) {
	cur, err := s.load(q.Ref())
	if err != nil {
		return nil, ErrInternal(err)
	}
	if cur == nil || cur.ID != q.ID {
		return nil, ErrQueueDoesNotExist()
	}
	return cur, nil
}

// GetQueueAttributes returns the named attributes ("All" for every one);
// unknown names are InvalidAttributeName.
func (s *Service) GetQueueAttributes(ctx context.Context, p aws.Principal, r Ref, names []string) (map[string]string, error) {
	q, err := s.Queue(ctx, p, ActionGetQueueAttributes, r)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		if _, ok := settable[n]; !ok && n != "All" && !slices.Contains(computed, n) {
			return nil, ErrInvalidAttributeName(n)
		}
		want[n] = true
	}
	all := map[string]string{}
	for n, v := range q.Attributes {
		all[n] = v
	}
	st, err := s.stats(q)
	if err != nil {
		return nil, err
	}
	all["ApproximateNumberOfMessages"] = strconv.Itoa(st.visible)
	all["ApproximateNumberOfMessagesNotVisible"] = strconv.Itoa(st.inflight)
	all["ApproximateNumberOfMessagesDelayed"] = strconv.Itoa(st.delayed)
	all["CreatedTimestamp"] = strconv.FormatInt(q.Created, 10)
	all["LastModifiedTimestamp"] = strconv.FormatInt(q.Modified, 10)
	all["QueueArn"] = q.ARN()
	out := map[string]string{}
	for n, v := range all {
		if want["All"] || want[n] {
			out[n] = v
		}
	}
	return out, nil
}

// TagQueue adds or replaces tags.
func (s *Service) TagQueue(ctx context.Context, p aws.Principal, r Ref, tags map[string]string) error {
	return s.retag(ctx, p, r, ActionTagQueue, func(q *Queue) {
		if q.Tags == nil {
			q.Tags = map[string]string{}
		}
		for k, v := range tags {
			q.Tags[k] = v
		}
	})
}

// UntagQueue removes tags.
func (s *Service) UntagQueue(ctx context.Context, p aws.Principal, r Ref, keys []string) error {
	return s.retag(ctx, p, r, ActionUntagQueue, func(q *Queue) {
		for _, k := range keys {
			delete(q.Tags, k)
		}
	})
}

// ListQueueTags returns a queue's tags.
func (s *Service) ListQueueTags(ctx context.Context, p aws.Principal, r Ref) (map[string]string, error) {
	q, err := s.Queue(ctx, p, ActionListQueueTags, r)
	if err != nil {
		return nil, err
	}
	return q.Tags, nil
}

func (s *Service) retag(ctx context.Context, p aws.Principal, r Ref, action string, change func(*Queue)) error {
	q, err := s.Queue(ctx, p, action, r)
	if err != nil {
		return err
	}
	return s.change(q, func(q *Queue) error {
		change(q)
		return s.save(q)
	})
}
