package s3

import (
	"regexp"
	"slices"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// S3 access control lists (ACLs) and Object Ownership.
//
// A bucket record and each object version keep their ACL as a list of
// grants; nil is the default ACL, the owner's FULL_CONTROL. A request sets
// an ACL in one of three ways: a canned ACL (x-amz-acl), x-amz-grant-*
// headers, or (Put*Acl only) an AccessControlPolicy body. The owner of an
// object is the account that wrote it, except that a BucketOwnerEnforced
// bucket owns every object, and a BucketOwnerPreferred bucket owns the
// objects written with the bucket-owner-full-control canned ACL.
//
// With BucketOwnerEnforced, ACLs are disabled: they play no part in
// authorization, Get*Acl answers the bucket owner's FULL_CONTROL, and a
// request that sets any ACL other than private or bucket-owner-full-control
// (or grants that say the same) fails with AccessControlListNotSupported.
// Otherwise grants allow like statements of a resource-based policy
// (aclStatements), and an object owned by another account than the bucket
// owner is governed by its own ACL, not by the bucket policy's grants.
//
// Grants to e-mail addresses (AmazonCustomerByEmail) are refused with
// UnresolvableGrantByEmailAddress: Ferry keeps no e-mail address for its
// accounts.

// Grantee types.
const (
	GranteeCanonicalUser = "CanonicalUser"
	GranteeGroup         = "Group"
	GranteeEmail         = "AmazonCustomerByEmail"
)

// ACL permissions.
const (
	PermFullControl = "FULL_CONTROL"
	PermRead        = "READ"
	PermWrite       = "WRITE"
	PermReadACP     = "READ_ACP"
	PermWriteACP    = "WRITE_ACP"
)

// The predefined groups a grant may name.
const (
	GroupAllUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
	GroupAuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	GroupLogDelivery        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// Grant is one entry of an access control list.
type Grant struct {
	// Type is GranteeCanonicalUser, GranteeGroup or GranteeEmail.
	Type string `json:"t"`
	// ID is a canonical user id (CanonicalUser), URI a group's URI (Group).
	ID         string `json:"id,omitempty"`
	URI        string `json:"uri,omitempty"`
	Email      string `json:"email,omitempty"`
	Permission string `json:"p"`
}

// Public reports whether the grant is to everyone or to every
// authenticated AWS user, which Block Public Access treats as public.
func (g Grant) Public() bool {
	return g.Type == GranteeGroup && (g.URI == GroupAllUsers || g.URI == GroupAuthenticatedUsers)
}

// ACLInput is how a request sets an ACL: at most one of a canned ACL, grant
// headers and (Put*Acl) a body.
type ACLInput struct {
	// Canned is x-amz-acl.
	Canned string
	// Grants maps a permission (READ, WRITE, READ_ACP, WRITE_ACP,
	// FULL_CONTROL) to its x-amz-grant-* header as sent.
	Grants map[string]string
	// Policy is the AccessControlPolicy body, nil when none was sent.
	Policy *AccessControlPolicy
}

// Set reports whether the request sets an ACL at all.
func (in ACLInput) Set() bool { return in.Canned != "" || len(in.Grants) > 0 || in.Policy != nil }

// AccessControlPolicy is an ACL with its owner, as Get*Acl answer and
// Put*Acl accept.
type AccessControlPolicy struct {
	// Owner is the owner's canonical user id ("" when a body omits it).
	Owner  string
	Grants []Grant
}

// GrantHeaders maps each x-amz-grant-* header to its permission.
var GrantHeaders = map[string]string{
	"x-amz-grant-read":         PermRead,
	"x-amz-grant-write":        PermWrite,
	"x-amz-grant-read-acp":     PermReadACP,
	"x-amz-grant-write-acp":    PermWriteACP,
	"x-amz-grant-full-control": PermFullControl,
}

var canonicalIDPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ErrAccessControlListNotSupported is S3's answer to an ACL on a bucket
// whose Object Ownership is BucketOwnerEnforced.
func ErrAccessControlListNotSupported() *aws.Error {
	return aws.New("AccessControlListNotSupported", 400, "The bucket does not allow ACLs")
}

// errUnresolvableEmail refuses a grant to an e-mail address.
func errUnresolvableEmail(email string) *aws.Error {
	return aws.New("UnresolvableGrantByEmailAddress", 400,
		"The e-mail address you provided does not match any account on record.").With("EmailAddress", email)
}

func ownerGrant(owner aws.AccountID, perm string) Grant {
	return Grant{Type: GranteeCanonicalUser, ID: aws.CanonicalUserID(owner), Permission: perm}
}

func groupGrant(uri, perm string) Grant {
	return Grant{Type: GranteeGroup, URI: uri, Permission: perm}
}

// DefaultACL is the ACL of a resource nobody set one on: the owner's
// FULL_CONTROL.
func DefaultACL(owner aws.AccountID) []Grant { return []Grant{ownerGrant(owner, PermFullControl)} }

// CannedACL expands a canned ACL for a resource owned by owner in a bucket
// owned by bucketOwner (the same account for a bucket's own ACL).
// aws-exec-read grants Amazon EC2 nothing in Ferry: it is the owner's
// FULL_CONTROL alone.
func CannedACL(canned string, owner, bucketOwner aws.AccountID) ([]Grant, error) {
	acl := DefaultACL(owner)
	switch canned {
	case "private", "aws-exec-read":
	case "public-read":
		acl = append(acl, groupGrant(GroupAllUsers, PermRead))
	case "public-read-write":
		acl = append(acl, groupGrant(GroupAllUsers, PermRead), groupGrant(GroupAllUsers, PermWrite))
	case "authenticated-read":
		acl = append(acl, groupGrant(GroupAuthenticatedUsers, PermRead))
	case "bucket-owner-read":
		if bucketOwner != owner {
			acl = append(acl, ownerGrant(bucketOwner, PermRead))
		}
	case "bucket-owner-full-control":
		if bucketOwner != owner {
			acl = append(acl, ownerGrant(bucketOwner, PermFullControl))
		}
	case "log-delivery-write":
		acl = append(acl, groupGrant(GroupLogDelivery, PermWrite), groupGrant(GroupLogDelivery, PermReadACP))
	default:
		return nil, aws.ErrInvalidCannedACL(canned)
	}
	return acl, nil
}

// ParseGrantHeader parses one x-amz-grant-* header: comma-separated
// grantees, each type="value" with type id, uri or emailAddress.
func ParseGrantHeader(header, value, perm string) ([]Grant, error) {
	var out []Grant
	for _, part := range strings.Split(value, ",") {
		part = strings.TrimSpace(part)
		typ, val, ok := strings.Cut(part, "=")
		typ = strings.TrimSpace(typ)
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		if !ok || val == "" {
			return nil, aws.InvalidArgument("Argument format not recognized", header, value)
		}
		var g Grant
		switch strings.ToLower(typ) {
		case "id":
			g = Grant{Type: GranteeCanonicalUser, ID: val}
		case "uri":
			g = Grant{Type: GranteeGroup, URI: val}
		case "emailaddress":
			g = Grant{Type: GranteeEmail, Email: val}
		default:
			return nil, aws.InvalidArgument("Argument format not recognized", header, value)
		}
		g.Permission = perm
		if err := validGrant(g, true); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// validGrant checks a grant's grantee and permission; header says whether
// it came from a header (argument names id/uri) or a body.
func validGrant(g Grant, header bool) error {
	name := func(h, x string) string {
		if header {
			return h
		}
		return x
	}
	switch g.Type {
	case GranteeCanonicalUser:
		if !canonicalIDPattern.MatchString(g.ID) {
			return aws.InvalidArgument("Invalid id", name("id", "CanonicalUser/ID"), g.ID)
		}
	case GranteeGroup:
		if g.URI != GroupAllUsers && g.URI != GroupAuthenticatedUsers && g.URI != GroupLogDelivery {
			return aws.InvalidArgument("Invalid group uri", name("uri", "Group/URI"), g.URI)
		}
	case GranteeEmail:
		return errUnresolvableEmail(g.Email)
	default:
		return aws.ErrMalformedACL()
	}
	switch g.Permission {
	case PermFullControl, PermRead, PermWrite, PermReadACP, PermWriteACP:
		return nil
	}
	return aws.ErrMalformedACL()
}

// resolveACL turns a request's ACL into grants for a resource owned by
// owner in a bucket owned by bucketOwner. An input that sets nothing is
// the default ACL.
func resolveACL(in ACLInput, owner, bucketOwner aws.AccountID) ([]Grant, error) {
	if in.Canned != "" && len(in.Grants) > 0 {
		return nil, aws.ErrInvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
	}
	if in.Policy != nil && (in.Canned != "" || len(in.Grants) > 0) {
		return nil, aws.New("UnexpectedContent", 400, "This request does not support content")
	}
	switch {
	case in.Canned != "":
		return CannedACL(in.Canned, owner, bucketOwner)
	case len(in.Grants) > 0:
		var acl []Grant
		for _, h := range []string{"x-amz-grant-full-control", "x-amz-grant-read", "x-amz-grant-read-acp", "x-amz-grant-write", "x-amz-grant-write-acp"} {
			v, ok := in.Grants[GrantHeaders[h]]
			if !ok {
				continue
			}
			gs, err := ParseGrantHeader(h, v, GrantHeaders[h])
			if err != nil {
				return nil, err
			}
			acl = append(acl, gs...)
		}
		return acl, nil
	case in.Policy != nil:
		for _, g := range in.Policy.Grants {
			if err := validGrant(g, false); err != nil {
				return nil, err
			}
		}
		if in.Policy.Owner != "" && in.Policy.Owner != aws.CanonicalUserID(owner) {
			// [Inf] S3 refuses a body naming another owner; the exact answer
			// was not captured.
			return nil, aws.ErrAccessDenied()
		}
		return slices.Clone(in.Policy.Grants), nil
	}
	return DefaultACL(owner), nil
}

// ownerOnlyACL reports whether acl grants nothing beyond FULL_CONTROL to
// the bucket owner (and to the resource's owner, who is the bucket owner
// under BucketOwnerEnforced): what an enforced bucket accepts.
func ownerOnlyACL(acl []Grant, bucketOwner aws.AccountID) bool {
	id := aws.CanonicalUserID(bucketOwner)
	for _, g := range acl {
		if g.Type != GranteeCanonicalUser || g.ID != id || g.Permission != PermFullControl {
			return false
		}
	}
	return true
}

// publicACL reports whether acl grants anything to AllUsers or
// AuthenticatedUsers.
func publicACL(acl []Grant) bool {
	return slices.ContainsFunc(acl, Grant.Public)
}

// checkACLWrite applies Object Ownership and BlockPublicAcls to an ACL a
// request sets on bucket b (in.Set() is true): the grants to store.
func checkACLWrite(b *Bucket, in ACLInput, owner aws.AccountID) ([]Grant, error) {
	acl, err := resolveACL(in, owner, b.Account)
	if err != nil {
		return nil, err
	}
	if b.OwnerEnforced() {
		if in.Canned == "private" || in.Canned == "bucket-owner-full-control" || in.Canned == "" && ownerOnlyACL(acl, b.Account) {
			return nil, nil
		}
		return nil, ErrAccessControlListNotSupported()
	}
	if publicACL(acl) && b.blocks(func(c *PublicAccessBlock) bool { return c.BlockPublicAcls }) {
		return nil, errPublicACLBlocked
	}
	if ownerOnlyDefault(acl, owner) {
		return nil, nil
	}
	return acl, nil
}

// errPublicACLBlocked marks a public ACL refused by BlockPublicAcls; the
// caller turns it into S3's AccessDenied for its action (publicACLDenied).
var errPublicACLBlocked = aws.New("AccessDenied", 403, "public ACLs are prevented by the BlockPublicAcls setting")

// publicACLDenied is S3's AccessDenied for a public ACL put while
// BlockPublicAcls is on.
func publicACLDenied(p aws.Principal, action, resource string) *aws.Error {
	return errBlockedPublic(p, action, resource, "ACLs", "BlockPublicAcls")
}

// ownerOnlyDefault reports whether acl is exactly the default ACL, which is
// stored as nil.
func ownerOnlyDefault(acl []Grant, owner aws.AccountID) bool {
	return len(acl) == 1 && acl[0] == ownerGrant(owner, PermFullControl)
}

// grantsOf returns the stored ACL of a resource owned by owner (nil is the
// default).
func grantsOf(acl []Grant, owner aws.AccountID) []Grant {
	if acl == nil {
		return DefaultACL(owner)
	}
	return acl
}

// objectOwner is the account that owns an object written by writer into
// b with the given canned ACL, under the bucket's Object Ownership. An
// anonymous writer's object belongs to the bucket owner [Inf].
func objectOwner(b *Bucket, writer aws.AccountID, canned string) aws.AccountID {
	switch {
	case writer == "", b.OwnerEnforced():
		return b.Account
	case b.ObjectOwnership == "BucketOwnerPreferred" && canned == "bucket-owner-full-control":
		return b.Account
	}
	return writer
}

// ownObject sets the owner and ACL of a version p writes into b, as the
// request's ACL and the bucket's Object Ownership say.
func (s *Service) ownObject(p aws.Principal, b *Bucket, v *Version, in ACLInput, action string) error {
	v.Owner = objectOwner(b, p.Account, in.Canned)
	v.ACL = nil
	if !in.Set() {
		return nil
	}
	acl, err := checkACLWrite(b, in, v.Owner)
	if err == errPublicACLBlocked {
		return publicACLDenied(p, action, b.ARN()+"/"+v.Key)
	}
	v.ACL = acl
	return err
}
