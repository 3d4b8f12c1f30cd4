package policy

import "fmt"

// Kind says what a policy document is used as. It decides which elements are
// allowed (identity policies have no Principal, resource policies need one),
// which service's error messages a bad document gets, and the size limit.
type Kind int

// The kinds of policy Ferry stores.
const (
	// Identity is a managed or inline policy attached to a user, group or role.
	Identity Kind = iota
	// Boundary is a managed policy used as a permissions boundary.
	Boundary
	// Session is a session policy passed to AssumeRole or GetFederationToken.
	Session
	// BucketPolicy is an S3 bucket policy (a resource-based policy).
	BucketPolicy
	// KeyPolicy is a KMS key policy (a resource-based policy that is required
	// even in the key's own account).
	KeyPolicy
	// TrustPolicy is an IAM role's trust (AssumeRole) policy.
	TrustPolicy
	// QueuePolicy is an Amazon SQS queue policy (the queue's Policy
	// attribute, a resource-based policy).
	QueuePolicy
)

var kindNames = [...]string{"identity policy", "permissions boundary", "session policy", "bucket policy", "key policy", "trust policy", "queue policy"}

// String names the kind in explanations ("bucket policy").
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// resourceBased reports whether documents of this kind name principals.
func (k Kind) resourceBased() bool {
	return k == BucketPolicy || k == KeyPolicy || k == TrustPolicy || k == QueuePolicy
}

// iamFamily reports whether IAM (or STS, which shares IAM's validator)
// validates documents of this kind.
func (k Kind) iamFamily() bool {
	return k == Identity || k == Boundary || k == Session || k == TrustPolicy
}

// Size limits AWS enforces, in characters. IAM counts characters other than
// white space; STS, S3 and KMS count every character.
const (
	LimitManagedPolicy = 6144      // IAM managed policy (PolicySize quota); also boundaries
	LimitInlineUser    = 2048      // all inline policies of a user together
	LimitInlineGroup   = 5120      // all inline policies of a group together
	LimitInlineRole    = 10240     // all inline policies of a role together
	LimitTrustPolicy   = 2048      // role trust policy (ACLSizePerRole quota, default)
	LimitSessionPolicy = 2048      // inline session policy plain text
	LimitBucketPolicy  = 20 * 1024 // S3 bucket policy
	LimitKeyPolicy     = 32 * 1024 // KMS key policy
	LimitQueuePolicy   = 8192      // SQS queue policy (Policy attribute)
)

// DefaultLimit is the size limit Parse applies to a kind. Inline identity
// policies have smaller, per-entity aggregate limits: pass them in
// Options.MaxSize together with Options.Entity.
func (k Kind) DefaultLimit() int {
	switch k {
	case Identity, Boundary:
		return LimitManagedPolicy
	case Session:
		return LimitSessionPolicy
	case BucketPolicy:
		return LimitBucketPolicy
	case KeyPolicy:
		return LimitKeyPolicy
	case TrustPolicy:
		return LimitTrustPolicy
	case QueuePolicy:
		return LimitQueuePolicy
	}
	return 0
}

// Size is the length of doc as the service for kind counts it against its
// limit: IAM ignores white space, the others count every character.
func (k Kind) Size(doc string) int {
	if k == Session || !k.iamFamily() {
		return len([]rune(doc))
	}
	n := 0
	for _, r := range doc {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}
