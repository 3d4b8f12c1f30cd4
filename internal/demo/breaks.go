package demo

import (
	"fmt"
	"io"
	"sort"
)

// Break names: the common mistakes the demo can build on purpose.
const (
	BreakUntrustedRole            = "untrusted-role"
	BreakMissingSourceRead        = "missing-source-read"
	BreakMissingReplicateObject   = "missing-replicate-object"
	BreakMissingBucketPolicy      = "missing-bucket-policy"
	BreakMissingSourceKeyDecrypt  = "missing-source-key-decrypt"
	BreakMissingKeyPolicy         = "missing-key-policy"
	BreakReplicaKeyDisabled       = "replica-key-disabled"
	BreakReplicaKeyWrongRegion    = "replica-key-wrong-region"
	BreakDestinationUnversioned   = "destination-unversioned"
	BreakTagsDenied               = "tags-denied"
	BreakOwnerOverrideDenied      = "owner-override-denied"
	BreakMissingReplicaKeyDecrypt = "missing-replica-key-decrypt"
	BreakDestinationWithoutLock   = "destination-without-object-lock"
)

// Expectation is what AWS does with a set-up (spec replication.md §6.2,
// §3.3, §8): the status every uploaded object should end in, the failure
// reason of a FAILED one, and whether the replicas keep their tags.
type Expectation struct {
	Status string // COMPLETED or FAILED
	Reason string // §6.2 failure reason when Status is FAILED
	// NoTags says the objects replicate but their replicas have no tags.
	NoTags bool
	// Spec is the section of the replication spec the expectation rests on.
	Spec string
}

// String renders the expectation for the demo's output.
func (e Expectation) String() string {
	switch {
	case e.Status == StatusFailed:
		return fmt.Sprintf("FAILED with %s", e.Reason)
	case e.NoTags:
		return "COMPLETED, replicas without their tags"
	default:
		return "COMPLETED, replicas encrypted with the replica key"
	}
}

// Break is one common mistake: what it changes in the set-up and what AWS
// then does.
type Break struct {
	Name    string
	Summary string
	Expect  Expectation
}

// Breaks lists every mistake the demo knows, by name.
var Breaks = map[string]Break{
	BreakUntrustedRole: {BreakUntrustedRole,
		"the role's trust policy names ec2.amazonaws.com instead of s3.amazonaws.com",
		Expectation{Status: StatusFailed, Reason: "AssumeRoleNotPermitted", Spec: "§6.2"}},
	BreakMissingSourceRead: {BreakMissingSourceRead,
		"the role's policy lacks s3:GetObjectVersionForReplication on the source objects",
		Expectation{Status: StatusFailed, Reason: "SrcGetObjectNotPermitted", Spec: "§6.2, §8.2"}},
	BreakMissingReplicateObject: {BreakMissingReplicateObject,
		"the role's policy lacks s3:ReplicateObject on the destination objects",
		Expectation{Status: StatusFailed, Reason: "DstPutObjectNotPermitted", Spec: "§6.2, §8.2"}},
	BreakMissingBucketPolicy: {BreakMissingBucketPolicy,
		"account B puts no bucket policy on the destination bucket",
		Expectation{Status: StatusFailed, Reason: "DstPutObjectNotPermitted", Spec: "§6.2, §8.3"}},
	BreakMissingSourceKeyDecrypt: {BreakMissingSourceKeyDecrypt,
		"the role's policy has no kms:Decrypt on the source key Ks",
		Expectation{Status: StatusFailed, Reason: "SrcGetObjectNotPermitted", Spec: "§6.2 (notes), §5.2"}},
	BreakMissingKeyPolicy: {BreakMissingKeyPolicy,
		"the replica key Kd's key policy does not name A's role",
		Expectation{Status: StatusFailed, Reason: "DstPutObjectNotPermitted", Spec: "§5.3, §6.2"}},
	BreakReplicaKeyDisabled: {BreakReplicaKeyDisabled,
		"account B disables the replica key Kd after the set-up",
		Expectation{Status: StatusFailed, Reason: "DstKmsKeyInvalidState", Spec: "§5.3, §6.2"}},
	BreakReplicaKeyWrongRegion: {BreakReplicaKeyWrongRegion,
		"the rule's ReplicaKmsKeyID is a key of B's in another region than the destination bucket",
		Expectation{Status: StatusFailed, Reason: "DstKmsKeyNotFound", Spec: "§2.2 #23, §5.3"}},
	BreakDestinationUnversioned: {BreakDestinationUnversioned,
		"account B suspends versioning on the destination after the rule is saved",
		Expectation{Status: StatusFailed, Reason: "DstBucketUnversioned", Spec: "§2.2 (related rules), §6.2"}},
	BreakTagsDenied: {BreakTagsDenied,
		"the destination bucket policy explicitly denies s3:ReplicateTags to A's role",
		Expectation{Status: StatusCompleted, NoTags: true, Spec: "§8.2"}},
	BreakOwnerOverrideDenied: {BreakOwnerOverrideDenied,
		"the bucket policy lacks s3:ObjectOwnerOverrideToBucketOwner while the rule changes the replica owner (destination Object Ownership ObjectWriter)",
		Expectation{Status: StatusFailed, Reason: "DstPutObjectNotPermitted", Spec: "§6.2, §8.2"}},
	BreakMissingReplicaKeyDecrypt: {BreakMissingReplicaKeyDecrypt,
		"neither the role's policy nor Kd's key policy allows kms:Decrypt on Kd, which S3 uses to verify the replicas' S3 Bucket Key",
		Expectation{Status: StatusFailed, Reason: "DstPutObjectNotPermitted", Spec: "§5.2"}},
	BreakDestinationWithoutLock: {BreakDestinationWithoutLock,
		"the source bucket is created with Object Lock and the destination bucket has none",
		Expectation{Status: StatusFailed, Reason: "DstBucketObjectLockConfigMissing", Spec: "§2.2 (related rules), §6.2"}},
}

// NoBreak is the expectation of the correct set-up.
var NoBreak = Expectation{Status: StatusCompleted, Spec: "scenario.md step 7, §3.3"}

// BreakNames returns the names of the breaks, sorted.
func BreakNames() []string {
	names := make([]string, 0, len(Breaks))
	for n := range Breaks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ListBreaks writes one line per break: its name and what it gets wrong.
func ListBreaks(out io.Writer) {
	for _, n := range BreakNames() {
		b := Breaks[n]
		fmt.Fprintf(out, "  %-27s %s (AWS: %s)\n", b.Name, b.Summary, b.Expect)
	}
}

// has reports whether the options ask for the named break.
func (o *Options) has(name string) bool { return o.Break == name }
