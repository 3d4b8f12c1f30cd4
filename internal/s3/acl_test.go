package s3

import (
	"reflect"
	"slices"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

const (
	aclOwner  aws.AccountID = "111111111111"
	aclWriter aws.AccountID = "222222222222"
)

func TestCannedACL(t *testing.T) {
	owner, bucket := aws.CanonicalUserID(aclWriter), aws.CanonicalUserID(aclOwner)
	fc := Grant{Type: GranteeCanonicalUser, ID: owner, Permission: PermFullControl}
	for _, tc := range []struct {
		canned string
		want   []Grant
	}{
		{"private", []Grant{fc}},
		{"aws-exec-read", []Grant{fc}},
		{"public-read", []Grant{fc, {Type: GranteeGroup, URI: GroupAllUsers, Permission: PermRead}}},
		{"public-read-write", []Grant{fc, {Type: GranteeGroup, URI: GroupAllUsers, Permission: PermRead}, {Type: GranteeGroup, URI: GroupAllUsers, Permission: PermWrite}}},
		{"authenticated-read", []Grant{fc, {Type: GranteeGroup, URI: GroupAuthenticatedUsers, Permission: PermRead}}},
		{"bucket-owner-read", []Grant{fc, {Type: GranteeCanonicalUser, ID: bucket, Permission: PermRead}}},
		{"bucket-owner-full-control", []Grant{fc, {Type: GranteeCanonicalUser, ID: bucket, Permission: PermFullControl}}},
		{"log-delivery-write", []Grant{fc, {Type: GranteeGroup, URI: GroupLogDelivery, Permission: PermWrite}, {Type: GranteeGroup, URI: GroupLogDelivery, Permission: PermReadACP}}},
	} {
		got, err := CannedACL(tc.canned, aclWriter, aclOwner)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, %v", tc.canned, got, err)
		}
	}
	if got, _ := CannedACL("bucket-owner-full-control", aclOwner, aclOwner); len(got) != 1 {
		t.Errorf("bucket-owner-full-control by the bucket owner: %+v", got)
	}
	if _, err := CannedACL("public", aclOwner, aclOwner); !aws.IsCode(err, "InvalidArgument") {
		t.Errorf("unknown canned ACL: %v", err)
	}
}

func TestParseGrantHeader(t *testing.T) {
	id := aws.CanonicalUserID(aclOwner)
	for _, tc := range []struct {
		value string
		want  []Grant
		code  string
	}{
		{`id="` + id + `"`, []Grant{{Type: GranteeCanonicalUser, ID: id, Permission: PermRead}}, ""},
		{`uri="` + GroupAllUsers + `", id=` + id, []Grant{{Type: GranteeGroup, URI: GroupAllUsers, Permission: PermRead}, {Type: GranteeCanonicalUser, ID: id, Permission: PermRead}}, ""},
		{`id="123"`, nil, "InvalidArgument"},
		{`uri="http://acs.amazonaws.com/groups/global/Nobody"`, nil, "InvalidArgument"},
		{`emailAddress="x@example.com"`, nil, "UnresolvableGrantByEmailAddress"},
		{`nonsense`, nil, "InvalidArgument"},
		{`foo="bar"`, nil, "InvalidArgument"},
	} {
		got, err := ParseGrantHeader("x-amz-grant-read", tc.value, PermRead)
		if tc.code != "" {
			if !aws.IsCode(err, tc.code) {
				t.Errorf("%s: %v, want %s", tc.value, err, tc.code)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, %v", tc.value, got, err)
		}
	}
}

func TestResolveACLConflicts(t *testing.T) {
	_, err := resolveACL(ACLInput{Canned: "private", Grants: map[string]string{PermRead: `id="x"`}}, aclOwner, aclOwner)
	if !aws.IsCode(err, "InvalidRequest") {
		t.Errorf("canned and grants: %v", err)
	}
	_, err = resolveACL(ACLInput{Canned: "private", Policy: &AccessControlPolicy{}}, aclOwner, aclOwner)
	if !aws.IsCode(err, "UnexpectedContent") {
		t.Errorf("canned and body: %v", err)
	}
	if got, err := resolveACL(ACLInput{}, aclOwner, aclOwner); err != nil || !ownerOnlyDefault(got, aclOwner) {
		t.Errorf("default: %+v %v", got, err)
	}
}

func TestACLActions(t *testing.T) {
	for _, tc := range []struct {
		perm   string
		object bool
		has    []string
		hasNot []string
	}{
		{PermRead, false, []string{"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"}, []string{"s3:GetObject"}},
		{PermWrite, false, []string{"s3:PutObject", "s3:DeleteObject"}, []string{"s3:ListBucket"}},
		{PermReadACP, false, []string{"s3:GetBucketAcl"}, []string{"s3:PutBucketAcl"}},
		{PermWriteACP, false, []string{"s3:PutBucketAcl"}, []string{"s3:GetBucketAcl"}},
		{PermFullControl, false, []string{"s3:ListBucket", "s3:PutObject", "s3:GetBucketAcl", "s3:PutBucketAcl"}, []string{"s3:GetObject"}},
		{PermRead, true, []string{"s3:GetObject", "s3:GetObjectVersion"}, []string{"s3:GetObjectAcl"}},
		{PermWrite, true, nil, []string{"s3:PutObject"}},
		{PermReadACP, true, []string{"s3:GetObjectAcl", "s3:GetObjectVersionAcl"}, []string{"s3:GetObject"}},
		{PermWriteACP, true, []string{"s3:PutObjectAcl", "s3:PutObjectVersionAcl"}, nil},
		{PermFullControl, true, []string{"s3:GetObject", "s3:GetObjectAcl", "s3:PutObjectAcl"}, []string{"s3:DeleteObject"}},
	} {
		got := ACLActions(tc.perm, tc.object)
		for _, a := range tc.has {
			if !slices.Contains(got, a) {
				t.Errorf("%s (object %v) lacks %s: %v", tc.perm, tc.object, a, got)
			}
		}
		for _, a := range tc.hasNot {
			if slices.Contains(got, a) {
				t.Errorf("%s (object %v) has %s", tc.perm, tc.object, a)
			}
		}
	}
}

func TestObjectOwner(t *testing.T) {
	for _, tc := range []struct {
		ownership, canned string
		writer, want      aws.AccountID
	}{
		{"BucketOwnerEnforced", "", aclWriter, aclOwner},
		{"BucketOwnerPreferred", "", aclWriter, aclWriter},
		{"BucketOwnerPreferred", "bucket-owner-full-control", aclWriter, aclOwner},
		{"ObjectWriter", "bucket-owner-full-control", aclWriter, aclWriter},
		{"", "", aclWriter, aclWriter},
		{"ObjectWriter", "", "", aclOwner},
	} {
		b := &Bucket{Account: aclOwner, ObjectOwnership: tc.ownership}
		if got := objectOwner(b, tc.writer, tc.canned); got != tc.want {
			t.Errorf("%s/%s: %s, want %s", tc.ownership, tc.canned, got, tc.want)
		}
	}
}

func TestACLDocument(t *testing.T) {
	acl := []Grant{ownerGrant(aclOwner, PermFullControl), groupGrant(GroupAllUsers, PermRead), groupGrant(GroupAuthenticatedUsers, PermRead),
		groupGrant(GroupLogDelivery, PermWrite)}
	count := func(doc string) int {
		n := 0
		for i := 0; i+5 <= len(doc); i++ {
			if doc[i:i+5] == `"Sid"` {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		anonymous, ignore bool
		want              int
	}{{false, false, 3}, {true, false, 2}, {false, true, 1}, {true, true, 1}} {
		if got := count(aclDocument(acl, "arn:aws:s3:::b", true, tc.anonymous, tc.ignore)); got != tc.want {
			t.Errorf("anonymous %v ignore %v: %d statements, want %d", tc.anonymous, tc.ignore, got, tc.want)
		}
	}
}
