package world

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	ferryaws "github.com/ferrystore/ferry/internal/aws"
	ferryiam "github.com/ferrystore/ferry/internal/iam"
)

// iamEnv is an in-process Ferry on a ManualClock (kept at real time so the
// SDK's signatures are within the skew window until a test moves it).
type iamEnv struct {
	t     *testing.T
	w     *World
	srv   *httptest.Server
	clock *ferryaws.ManualClock
	root  map[string]ferryiam.AccessKey
	acct  map[string]string
}

func startIAMEnv(t *testing.T) *iamEnv {
	t.Helper()
	clock := ferryaws.NewManualClock(time.Now())
	w, err := Open(Config{DataDir: t.TempDir(), Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	e := &iamEnv{t: t, w: w, srv: httptest.NewServer(w.HTTP), clock: clock, root: map[string]ferryiam.AccessKey{}, acct: map[string]string{}}
	t.Cleanup(func() { e.srv.Close(); w.Close() })
	accts, _ := w.IAM.Accounts()
	for _, a := range accts {
		k, _ := w.IAM.RootKey(a.ID)
		e.root[a.Name], e.acct[a.Name] = k, string(a.ID)
	}
	return e
}

func static(id, secret, token string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(id, secret, token)
}

func (e *iamEnv) iam(creds aws.CredentialsProvider) *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(), Credentials: creds})
}

func (e *iamEnv) sts(creds aws.CredentialsProvider, region string) *sts.Client {
	return sts.New(sts.Options{Region: region, BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(), Credentials: creds})
}

func (e *iamEnv) s3(creds aws.CredentialsProvider, region string) *s3.Client {
	return s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(e.srv.URL), UsePathStyle: true, HTTPClient: e.srv.Client(), Credentials: creds})
}

func (e *iamEnv) rootCreds(name string) aws.CredentialsProvider {
	return static(e.root[name].ID, e.root[name].Secret, "")
}

func TestIAMUsersAndKeys(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	a := e.iam(e.rootCreds("a"))
	if _, err := a.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/eng/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("storage")}}}); err != nil {
		t.Fatal(err)
	}
	key, err := a.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := static(*key.AccessKey.AccessKeyId, *key.AccessKey.SecretAccessKey, "")
	// A user may do only what its policies allow, reading itself included.
	self := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","s3:CreateBucket"],"Resource":"*"}]}`
	if _, err := a.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("self"), PolicyDocument: aws.String(self)}); err != nil {
		t.Fatal(err)
	}

	// The user's key signs IAM, STS and S3 requests, in any region.
	me, err := e.iam(alice).GetUser(ctx, &iam.GetUserInput{})
	if err != nil || *me.User.Arn != "arn:aws:iam::"+e.acct["a"]+":user/eng/alice" || len(me.User.Tags) != 1 {
		t.Fatalf("GetUser as alice: %+v %v", me, err)
	}
	who, err := e.sts(alice, "eu-west-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *who.Arn != *me.User.Arn || *who.UserId != *me.User.UserId || *who.Account != e.acct["a"] {
		t.Fatalf("GetCallerIdentity as alice: %+v %v", who, err)
	}
	if _, err := e.s3(alice, "us-east-1").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alice-bucket")}); err != nil {
		t.Fatalf("S3 as alice: %v", err)
	}
	rootWho, _ := e.sts(e.rootCreds("a"), "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if *rootWho.Arn != "arn:aws:iam::"+e.acct["a"]+":root" || *rootWho.UserId != e.acct["a"] {
		t.Fatalf("root identity %+v", rootWho)
	}

	// The same data from every region (IAM is global).
	west := iam.New(iam.Options{Region: "us-west-2", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(), Credentials: e.rootCreds("a")})
	users, err := west.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(users.Users) != 1 || *users.Users[0].UserName != "alice" {
		t.Fatalf("ListUsers from us-west-2: %+v %v", users, err)
	}

	// Limits and conflicts.
	if _, err := a.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	_, err = a.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	_, err = a.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "DeleteConflict", "Cannot delete entity, must delete access keys first.")

	// An inactive key stops authenticating: InvalidClientTokenId for IAM and
	// STS, InvalidAccessKeyId for S3.
	if _, err := a.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: key.AccessKey.AccessKeyId,
		Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sts(alice, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	_, err = e.s3(alice, "us-east-1").ListBuckets(ctx, &s3.ListBucketsInput{})
	wantAPIError(t, err, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	_, err = e.iam(static(e.root["a"].ID, "wrong", "")).ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")

	// Policy documents come back URL-encoded, as AWS sends them.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::alice-bucket/*"}]}`
	if _, err := a.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("read"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	got, err := a.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("read")})
	if err != nil {
		t.Fatal(err)
	}
	if dec, _ := url.QueryUnescape(*got.PolicyDocument); dec != doc || strings.Contains(*got.PolicyDocument, `"`) {
		t.Fatalf("policy document %s", *got.PolicyDocument)
	}
}

func TestAssumeRoleAcrossAccounts(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	a, b := e.iam(e.rootCreds("a")), e.iam(e.rootCreds("b"))
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + e.acct["b"] + `:root"},"Action":"sts:AssumeRole"}]}`
	role, err := a.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("shared"), AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("shared"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3FullAccess")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3(e.rootCreds("a"), "us-east-1").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-bucket")}); err != nil {
		t.Fatal(err)
	}

	// Root may not assume roles: B assumes through an IAM user.
	_, err = e.sts(e.rootCreds("b"), "us-west-2").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("s0")})
	wantAPIError(t, err, "AccessDenied", "Roles may not be assumed by root accounts.")
	if _, err := b.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	bk, err := b.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bob := e.sts(static(*bk.AccessKey.AccessKeyId, *bk.AccessKey.SecretAccessKey, ""), "us-west-2")
	// Across accounts the trust policy and bob's own policies must both allow.
	_, err = bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("replicator")})
	wantAPIError(t, err, "AccessDenied", "User: arn:aws:iam::"+e.acct["b"]+":user/bob is not authorized to perform: sts:AssumeRole on resource: "+*role.Role.Arn)
	assume := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + *role.Role.Arn + `"}]}`
	if _, err := b.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(assume)}); err != nil {
		t.Fatal(err)
	}
	out, err := bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("replicator"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:sts::" + e.acct["a"] + ":assumed-role/shared/replicator"
	if *out.AssumedRoleUser.Arn != wantARN || *out.AssumedRoleUser.AssumedRoleId != *role.Role.RoleId+":replicator" {
		t.Fatalf("assumed role user %+v", out.AssumedRoleUser)
	}
	c := out.Credentials
	session := static(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)

	who, err := e.sts(session, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *who.Arn != wantARN || *who.Account != e.acct["a"] || *who.UserId != *out.AssumedRoleUser.AssumedRoleId {
		t.Fatalf("GetCallerIdentity with the session: %+v %v", who, err)
	}
	// The session reaches S3 as an assumed-role principal of account A.
	if _, err := e.s3(session, "us-east-1").PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared-bucket"), Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatalf("S3 with the session: %v", err)
	}
	pols, err := e.w.IAM.PoliciesFor(ferryaws.Principal{Type: ferryaws.PrincipalAssumedRole, Account: ferryaws.AccountID(e.acct["a"]), RoleARN: *role.Role.Arn})
	if err != nil || len(pols.Identity) != 1 || pols.Identity[0].ARN != "arn:aws:iam::aws:policy/AmazonS3FullAccess" {
		t.Fatalf("PoliciesFor the session: %+v %v", pols, err)
	}

	// Tokens: missing or wrong.
	_, err = e.sts(static(*c.AccessKeyId, *c.SecretAccessKey, ""), "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	_, err = e.s3(static(*c.AccessKeyId, *c.SecretAccessKey, "bogus"), "us-east-1").ListBuckets(ctx, &s3.ListBucketsInput{})
	wantAPIError(t, err, "InvalidToken", "The provided token is malformed or otherwise invalid.")

	// Untrusted callers and bad parameters.
	_, err = e.sts(static(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("again")})
	wantAPIError(t, err, "AccessDenied", "User: "+wantARN+" is not authorized to perform: sts:AssumeRole on resource: "+*role.Role.Arn)
	_, err = bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("Session1:2")})
	wantAPIError(t, err, "ValidationError", `1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	_, err = bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("long"), DurationSeconds: aws.Int32(10800)})
	wantAPIError(t, err, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")

	// Expiry follows the clock: after 15 minutes the session is refused,
	// by STS (403) and by S3 (400) each in its own words.
	e.clock.Advance(16 * time.Minute)
	status, body := e.signedAt(t, http.MethodPost, "sts", "us-east-1", "Action=GetCallerIdentity&Version=2011-06-15", *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	if status != http.StatusForbidden || !strings.Contains(body, "<Code>ExpiredToken</Code>\n    <Message>The security token included in the request is expired</Message>") {
		t.Fatalf("expired session on STS: %d\n%s", status, body)
	}
	status, body = e.signedAt(t, http.MethodGet, "s3", "us-east-1", "", *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	if status != http.StatusBadRequest || !strings.Contains(body, "<Code>ExpiredToken</Code><Message>The provided token has expired.</Message>") {
		t.Fatalf("expired session on S3: %d\n%s", status, body)
	}
}

// TestGetSessionToken: a user's session credentials identify the user,
// cannot get another session token, and cannot call IAM (no MFA).
func TestGetSessionToken(t *testing.T) {
	e := startIAMEnv(t)
	ctx := context.Background()
	a := e.iam(e.rootCreds("a"))
	if _, err := a.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	k, err := a.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("carol")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.sts(static(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, ""), "us-east-1").GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	session := e.sts(static(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken), "us-east-1")
	who, err := session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *who.Arn != "arn:aws:iam::"+e.acct["a"]+":user/carol" {
		t.Fatalf("session identity %+v %v", who, err)
	}
	_, err = session.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantAPIError(t, err, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	// Without MFA, GetSessionToken credentials cannot call IAM at all.
	_, err = e.iam(static(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)).GetUser(ctx, &iam.GetUserInput{})
	wantAPIError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid.")
	_, err = e.sts(static(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, ""), "us-east-1").GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(600)})
	wantAPIError(t, err, "ValidationError", "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
}

// signedAt sends a Query request signed at the server's clock (the SDK
// clients sign at the real time, which the test moved away from).
func (e *iamEnv) signedAt(t *testing.T, method, service, region, form, id, secret, token string) (int, string) {
	t.Helper()
	resp := e.signedResponse(t, method, service, region, form, id, secret, token)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// signedResponse sends a Query request signed at the server's clock and
// returns the response, whose body the caller closes.
func (e *iamEnv) signedResponse(t *testing.T, method, service, region, form, id, secret, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+"/", strings.NewReader(form))
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("X-Amz-Security-Token", token)
	}
	h := sha256.Sum256([]byte(form))
	sum := hex.EncodeToString(h[:])
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token},
		req, sum, service, region, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestQueryErrorShape(t *testing.T) {
	e := startIAMEnv(t)
	k := e.root["a"]
	status, body := e.signedAt(t, http.MethodPost, "iam", "us-east-1", "Action=GetRole&Version=2010-05-08&RoleName=app-deployer", k.ID, k.Secret, "")
	lines := strings.Split(body, "\n")
	want := []string{
		`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">`,
		`  <Error>`,
		`    <Type>Sender</Type>`,
		`    <Code>NoSuchEntity</Code>`,
		`    <Message>The role with name app-deployer cannot be found.</Message>`,
		`  </Error>`,
	}
	if status != http.StatusNotFound || len(lines) != 9 || strings.Join(lines[:6], "\n") != strings.Join(want, "\n") ||
		!strings.HasPrefix(lines[6], "  <RequestId>") || lines[7] != "</ErrorResponse>" || lines[8] != "" {
		t.Fatalf("status %d, body:\n%s", status, body)
	}
	status, body = e.signedAt(t, http.MethodPost, "iam", "us-east-1", "Action=CreateGroupz&Version=2010-05-08", k.ID, k.Secret, "")
	if status != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Fatalf("unknown action: %d\n%s", status, body)
	}
	status, body = e.signedAt(t, http.MethodPost, "iam", "us-east-1", "Action=CreateUser&Version=2010-05-08", k.ID, k.Secret, "")
	if status != http.StatusBadRequest || !strings.Contains(body, "<Message>1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null</Message>") {
		t.Fatalf("missing parameter: %d\n%s", status, body)
	}
}

func wantAPIError(t *testing.T, err error, wantCode, wantMessage string) {
	t.Helper()
	if code(err) != wantCode || !strings.Contains(err.Error(), wantMessage) {
		t.Fatalf("got %v, want %s: %s", err, wantCode, wantMessage)
	}
}

// A presigned GetCallerIdentity URL (the identity proof Vault and EKS use)
// is answered with the signer's identity.
func TestPresignedGetCallerIdentity(t *testing.T) {
	e := startIAMEnv(t)
	ps, err := sts.NewPresignClient(e.sts(e.rootCreds("b"), "us-west-2")).PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(ps.Method, ps.URL, nil)
	for k, v := range ps.SignedHeader {
		req.Header[k] = v
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<Arn>arn:aws:iam::"+e.acct["b"]+":root</Arn>") {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
}
