package s3

import (
	"encoding/json"
	"strconv"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// ACLs in authorization. S3 evaluates an ACL grant like a statement of a
// resource-based policy that allows the grantee the actions its
// permission maps to (AWS's "Mapping of ACL permissions and access policy
// permissions"). Ferry writes those statements as a policy document
// (aclDocument), parses it through authz's cache and evaluates it together
// with the bucket policy, so that an explicit Deny anywhere still wins and
// a grant to another account still needs that account's identity policy.

// bucketACLActions are the actions a bucket ACL permission allows; WRITE
// allows object writes and deletions in the bucket.
var bucketACLActions = map[string][]string{
	PermRead:     {ActionListBucket, ActionListVersions, ActionListUploads},
	PermWrite:    {ActionPutObject, ActionDeleteObject, ActionDeleteObjectVersion},
	PermReadACP:  {ActionGetBucketAcl},
	PermWriteACP: {ActionPutBucketAcl},
}

// objectACLActions are the actions an object ACL permission allows. WRITE
// means nothing on an object. READ also allows the replication engine's
// s3:GetObjectVersionForReplication [Inf: AWS requires READ for the source
// bucket owner to replicate another account's object] and
// s3:GetObject(Version)Attributes [Inf: GetObjectAttributes reads what
// GetObject does].
var objectACLActions = map[string][]string{
	PermRead: {ActionGetObject, ActionGetObjectVersion, "s3:GetObjectTorrent", "s3:GetObjectVersionForReplication",
		ActionGetAttributes, ActionGetVersionAttrs},
	PermReadACP:  {ActionGetObjectAcl, "s3:GetObjectVersionAcl"},
	PermWriteACP: {ActionPutObjectAcl, "s3:PutObjectVersionAcl"},
}

// ACLActions returns the IAM actions a permission grants on a bucket
// (object false) or an object; FULL_CONTROL is all of them.
func ACLActions(perm string, object bool) []string {
	m := bucketACLActions
	if object {
		m = objectACLActions
	}
	if perm != PermFullControl {
		return m[perm]
	}
	var all []string
	for _, p := range []string{PermRead, PermWrite, PermReadACP, PermWriteACP} {
		all = append(all, m[p]...)
	}
	return all
}

// aclDocument writes the grants of acl that can apply to p as a bucket
// policy document: one Allow statement per grant. Grants to AllUsers are
// for "*", to AuthenticatedUsers for every signed caller ({"AWS": "*"},
// left out for anonymous callers), to a canonical user for that account.
// ignorePublic drops both groups' grants (IgnorePublicAcls). LogDelivery
// names no caller Ferry has. "" when no grant applies.
func aclDocument(acl []Grant, bucketARN string, object, anonymous, ignorePublic bool) string {
	type stmt struct {
		Sid       string
		Effect    string
		Principal any
		Action    []string
		Resource  []string
	}
	var stmts []stmt
	for i, g := range acl {
		actions := ACLActions(g.Permission, object)
		if len(actions) == 0 || ignorePublic && g.Public() {
			continue
		}
		var resource []string
		switch {
		case object, g.Permission == PermWrite:
			resource = []string{bucketARN + "/*"}
		case g.Permission == PermFullControl:
			// Bucket FULL_CONTROL mixes bucket and object actions.
			resource = []string{bucketARN, bucketARN + "/*"}
		default:
			resource = []string{bucketARN}
		}
		var principal any
		switch {
		case g.Type == GranteeCanonicalUser:
			principal = map[string]string{"CanonicalUser": g.ID}
		case g.URI == GroupAllUsers:
			principal = "*"
		case g.URI == GroupAuthenticatedUsers && !anonymous:
			principal = map[string]string{"AWS": "*"}
		default:
			continue
		}
		stmts = append(stmts, stmt{Sid: "Grant" + strconv.Itoa(i+1) + g.Permission, Effect: "Allow", Principal: principal,
			Action: actions, Resource: resource})
	}
	if len(stmts) == 0 {
		return ""
	}
	doc, _ := json.Marshal(struct {
		Version   string
		Statement []stmt
	}{policy.Version2012, stmts})
	return string(doc)
}

// withACL returns the resource policy of a request on b once ACLs are taken
// into account, and the account that owns the resource acted on. bucketPol
// is the bucket policy that applies (nil when none). With
// BucketOwnerEnforced nothing changes. Otherwise the bucket's ACL joins the
// bucket policy for bucket actions and object writes; for an object whose
// version is known, the object's ACL does, and when another account owns
// the object, that account is the resource's owner and the bucket policy
// keeps only its Deny statements: the bucket owner cannot grant access to
// objects it does not own, but can deny it [Inf: AWS documents that the
// object owner's ACL decides and that a bucket policy Deny applies].
func (s *Service) withACL(p aws.Principal, b *Bucket, a access, bucketPol *policy.Named) (*policy.Named, aws.AccountID, error) {
	if b.OwnerEnforced() {
		return bucketPol, b.Account, nil
	}
	owner, acl, object, name := b.Account, grantsOf(b.ACL, b.Account), false, "ACL of bucket "+b.Name
	if a.obj != nil && !a.obj.DeleteMarker {
		if a.obj.Owner != "" {
			owner = a.obj.Owner
		}
		acl, object, name = grantsOf(a.obj.ACL, owner), true, "ACL of object "+a.key
	}
	if owner != b.Account && bucketPol != nil {
		bucketPol = &policy.Named{Name: bucketPol.Name + " (Deny statements: the object belongs to another account)",
			Policy: bucketPol.Policy.Denials()}
	}
	ignore := b.blocks(func(c *PublicAccessBlock) bool { return c.IgnorePublicAcls })
	doc := aclDocument(acl, b.ARN(), object, p.IsAnonymous(), ignore)
	if doc == "" {
		return bucketPol, owner, nil
	}
	aclPol, err := s.authz.Parsed(doc, policy.BucketPolicy, name)
	if err != nil {
		return nil, "", aws.Internal(err)
	}
	if bucketPol == nil {
		return aclPol, owner, nil
	}
	merged := *bucketPol.Policy
	merged.Statements = append(append([]policy.Statement(nil), bucketPol.Policy.Statements...), aclPol.Policy.Statements...)
	return &policy.Named{Name: bucketPol.Name + " and " + name, Policy: &merged}, owner, nil
}
