// Package sts issues temporary credentials: AssumeRole, GetSessionToken,
// GetCallerIdentity, and AssumeRoleAsService for AWS services inside Ferry
// (the replication engine assumes its replication role through it). STS is
// global. Sessions are stored durably with their expiry under table byte 't':
//
//	't' 's' accessKeyID → Session
//
// Authentication with temporary credentials (ASIA… key, secret and session
// token) goes through internal/sigv4, whose key lookup asks Credentials.
package sts

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/memo"
	"github.com/ferrystore/ferry/internal/meta"
)

// Session is one set of temporary credentials and what it stands for.
type Session struct {
	AccessKeyID     string    `json:"id"`
	SecretAccessKey string    `json:"secret"`
	SessionToken    string    `json:"token"`
	Expiration      time.Time `json:"expires"`
	Created         time.Time `json:"created"`
	// Principal is who signs with the credentials: an assumed-role session,
	// or the user (or root) that called GetSessionToken.
	Principal aws.Principal `json:"principal"`
	// Session policies (AssumeRole Policy and PolicyArns), which the policy
	// engine intersects with the role's permissions.
	Policy     string   `json:"policy,omitempty"`
	PolicyARNs []string `json:"policyArns,omitempty"`
	// Session tags, the transitive ones, and the source identity.
	Tags           map[string]string `json:"tags,omitempty"`
	TransitiveTags []string          `json:"transitive,omitempty"`
	SourceIdentity string            `json:"sourceIdentity,omitempty"`
	// SourceAccount and SourceARN are set for AssumeRoleAsService sessions.
	SourceAccount string `json:"sourceAccount,omitempty"`
	SourceARN     string `json:"sourceArn,omitempty"`
}

// Expired reports whether the session has expired at t.
func (s *Session) Expired(t time.Time) bool { return !t.Before(s.Expiration) }

// Service issues and resolves temporary credentials.
type Service struct {
	store    meta.Store
	clock    aws.Clock
	iam      *iam.Service
	trust    TrustEvaluator
	validate iam.PolicyValidator
	// sessions caches decoded sessions: a session is written once and never
	// changed, so a cached one is never stale (a follower of an IAM home
	// reads each one across the network once).
	sessions *memo.Table[string, Session]
}

// sessionCacheLimit bounds the session cache.
const sessionCacheLimit = 10000

// Config holds what a Service is built from.
type Config struct {
	Store meta.Store
	Clock aws.Clock // nil: the system clock
	IAM   *iam.Service
	// Trust decides role assumptions; nil means NamesCaller.
	Trust TrustEvaluator
	// ValidatePolicy checks inline session policies; nil means iam.BasicValidator.
	ValidatePolicy iam.PolicyValidator
}

// New returns the STS service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, clock: cfg.Clock, iam: cfg.IAM, trust: cfg.Trust, validate: cfg.ValidatePolicy,
		sessions: memo.New[string, Session](sessionCacheLimit)}
	if s.clock == nil {
		s.clock = aws.SystemClock{}
	}
	if s.trust == nil {
		s.trust = NamesCaller{}
	}
	if s.validate == nil {
		s.validate = iam.BasicValidator
	}
	return s
}

// ErrNoSuchSession is returned by Credentials for an unknown access key.
var ErrNoSuchSession = errors.New("sts: no such session")

func sessionKey(akid string) []byte { return meta.NewKey('t').Bytes([]byte{'s'}).String(akid) }

// Credentials returns the session of a temporary access key, or
// aws.ErrExpiredToken once it has expired (by the service's clock), or
// ErrNoSuchSession. Sessions are cached: treat the session's maps and
// slices as read-only.
func (s *Service) Credentials(akid string) (*Session, error) {
	sess, gen, ok := s.sessions.Get(akid)
	if !ok {
		raw, err := s.store.Get(sessionKey(akid))
		if errors.Is(err, meta.ErrNotFound) {
			return nil, ErrNoSuchSession
		}
		if err != nil {
			return nil, fmt.Errorf("sts: read session: %w", err)
		}
		if err := json.Unmarshal(raw, &sess); err != nil {
			return nil, fmt.Errorf("sts: decode session: %w", err)
		}
		s.sessions.Put(akid, sess, gen)
	}
	if sess.Expired(s.clock.Now()) {
		return &sess, aws.ErrExpiredToken(sess.SessionToken)
	}
	return &sess, nil
}

// Session returns the session behind a principal signed with temporary
// credentials (for the policy engine: session policies and tags).
func (s *Service) Session(p aws.Principal) (*Session, error) {
	if p.SessionToken == "" {
		return nil, ErrNoSuchSession
	}
	return s.Credentials(p.AccessKeyID)
}

// issue creates and stores a session for principal p.
func (s *Service) issue(sess *Session, duration time.Duration) error {
	now := s.clock.Now().UTC()
	sess.AccessKeyID = iam.NewAccessKeyID("ASIA")
	sess.SecretAccessKey = iam.NewSecret()
	sess.SessionToken = newToken()
	sess.Created = now
	sess.Expiration = now.Add(duration).Truncate(time.Second)
	sess.Principal.AccessKeyID = sess.AccessKeyID
	sess.Principal.SessionToken = sess.SessionToken
	raw, err := json.Marshal(sess)
	if err != nil {
		return aws.Internal(fmt.Errorf("sts: encode session: %w", err))
	}
	b := s.store.NewBatch()
	defer b.Close()
	b.Set(sessionKey(sess.AccessKeyID), raw)
	if err := b.Commit(); err != nil {
		return aws.Internal(fmt.Errorf("sts: store session: %w", err))
	}
	return nil
}

// newToken returns an opaque session token (AWS's are long base64 blobs).
func newToken() string {
	b := make([]byte, 240)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func errValidation(message string) *aws.Error {
	return aws.New("ValidationError", http.StatusBadRequest, message)
}

func errInvalidParameter(message string) *aws.Error {
	return aws.New("InvalidParameterValue", http.StatusBadRequest, message)
}
