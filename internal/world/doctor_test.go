package world

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	ferryaws "github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/doctor"
	"github.com/ferrystore/ferry/internal/replication"
)

// kmsSetup is the walkthrough of spec/scenario.md built through the public
// APIs: account a replicates SSE-KMS objects from src (ap-northeast-1,
// key ks) to account b's dst (us-west-2, key kd) through role, with one
// mistake (or none).
type kmsSetup struct {
	src, dst, role, roleARN, ks, kd string
	acctA, acctB                    string
}

// The mistakes the walkthrough is commonly built with.
const (
	mistakeNone              = ""
	mistakeUntrustedRole     = "untrusted-role"
	mistakeNoSourceRead      = "missing-source-read"
	mistakeNoReplicateObject = "missing-replicate-object"
	mistakeNoBucketPolicy    = "missing-bucket-policy"
	mistakeNoSourceDecrypt   = "missing-source-key-decrypt"
	mistakeNoKeyPolicy       = "missing-key-policy"
	mistakeKeyWrongRegion    = "replica-key-wrong-region"
	mistakeKeyDisabled       = "replica-key-disabled"
	mistakeDstUnversioned    = "destination-unversioned"
	mistakeTagsDenied        = "tags-denied"
	mistakeOwnerOverride     = "owner-override-denied"
	// mistakeBucketKeyDecrypt: the source uses an S3 Bucket Key, which its
	// replicas keep, and nothing grants kms:Decrypt on the replica key.
	mistakeBucketKeyDecrypt = "missing-replica-key-decrypt"
)

func buildKMSSetup(t *testing.T, e *env, name, mistake string) kmsSetup {
	t.Helper()
	ctx := e.ctx
	s := kmsSetup{src: name + "-src", dst: name + "-dst", role: name + "-replication",
		acctA: string(e.keys["a"].Principal().Account), acctB: string(e.keys["b"].Principal().Account)}
	s.roleARN = "arn:aws:iam::" + s.acctA + ":role/" + s.role
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", mistake, err)
		}
	}
	// The role comes first: policies may name only principals that exist.
	service := "s3.amazonaws.com"
	if mistake == mistakeUntrustedRole {
		service = "ec2.amazonaws.com"
	}
	ka := e.keys["a"]
	iamA := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(),
		Credentials: static(ka.ID, ka.Secret, "")})
	must(iamA.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(s.role), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`)}))
	// Destination: b's versioned bucket and replica key.
	kdRegion := "us-west-2"
	if mistake == mistakeKeyWrongRegion {
		kdRegion = "us-east-1"
	}
	keyUsers := `{"AWS":"` + s.roleARN + `"}`
	if mistake == mistakeNoKeyPolicy {
		keyUsers = `{"AWS":"arn:aws:iam::` + s.acctB + `:root"}`
	}
	kdPolicy := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + s.acctB + `:root"},"Action":"kms:*","Resource":"*"},
		{"Sid":"ReplicaWrites","Effect":"Allow","Principal":` + keyUsers + `,"Action":["kms:Encrypt","kms:GenerateDataKey"],"Resource":"*"}]}`
	kd, err := e.kms("b", kdRegion).CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(kdPolicy)})
	must(kd, err)
	s.kd = aws.ToString(kd.KeyMetadata.Arn)
	b := e.s3("b", "us-west-2")
	dstBucket := &s3.CreateBucketInput{Bucket: aws.String(s.dst),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-west-2"}}
	if mistake == mistakeOwnerOverride {
		// A BucketOwnerEnforced destination (the default) owns its replicas
		// without the override's permission: the mistake needs another mode.
		dstBucket.ObjectOwnership = types.ObjectOwnershipObjectWriter
	}
	must(b.CreateBucket(ctx, dstBucket))
	must(b.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(s.dst),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}))
	if mistake != mistakeNoBucketPolicy {
		actions := `"s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags","s3:ObjectOwnerOverrideToBucketOwner"`
		if mistake == mistakeOwnerOverride {
			actions = `"s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"`
		}
		deny := ""
		if mistake == mistakeTagsDenied {
			deny = `,{"Sid":"NoTags","Effect":"Deny","Principal":{"AWS":"` + s.roleARN + `"},"Action":"s3:ReplicateTags","Resource":"arn:aws:s3:::` + s.dst + `/*"}`
		}
		must(b.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(s.dst), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
			{"Sid":"Replicas","Effect":"Allow","Principal":{"AWS":"` + s.roleARN + `"},"Action":[` + actions + `],"Resource":"arn:aws:s3:::` + s.dst + `/*"},
			{"Sid":"Versioning","Effect":"Allow","Principal":{"AWS":"` + s.roleARN + `"},"Action":["s3:List*","s3:GetBucketVersioning"],"Resource":"arn:aws:s3:::` + s.dst + `"}` + deny + `]}`)}))
	}
	// Source: a's key, bucket and role.
	ks, err := e.kms("a", "ap-northeast-1").CreateKey(ctx, &kms.CreateKeyInput{})
	must(ks, err)
	s.ks = aws.ToString(ks.KeyMetadata.Arn)
	a := e.s3("a", "ap-northeast-1")
	must(a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.src),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "ap-northeast-1"}}))
	must(a.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(s.src),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}))
	must(a.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(s.src),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(s.ks)},
			BucketKeyEnabled:                   aws.Bool(mistake == mistakeBucketKeyDecrypt)}}}}))
	read := `"s3:GetObjectVersionForReplication","s3:GetObjectVersionAcl","s3:GetObjectVersionTagging"`
	if mistake == mistakeNoSourceRead {
		read = `"s3:GetObjectVersionAcl","s3:GetObjectVersionTagging"`
	}
	write := `"s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags","s3:ObjectOwnerOverrideToBucketOwner"`
	if mistake == mistakeNoReplicateObject {
		write = `"s3:ReplicateDelete","s3:ReplicateTags","s3:ObjectOwnerOverrideToBucketOwner"`
	}
	decrypt := `{"Effect":"Allow","Action":"kms:Decrypt","Resource":"` + s.ks + `"},`
	if mistake == mistakeNoSourceDecrypt {
		decrypt = ""
	}
	must(iamA.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(s.role), PolicyName: aws.String("replication"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetReplicationConfiguration","s3:ListBucket"],"Resource":"arn:aws:s3:::` + s.src + `"},
		{"Effect":"Allow","Action":[` + read + `],"Resource":"arn:aws:s3:::` + s.src + `/*"},
		{"Effect":"Allow","Action":[` + write + `],"Resource":"arn:aws:s3:::` + s.dst + `/*"},` + decrypt + `
		{"Effect":"Allow","Action":["kms:Encrypt","kms:GenerateDataKey"],"Resource":"` + s.kd + `"}]}`)}))
	must(a.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(s.src),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(s.roleARN), Rules: []types.ReplicationRule{{
			ID: aws.String("to-b"), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
			Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String("")},
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusEnabled},
			SourceSelectionCriteria: &types.SourceSelectionCriteria{SseKmsEncryptedObjects: &types.SseKmsEncryptedObjects{Status: types.SseKmsEncryptedObjectsStatusEnabled}},
			Destination: &types.Destination{Bucket: aws.String("arn:aws:s3:::" + s.dst), Account: aws.String(s.acctB),
				AccessControlTranslation: &types.AccessControlTranslation{Owner: types.OwnerOverrideDestination},
				EncryptionConfiguration:  &types.EncryptionConfiguration{ReplicaKmsKeyID: aws.String(s.kd)}},
		}}}}))
	switch mistake {
	case mistakeKeyDisabled:
		must(e.kms("b", "us-west-2").DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(s.kd)}))
	case mistakeDstUnversioned:
		must(b.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(s.dst),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}}))
	}
	return s
}

// TestDoctorAndExplain: for the walkthrough built right, the pre-flight
// check passes and an object completes; for each common mistake the
// pre-flight flags the hop before any object is written, the object then
// fails with AWS's reason (or, with tags denied, replicates without its
// tags), and Explain names the same hop, reason and fix afterwards.
func TestDoctorAndExplain(t *testing.T) {
	e := startReplicationEnv(t, ReplicationConfig{Workers: 2, PollInterval: 20 * time.Millisecond,
		Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	defer e.stop()
	admin := ferryaws.Principal{Type: ferryaws.PrincipalAdmin}
	doc := &doctor.Doctor{S3: e.w.S3, IAM: e.w.IAM, KMS: e.w.KMS, Authz: e.w.Authz, Engine: e.w.Replication}
	cases := []struct {
		mistake, hop string
		status       types.ReplicationStatus
		reason       string
		// fixIn is the document the first fix belongs in, fixAccount "a" or "b".
		fixIn, fixAccount string
	}{
		{mistakeNone, "", types.ReplicationStatusCompleted, "", "", ""},
		{mistakeUntrustedRole, doctor.HopAssumeRole, types.ReplicationStatusFailed, replication.ReasonAssumeRoleNotPermitted, "trust policy of role", "a"},
		{mistakeNoSourceRead, doctor.HopSourceRead, types.ReplicationStatusFailed, replication.ReasonSrcGetObjectNotPermitted, "permissions policy of role", "a"},
		{mistakeNoReplicateObject, doctor.HopWrite, types.ReplicationStatusFailed, replication.ReasonDstPutObjectNotPermitted, "permissions policy of role", "a"},
		{mistakeNoBucketPolicy, doctor.HopWrite, types.ReplicationStatusFailed, replication.ReasonDstPutObjectNotPermitted, "bucket policy of", "b"},
		{mistakeNoSourceDecrypt, doctor.HopSourceKey, types.ReplicationStatusFailed, replication.ReasonSrcGetObjectNotPermitted, "permissions policy of role", "a"},
		{mistakeNoKeyPolicy, doctor.HopReplicaKey, types.ReplicationStatusFailed, replication.ReasonDstPutObjectNotPermitted, "key policy of", "b"},
		{mistakeKeyWrongRegion, doctor.HopReplicaKey, types.ReplicationStatusFailed, replication.ReasonDstKmsKeyNotFound, "replication configuration", "b"},
		{mistakeKeyDisabled, doctor.HopReplicaKey, types.ReplicationStatusFailed, replication.ReasonDstKmsKeyInvalidState, "KMS key", "b"},
		{mistakeDstUnversioned, doctor.HopDestination, types.ReplicationStatusFailed, replication.ReasonDstBucketUnversioned, "versioning of bucket", "b"},
		{mistakeTagsDenied, doctor.HopTags, types.ReplicationStatusCompleted, "", "bucket policy of", "b"},
		{mistakeOwnerOverride, doctor.HopOwner, types.ReplicationStatusFailed, replication.ReasonDstPutObjectNotPermitted, "bucket policy of", "b"},
		{mistakeBucketKeyDecrypt, doctor.HopReplicaKey, types.ReplicationStatusFailed, replication.ReasonDstPutObjectNotPermitted, "key policy of", "b"},
	}
	for i, tc := range cases {
		name := tc.mistake
		if name == "" {
			name = "right"
		}
		t.Run(name, func(t *testing.T) {
			s := buildKMSSetup(t, e, fmt.Sprintf("doc%d", i), tc.mistake)
			account := map[string]string{"a": s.acctA, "b": s.acctB}[tc.fixAccount]

			// Before any object: the pre-flight flags the hop.
			rep, err := doc.Replication(e.ctx, admin, s.src)
			if err != nil {
				t.Fatal(err)
			}
			t.Log("\n" + rep.Text())
			first := firstIssue(rep.Rules[0].Checks)
			switch {
			case tc.hop == "" && (!rep.OK || first != nil):
				t.Fatalf("pre-flight of the right set-up:\n%s", rep.Text())
			case tc.hop != "" && (first == nil || first.Hop != tc.hop || first.Reason != tc.reason):
				t.Fatalf("pre-flight: want hop %s reason %q first, got:\n%s", tc.hop, tc.reason, rep.Text())
			case tc.hop != "":
				checkFix(t, first, tc.fixIn, account, rep.Text())
			}

			// The object then fails (or loses its tags) as AWS's would.
			a := e.s3("a", "ap-northeast-1")
			put, err := a.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(s.src), Key: aws.String("docs/a.txt"),
				Body: strings.NewReader("replicate me"), Tagging: aws.String("team=tax")})
			if err != nil {
				t.Fatal(err)
			}
			if got := waitStatus(t, a, s.src, "docs/a.txt", types.ReplicationStatusPending); got != tc.status {
				t.Fatalf("status %s, want %s", got, tc.status)
			}
			if tc.mistake == mistakeTagsDenied {
				tags, err := e.s3("b", "us-west-2").GetObjectTagging(e.ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(s.dst), Key: aws.String("docs/a.txt")})
				if err != nil || len(tags.TagSet) != 0 {
					t.Fatalf("replica tags %v (%v), want none", tags, err)
				}
				return
			}

			// Afterwards Explain names the same hop, reason and fix.
			ex, err := doc.Explain(e.ctx, admin, s.src, "docs/a.txt", aws.ToString(put.VersionId))
			if err != nil {
				t.Fatal(err)
			}
			t.Log("\n" + ex.Text())
			de := ex.Destinations[0]
			if tc.hop == "" {
				if de.Status != "COMPLETED" || de.Failing != nil {
					t.Fatalf("explain of a completed version:\n%s", ex.Text())
				}
				return
			}
			if de.Reason != tc.reason || de.Hop != tc.hop || de.Failing.Reason != tc.reason {
				t.Fatalf("explain: want hop %s reason %s, got:\n%s", tc.hop, tc.reason, ex.Text())
			}
			checkFix(t, de.Failing, tc.fixIn, account, ex.Text())
		})
	}
}

// firstIssue is the first failing check, or else the first warning.
func firstIssue(checks []doctor.Check) *doctor.Check {
	var warn *doctor.Check
	for i := range checks {
		switch checks[i].Status {
		case doctor.Fail, doctor.Unknown:
			return &checks[i]
		case doctor.Warn:
			if warn == nil {
				warn = &checks[i]
			}
		}
	}
	return warn
}

func checkFix(t *testing.T, c *doctor.Check, document, account, text string) {
	t.Helper()
	for _, f := range c.Fixes {
		if strings.Contains(f.Document, document) && string(f.Account) == account {
			if f.Statement != "" && !json.Valid([]byte(f.Statement)) {
				t.Fatalf("fix statement is not JSON: %s", f.Statement)
			}
			return
		}
	}
	t.Fatalf("no fix in %q for account %s:\n%s", document, account, text)
}

// TestDiagnoseAPI: the endpoints answer signed callers with JSON and a
// text rendering; an account sees its own documents and marks the other
// account's "cannot see"; anonymous callers are refused.
func TestDiagnoseAPI(t *testing.T) {
	e := startReplicationEnv(t, ReplicationConfig{Disabled: true})
	defer e.stop()
	s := buildKMSSetup(t, e, "api", mistakeNone)
	get := func(account, path string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		if account != "" {
			k := e.keys[account]
			hash := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
			req.Header.Set("x-amz-content-sha256", hash)
			if err := v4.NewSigner().SignHTTP(e.ctx, aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}, req, hash, "ferry", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		json.Unmarshal(raw, &out)
		return resp.StatusCode, out
	}
	status, out := get("a", "/_ferry/doctor/replication?bucket="+s.src)
	if status != http.StatusOK || out["ok"] != false || !strings.Contains(fmt.Sprint(out["text"]), "cannot see") {
		t.Fatalf("account a's doctor: %d %v", status, out)
	}
	if status, out = get("b", "/_ferry/doctor/replication?bucket="+s.src); status != http.StatusForbidden {
		t.Fatalf("account b reading a's configuration: %d %v", status, out)
	}
	if status, _ = get("", "/_ferry/doctor/replication?bucket="+s.src); status != http.StatusForbidden {
		t.Fatalf("anonymous doctor: %d", status)
	}
	if status, out = get("a", "/_ferry/explain?bucket="+s.src+"&key=nothing"); status != http.StatusNotFound {
		t.Fatalf("explain of a missing key: %d %v", status, out)
	}
}

// TestOwnershipControls: Get/Put/DeleteBucketOwnershipControls through the
// SDK, and OwnershipControlsNotFoundError once deleted.
func TestOwnershipControls(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	c := e.s3("a", "us-east-1")
	if _, err := c.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("owned")}); err != nil {
		t.Fatal(err)
	}
	get := func() string {
		out, err := c.GetBucketOwnershipControls(e.ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String("owned")})
		if err != nil {
			return code(err)
		}
		return string(out.OwnershipControls.Rules[0].ObjectOwnership)
	}
	if got := get(); got != "BucketOwnerEnforced" {
		t.Fatalf("new bucket: %s", got)
	}
	if _, err := c.PutBucketOwnershipControls(e.ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String("owned"),
		OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipObjectWriter}}}}); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != "ObjectWriter" {
		t.Fatalf("after put: %s", got)
	}
	if _, err := c.DeleteBucketOwnershipControls(e.ctx, &s3.DeleteBucketOwnershipControlsInput{Bucket: aws.String("owned")}); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != "OwnershipControlsNotFoundError" {
		t.Fatalf("after delete: %s", got)
	}
}
