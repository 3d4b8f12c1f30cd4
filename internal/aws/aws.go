package aws

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"sync"
	"time"
)

// AccountID is a 12-digit AWS account id.
type AccountID string

// Valid reports whether id is 12 decimal digits.
func (id AccountID) Valid() bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// PrincipalType says what kind of identity made a request.
type PrincipalType string

// The principal types Ferry knows.
const (
	PrincipalAnonymous   PrincipalType = "Anonymous"
	PrincipalRoot        PrincipalType = "Root"
	PrincipalUser        PrincipalType = "IAMUser"
	PrincipalAssumedRole PrincipalType = "AssumedRole"
	PrincipalService     PrincipalType = "AWSService"
	// PrincipalAdmin is the operator of a Ferry server (its admin API only).
	PrincipalAdmin PrincipalType = "FerryAdmin"
)

// Principal is the authenticated identity behind a request.
type Principal struct {
	Type    PrincipalType
	Account AccountID
	// ARN is the caller's ARN: arn:aws:iam::ACCOUNT:root, …:user/NAME,
	// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, or "" when anonymous.
	ARN string
	// UserID is the unique id (AIDA…, AROA…:session, or the account id for root).
	UserID string
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// SessionToken is set for temporary credentials.
	SessionToken string
	// RoleARN is the role behind an assumed-role session
	// (arn:aws:iam::ACCOUNT:role/PATH/NAME): the value of aws:PrincipalArn.
	RoleARN string
}

// PrincipalARN is the value of the aws:PrincipalArn condition key: the role
// ARN for an assumed-role session, else the caller's ARN.
func (p Principal) PrincipalARN() string {
	if p.RoleARN != "" {
		return p.RoleARN
	}
	return p.ARN
}

// Anonymous is the principal of an unsigned request.
var Anonymous = Principal{Type: PrincipalAnonymous}

// IsAnonymous reports whether the request was unsigned.
func (p Principal) IsAnonymous() bool { return p.Type == PrincipalAnonymous }

// RootARN is the ARN of an account's root user.
func RootARN(account AccountID) string { return "arn:aws:iam::" + string(account) + ":root" }

// CanonicalUserID derives the stable 64-hex canonical user id S3 shows as an
// owner ID for an account.
func CanonicalUserID(account AccountID) string {
	return canonicalID(string(account))
}

// Clock tells the time; tests replace it to move time.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock tests can set and advance.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

const requestIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewRequestID returns an S3-style request id: 16 upper-case alphanumerics.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = requestIDAlphabet[int(b[i])%len(requestIDAlphabet)]
	}
	return string(b[:])
}

// NewHostID returns an x-amz-id-2 value: base64 of random bytes.
func NewHostID() string {
	var b [48]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// DefaultRegions are the regions a Ferry server serves unless configured otherwise.
var DefaultRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"}

// KnownRegions is the list of AWS commercial regions, used to tell an unknown
// region name from one this server simply does not serve.
var KnownRegions = strings.Fields(`us-east-1 us-east-2 us-west-1 us-west-2 af-south-1 ap-east-1
ap-south-1 ap-south-2 ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ap-southeast-5
ap-northeast-1 ap-northeast-2 ap-northeast-3 ca-central-1 ca-west-1 eu-central-1 eu-central-2
eu-west-1 eu-west-2 eu-west-3 eu-south-1 eu-south-2 eu-north-1 il-central-1 me-south-1 me-central-1
mx-central-1 sa-east-1`)
