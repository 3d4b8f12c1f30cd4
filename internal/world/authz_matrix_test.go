package world

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ferrystore/ferry/policy"
)

// The authorization matrix: s3:GetObject on an object of a bucket owned by
// account A, asked by an IAM user, a role session, an account's root user
// or an anonymous caller, of A or of another account, with an identity
// policy that allows, explicitly denies or is absent, and a bucket policy
// that allows the caller (by its own ARN, or by its account), explicitly
// denies it or is absent. The expectations are AWS's rules, written apart
// from Ferry's engine (expected). TestAuthzMatrixEngine asks the policy
// engine directly; TestAuthzMatrixEndToEnd makes the real requests through
// the S3 API with the SDK, all cases against one server.

type matrixKind string

const (
	mxUser      matrixKind = "user"
	mxRole      matrixKind = "role-session"
	mxRoot      matrixKind = "root"
	mxAnonymous matrixKind = "anonymous"
)

type matrixPolicy string

const (
	mxAbsent       matrixPolicy = "absent"
	mxAllow        matrixPolicy = "allow"
	mxAllowAccount matrixPolicy = "allow-account" // bucket policy naming the caller's account
	mxDeny         matrixPolicy = "deny"
)

type matrixCase struct {
	kind     matrixKind
	cross    bool // the caller belongs to another account than the bucket
	identity matrixPolicy
	bucket   matrixPolicy
}

func (c matrixCase) String() string {
	where := "same-account"
	if c.cross {
		where = "cross-account"
	}
	if c.kind == mxAnonymous {
		where = "no-account"
	}
	return fmt.Sprintf("%s/%s/identity-%s/bucket-%s", c.kind, where, c.identity, c.bucket)
}

// matrixCases lists every meaningful combination: the root user and
// anonymous callers have no identity policies (none can be attached to
// them), an anonymous caller has no account, and a bucket policy grants
// the root user and anonymous callers only by naming them.
func matrixCases() []matrixCase {
	var out []matrixCase
	for _, kind := range []matrixKind{mxUser, mxRole, mxRoot} {
		for _, cross := range []bool{false, true} {
			identities := []matrixPolicy{mxAbsent, mxAllow, mxDeny}
			buckets := []matrixPolicy{mxAbsent, mxAllow, mxAllowAccount, mxDeny}
			if kind == mxRoot {
				identities = []matrixPolicy{mxAbsent}
				buckets = []matrixPolicy{mxAbsent, mxAllow, mxDeny}
			}
			for _, id := range identities {
				for _, b := range buckets {
					out = append(out, matrixCase{kind, cross, id, b})
				}
			}
		}
	}
	for _, b := range []matrixPolicy{mxAbsent, mxAllow, mxDeny} {
		out = append(out, matrixCase{mxAnonymous, false, mxAbsent, b})
	}
	return out
}

// expected is AWS's answer: an explicit deny anywhere wins; anonymous
// callers get in only through the bucket policy; IAM policies cannot limit
// the root user, so its identity side always allows; in the same account
// the identity policy or a bucket policy naming the caller suffices (a
// bucket policy naming only the account delegates to the account's IAM
// policies); across accounts both the identity side and the bucket policy
// must allow.
func (c matrixCase) expected() bool {
	if c.identity == mxDeny || c.bucket == mxDeny {
		return false
	}
	if c.kind == mxAnonymous {
		return c.bucket == mxAllow
	}
	identity := c.kind == mxRoot || c.identity == mxAllow
	if c.cross {
		return identity && (c.bucket == mxAllow || c.bucket == mxAllowAccount)
	}
	return identity || c.bucket == mxAllow
}

// matrixIDs names the accounts and identities of the matrix.
type matrixIDs struct {
	owner, other string // account ids
}

const (
	mxBucket  = "matrix"
	mxUserN   = "mx-user"
	mxRoleN   = "mx-role"
	mxSession = "mx"
)

func (ids matrixIDs) account(c matrixCase) string {
	if c.cross {
		return ids.other
	}
	return ids.owner
}

// principal is the caller as a bucket policy names it.
func (ids matrixIDs) principal(c matrixCase) string {
	acct := ids.account(c)
	switch c.kind {
	case mxUser:
		return `{"AWS":"arn:aws:iam::` + acct + `:user/` + mxUserN + `"}`
	case mxRole:
		return `{"AWS":"arn:aws:iam::` + acct + `:role/` + mxRoleN + `"}`
	case mxRoot:
		return `{"AWS":"arn:aws:iam::` + acct + `:root"}`
	}
	return `"*"`
}

// identityDoc is the user's or role's identity policy, "" when absent. The
// denying one also allows everything, so that the deny must win.
func (ids matrixIDs) identityDoc(c matrixCase) string {
	obj := `"arn:aws:s3:::` + mxBucket + `/*"`
	switch c.identity {
	case mxAllow:
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":` + obj + `}]}`
	case mxDeny:
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":` + obj + `}]}`
	}
	return ""
}

// bucketDoc is the bucket policy, "" when absent.
func (ids matrixIDs) bucketDoc(c matrixCase) string {
	stmt := func(effect, principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"` + effect + `","Principal":` + principal +
			`,"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + mxBucket + `/*"}]}`
	}
	switch c.bucket {
	case mxAllow:
		return stmt("Allow", ids.principal(c))
	case mxAllowAccount:
		return stmt("Allow", `{"AWS":"`+ids.account(c)+`"}`)
	case mxDeny:
		return stmt("Deny", ids.principal(c))
	}
	return ""
}

// enginePrincipal is the caller as the policy engine sees it.
func (ids matrixIDs) enginePrincipal(c matrixCase) policy.Principal {
	acct := ids.account(c)
	switch c.kind {
	case mxUser:
		return policy.Principal{Type: policy.User, ARN: "arn:aws:iam::" + acct + ":user/" + mxUserN, Account: acct, UserID: "AIDAMATRIXUSER0000001"}
	case mxRole:
		return policy.Principal{Type: policy.AssumedRole, ARN: "arn:aws:sts::" + acct + ":assumed-role/" + mxRoleN + "/" + mxSession,
			Account: acct, UserID: "AROAMATRIXROLE0000001:" + mxSession, RoleARN: "arn:aws:iam::" + acct + ":role/" + mxRoleN}
	case mxRoot:
		return policy.Principal{Type: policy.Root, ARN: "arn:aws:iam::" + acct + ":root", Account: acct, UserID: acct}
	}
	return policy.Principal{Type: policy.Anonymous}
}

func TestAuthzMatrixEngine(t *testing.T) {
	ids := matrixIDs{owner: "111111111111", other: "222222222222"}
	cases := matrixCases()
	for _, c := range cases {
		var set policy.Set
		if doc := ids.identityDoc(c); doc != "" {
			p, err := policy.Parse(doc, policy.Identity)
			if err != nil {
				t.Fatalf("%s: identity policy: %v", c, err)
			}
			set.Identity = []policy.Named{{Name: "identity", Policy: p}}
		}
		if doc := ids.bucketDoc(c); doc != "" {
			p, err := policy.Parse(doc, policy.BucketPolicy)
			if err != nil {
				t.Fatalf("%s: bucket policy: %v", c, err)
			}
			set.Resource = &policy.Named{Name: "bucket policy", Policy: p}
		}
		req := policy.Request{Principal: ids.enginePrincipal(c), Action: "s3:GetObject",
			Resource: "arn:aws:s3:::" + mxBucket + "/k", ResourceAccount: ids.owner}
		d := policy.Evaluate(req, set)
		if d.Allowed != c.expected() {
			t.Errorf("%s: allowed = %v, AWS says %v\n%s", c, d.Allowed, c.expected(), d.Explain())
		}
		if explicit := c.identity == mxDeny || c.bucket == mxDeny; !d.Allowed && explicit != (d.Reason == policy.ExplicitDeny) {
			t.Errorf("%s: reason %v", c, d.Reason)
		}
	}
	if len(cases) != 57 {
		t.Errorf("%d cases", len(cases))
	}
}

func TestAuthzMatrixEndToEnd(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	ids := matrixIDs{owner: e.acct["a"], other: e.acct["b"]}
	owner := e.bucketWithObject("a", mxBucket)
	// Anonymous cases need a public bucket policy.
	if _, err := owner.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(mxBucket)}); err != nil {
		t.Fatal(err)
	}

	// Each account has the user and a role whose session is the caller,
	// assumed by a second user.
	iams := map[bool]*iam.Client{false: e.iam(e.rootCreds("a")), true: e.iam(e.rootCreds("b"))}
	clients := map[string]*s3.Client{}
	for cross, name := range map[bool]string{false: "a", true: "b"} {
		admin := iams[cross]
		acct := e.acct[name]
		clients[mxKey(mxUser, cross)] = e.s3(e.newUser(admin, mxUserN), "us-east-1")
		clients[mxKey(mxRoot, cross)] = e.s3(e.rootCreds(name), "us-east-1")
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`
		role, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(mxRoleN), AssumeRolePolicyDocument: aws.String(trust)})
		if err != nil {
			t.Fatal(err)
		}
		assumer := e.newUser(admin, "mx-assumer")
		e.putUserPolicy(admin, "mx-assumer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+*role.Role.Arn+`"}]}`)
		out, err := e.sts(assumer, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String(mxSession)})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		clients[mxKey(mxRole, cross)] = e.s3(static(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), "us-east-1")
	}
	clients[mxKey(mxAnonymous, false)] = s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), UsePathStyle: true,
		HTTPClient: e.srv.Client(), Credentials: aws.AnonymousCredentials{}})

	for _, c := range matrixCases() {
		admin := iams[c.cross]
		doc := ids.identityDoc(c)
		var err error
		switch {
		case c.kind == mxUser && doc != "":
			_, err = admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(mxUserN), PolicyName: aws.String("mx"), PolicyDocument: aws.String(doc)})
		case c.kind == mxUser:
			_, err = admin.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String(mxUserN), PolicyName: aws.String("mx")})
		case c.kind == mxRole && doc != "":
			_, err = admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(mxRoleN), PolicyName: aws.String("mx"), PolicyDocument: aws.String(doc)})
		case c.kind == mxRole:
			_, err = admin.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(mxRoleN), PolicyName: aws.String("mx")})
		}
		if err != nil && code(err) != "NoSuchEntity" {
			t.Fatalf("%s: identity policy: %v", c, err)
		}
		if doc := ids.bucketDoc(c); doc != "" {
			_, err = owner.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(mxBucket), Policy: aws.String(doc)})
		} else {
			_, err = owner.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(mxBucket)})
		}
		if err != nil {
			t.Fatalf("%s: bucket policy: %v", c, err)
		}

		err = getObject(clients[mxKey(c.kind, c.cross)], mxBucket, "k")
		switch {
		case c.expected() && err != nil:
			t.Errorf("%s: denied, AWS allows: %v", c, err)
		case !c.expected() && code(err) != "AccessDenied":
			t.Errorf("%s: got %v, AWS denies", c, err)
		case !c.expected():
			// Only callers of the owner's account are told why.
			explained := strings.Contains(err.Error(), "is not authorized to perform: s3:GetObject")
			if want := !c.cross && c.kind != mxAnonymous; explained != want {
				t.Errorf("%s: message %v", c, err)
			}
		}
	}
}

func mxKey(kind matrixKind, cross bool) string { return fmt.Sprint(kind, cross) }
