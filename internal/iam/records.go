package iam

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// Tag is a key-value tag on a user or role.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// User is an IAM user.
type User struct {
	Account aws.AccountID `json:"account"`
	Name    string        `json:"name"`
	Path    string        `json:"path"`
	ID      string        `json:"id"` // AIDA…
	ARN     string        `json:"arn"`
	Created time.Time     `json:"created"`
	Tags    []Tag         `json:"tags,omitempty"`
	// Inline policies by name (documents as sent, not URL-encoded).
	Inline map[string]string `json:"inline,omitempty"`
	// Attached managed policy ARNs, in attachment order.
	Attached []string `json:"attached,omitempty"`
	// Boundary is the permissions boundary's policy ARN, if any.
	Boundary   string   `json:"boundary,omitempty"`
	AccessKeys []string `json:"keys,omitempty"`
}

// Role is an IAM role.
type Role struct {
	Account            aws.AccountID     `json:"account"`
	Name               string            `json:"name"`
	Path               string            `json:"path"`
	ID                 string            `json:"id"` // AROA…
	ARN                string            `json:"arn"`
	Description        string            `json:"description,omitempty"`
	Created            time.Time         `json:"created"`
	MaxSessionDuration int32             `json:"maxSession"`
	TrustPolicy        string            `json:"trust"`
	Tags               []Tag             `json:"tags,omitempty"`
	Inline             map[string]string `json:"inline,omitempty"`
	Attached           []string          `json:"attached,omitempty"`
	Boundary           string            `json:"boundary,omitempty"`
}

// ManagedPolicy is a customer managed policy and its versions.
type ManagedPolicy struct {
	Account     aws.AccountID   `json:"account"`
	Name        string          `json:"name"`
	Path        string          `json:"path"`
	ID          string          `json:"id"` // ANPA…
	ARN         string          `json:"arn"`
	Description string          `json:"description,omitempty"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"`
	Default     string          `json:"default"` // default version id
	Versions    []PolicyVersion `json:"versions"`
	NextVersion int             `json:"next"`
	// Attachments counts users and roles the policy is attached to;
	// BoundaryUses counts those it bounds.
	Attachments  int   `json:"attachments"`
	BoundaryUses int   `json:"boundaryUses"`
	Tags         []Tag `json:"tags,omitempty"`
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID       string    `json:"id"` // v1, v2, …
	Document string    `json:"doc"`
	Created  time.Time `json:"created"`
}

// document returns the default version's document.
func (p *ManagedPolicy) document() string {
	if v := p.version(p.Default); v != nil {
		return v.Document
	}
	return ""
}

func (p *ManagedPolicy) version(id string) *PolicyVersion {
	for i := range p.Versions {
		if p.Versions[i].ID == id {
			return &p.Versions[i]
		}
	}
	return nil
}

// Record kinds under table 'i'.
const (
	kindUser   = 'u'
	kindRole   = 'o'
	kindPolicy = 'p'
)

func entityKey(kind byte, account aws.AccountID, name string) []byte {
	return meta.NewKey('i').Bytes([]byte{kind}).String(string(account)).String(strings.ToLower(name))
}

func entityPrefix(kind byte, account aws.AccountID) []byte {
	return meta.NewKey('i').Bytes([]byte{kind}).String(string(account))
}

// load reads the record at key into v; found is false when it is absent.
func (s *Service) load(key []byte, v any) (found bool, err error) {
	raw, err := s.store.Get(key)
	if errors.Is(err, meta.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, aws.Internal(fmt.Errorf("iam: read record: %w", err))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, aws.Internal(fmt.Errorf("iam: decode record: %w", err))
	}
	return true, nil
}

// scan decodes every record of a kind in an account, in name order.
func scan[T any](s *Service, kind byte, account aws.AccountID) ([]T, error) {
	prefix := entityPrefix(kind, account)
	it, err := s.store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return nil, aws.Internal(fmt.Errorf("iam: list records: %w", err))
	}
	defer it.Close()
	var out []T
	for ok := it.First(); ok; ok = it.Next() {
		var v T
		if err := json.Unmarshal(it.Value(), &v); err != nil {
			return nil, aws.Internal(fmt.Errorf("iam: decode record: %w", err))
		}
		out = append(out, v)
	}
	return out, nil
}

// commit applies a batch of records (nil values delete).
func (s *Service) commit(records map[string]any) error {
	b := s.store.NewBatch()
	defer b.Close()
	keys := make([]string, 0, len(records))
	for k := range records {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := records[k]; v == nil {
			b.Delete([]byte(k))
		} else {
			b.Set([]byte(k), mustJSON(v))
		}
	}
	stamp := newStamp()
	b.Set(stampKey, stamp)
	err := b.Commit()
	s.stamp.Store(&stamp)
	s.generation.Add(1) // after the write, even a failed one: readers reload
	s.keys.Clear()
	if err != nil {
		return aws.Internal(fmt.Errorf("iam: commit: %w", err))
	}
	return nil
}

// Generation counts writes of users, roles and policies. A reader that
// cached what it read at generation g may keep using it while Generation
// still returns g (read the generation before reading the records).
// Writes made by another process sharing the IAM keyspace move it once
// Refresh has seen them.
func (s *Service) Generation() uint64 { return s.generation.Load() }

// stampKey holds a random stamp that every commit of users, roles and
// policies replaces, so that a process sharing the IAM keyspace (a
// follower, or the home for a follower's writes) can tell that IAM changed.
var stampKey = meta.NewKey('i').Bytes([]byte{'g'})

func newStamp() []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("iam: random stamp: %v", err))
	}
	return b
}

// Refresh reads the IAM write stamp and, when another process has written
// since this one last looked, moves Generation and forgets cached access
// keys, so that every cache keyed by the generation reloads. Ferry calls
// it about once a second: that is how long an IAM change made through one
// process may take to reach the others (IAM's eventual consistency).
func (s *Service) Refresh() error {
	cur, err := s.store.Get(stampKey)
	if errors.Is(err, meta.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("iam: read write stamp: %w", err)
	}
	if last := s.stamp.Load(); last != nil && bytes.Equal(*last, cur) {
		return nil
	}
	s.stamp.Store(&cur)
	s.generation.Add(1)
	s.keys.Clear()
	return nil
}

// newUniqueID returns a 21-character IAM unique id (AIDA…, AROA…, ANPA…).
func newUniqueID(prefix string) string {
	return prefix + NewAccessKeyID("")[:21-len(prefix)]
}

var pathPattern = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)

// cleanPath defaults an empty path to "/" and checks its form.
func cleanPath(p *string) (string, error) {
	if p == nil || *p == "" {
		return "/", nil
	}
	if !pathPattern.MatchString(*p) {
		return "", errInvalidPath()
	}
	return *p, nil
}

// entityARN is arn:aws:iam::ACCOUNT:KIND PATH NAME.
func entityARN(account aws.AccountID, kind, path, name string) string {
	return "arn:aws:iam::" + string(account) + ":" + kind + path + name
}

// checkTags rejects keys that repeat (case-insensitively).
func checkTags(tags []Tag) error {
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return errInvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

// mergeTags adds or replaces tags by key (case-insensitively).
func mergeTags(have, add []Tag) []Tag {
	out := append([]Tag(nil), have...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i], replaced = t, true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	return out
}

// removeTags drops the named keys.
func removeTags(have []Tag, keys []string) []Tag {
	var out []Tag
	for _, t := range have {
		drop := false
		for _, k := range keys {
			drop = drop || strings.EqualFold(t.Key, k)
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// sortedNames returns the keys of an inline-policy map in order.
func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// page applies Marker/MaxItems to a sorted list of names: it returns the
// window's bounds, whether more follow and the next marker.
func page(names []string, marker *string, maxItems *int32) (from, to int, truncated bool, next string, err error) {
	limit := 100
	if maxItems != nil && *maxItems > 0 {
		limit = int(*maxItems)
	}
	if marker != nil && *marker != "" {
		from = sort.SearchStrings(names, *marker)
		if from == len(names) || names[from] != *marker {
			return 0, 0, false, "", errValidation("Invalid Marker.")
		}
	}
	to = min(from+limit, len(names))
	if to < len(names) {
		return from, to, true, names[to], nil
	}
	return from, to, false, "", nil
}
