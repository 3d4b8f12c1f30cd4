package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/ferrystore/ferry/internal/demo"
	"github.com/ferrystore/ferry/internal/ferryapi"
	"github.com/ferrystore/ferry/internal/world"
)

// process is one `ferry serve` child process.
type process struct {
	t        *testing.T
	bin      string
	args     []string
	endpoint string
	cmd      *exec.Cmd
	log      bytes.Buffer
}

// start runs the process and waits until it answers /_ferry/health.
func (p *process) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, append([]string{"serve"}, p.args...)...)
	p.cmd.Env = append(os.Environ(), "FERRY_ROOT_KEY=")
	p.cmd.Stdout, p.cmd.Stderr = &p.log, &p.log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.endpoint + "/_ferry/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	p.t.Fatalf("%s did not start:\n%s", p.endpoint, p.log.String())
}

// stop ends the process gracefully.
func (p *process) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
	p.cmd = nil
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func buildFerry(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "ferry")
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(gocmd, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestTwoProcesses runs the walkthrough of the replication scenario across
// two `ferry serve` processes: the IAM home serves ap-northeast-1 (A's
// SSE-KMS source bucket), a follower sharing its IAM and STS serves
// us-west-2 (B's versioned SSE-KMS destination with a Bucket Key). An
// object replicates; without the destination's bucket policy the next one
// fails DstPutObjectNotPermitted; with the follower stopped an object
// stays PENDING and completes once it is back.
func TestTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two servers")
	}
	bin := buildFerry(t)
	dir := t.TempDir()
	homeAddr, followerAddr := freeAddr(t), freeAddr(t)
	home := &process{t: t, bin: bin, endpoint: "http://" + homeAddr, args: []string{
		"--data-dir", filepath.Join(dir, "home"), "--listen", homeAddr, "--regions", "ap-northeast-1",
		"--peer", "us-west-2=http://" + followerAddr, "--replication-max-backoff", "500ms"}}
	follower := &process{t: t, bin: bin, endpoint: "http://" + followerAddr, args: []string{
		"--data-dir", filepath.Join(dir, "follower"), "--listen", followerAddr, "--regions", "us-west-2",
		"--iam-home-admin", world.AdminFile(filepath.Join(dir, "home")),
		"--peer", "ap-northeast-1=http://" + homeAddr, "--replication-max-backoff", "500ms"}}
	home.start()
	defer func() {
		follower.stop()
		home.stop()
		if t.Failed() {
			t.Logf("home:\n%s\nfollower:\n%s", home.log.String(), follower.log.String())
		}
	}()
	follower.start()

	a, b, err := demo.LoadProfiles(filepath.Join(dir, "follower"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	env, err := demo.Build(ctx, demo.Options{Endpoint: home.endpoint, DestinationEndpoint: follower.endpoint,
		A: a, B: b, Suffix: "twoproc", Out: io.Discard})
	if err != nil {
		t.Fatalf("set-up across two processes: %v", err)
	}
	put := func(key string) string {
		t.Helper()
		out, err := env.Source.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(env.SourceBucket), Key: aws.String(key),
			Body: strings.NewReader("bytes of " + key)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.VersionId)
	}
	status := func(key, vid string) types.ReplicationStatus {
		t.Helper()
		out, err := env.Source.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(env.SourceBucket), Key: aws.String(key), VersionId: aws.String(vid)})
		if err != nil {
			t.Fatal(err)
		}
		return out.ReplicationStatus
	}
	settle := func(key, vid string) types.ReplicationStatus {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			st := status(key, vid)
			if st != types.ReplicationStatusPending || time.Now().After(deadline) {
				return st
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	t.Run("replicates", func(t *testing.T) {
		vid := put("one.txt")
		if st := settle("one.txt", vid); st != "COMPLETED" {
			t.Fatalf("status %s, want COMPLETED", st)
		}
		checkReplica(t, env, "one.txt", vid)
	})

	t.Run("doctor sees the remote destination", func(t *testing.T) {
		g, err := demo.Diagnose(ctx, nil, home.endpoint, a, demo.DoctorPath, map[string][]string{"bucket": {env.SourceBucket}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(g.Text, "served by another Ferry process") || strings.Contains(g.Text, "DstBucketNotFound") {
			t.Fatalf("pre-flight of a destination in the follower's region:\n%s", g.Text)
		}
	})

	t.Run("tags follow", func(t *testing.T) {
		vid := put("tagged.txt")
		if st := settle("tagged.txt", vid); st != "COMPLETED" {
			t.Fatalf("status %s, want COMPLETED", st)
		}
		if _, err := env.Source.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(env.SourceBucket), Key: aws.String("tagged.txt"),
			VersionId: aws.String(vid), Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("stage"), Value: aws.String("two")}}}}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			out, err := env.Destination.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(env.DestinationBucket),
				Key: aws.String("tagged.txt"), VersionId: aws.String(vid)})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.TagSet) == 1 && aws.ToString(out.TagSet[0].Value) == "two" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the replica's tags did not follow the source's: %+v", out.TagSet)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("delete markers follow", func(t *testing.T) {
		out, err := env.Source.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(env.SourceBucket), Key: aws.String("one.txt")})
		if err != nil {
			t.Fatal(err)
		}
		marker := aws.ToString(out.VersionId)
		deadline := time.Now().Add(20 * time.Second)
		for {
			versions, err := env.Destination.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(env.DestinationBucket),
				Prefix: aws.String("one.txt")})
			if err != nil {
				t.Fatal(err)
			}
			if len(versions.DeleteMarkers) == 1 && aws.ToString(versions.DeleteMarkers[0].VersionId) == marker {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the delete marker %s did not reach the replica bucket: %+v", marker, versions.DeleteMarkers)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("without the bucket policy", func(t *testing.T) {
		pol, err := env.Destination.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(env.DestinationBucket)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.Destination.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(env.DestinationBucket)}); err != nil {
			t.Fatal(err)
		}
		vid := put("two.txt")
		if st := settle("two.txt", vid); st != types.ReplicationStatusFailed {
			t.Fatalf("status %s, want FAILED", st)
		}
		q := map[string][]string{"bucket": {env.SourceBucket}, "key": {"two.txt"}, "versionId": {vid}}
		g, err := demo.Diagnose(ctx, nil, home.endpoint, a, demo.ExplainPath, q)
		if err != nil {
			t.Fatal(err)
		}
		if r := g.FailureReasonOf(); r != "DstPutObjectNotPermitted" {
			t.Fatalf("failure reason %q, want DstPutObjectNotPermitted", r)
		}
		if _, err := env.Destination.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(env.DestinationBucket), Policy: pol.Policy}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("one bucket namespace", func(t *testing.T) {
		sameName := []struct {
			who  demo.Credentials
			code string
		}{{a, "BucketAlreadyExists"}, {b, "BucketAlreadyOwnedByYou"}}
		for _, c := range sameName {
			_, err := s3Client(home.endpoint, "ap-northeast-1", c.who).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(env.DestinationBucket),
				CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "ap-northeast-1"}})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != c.code {
				t.Errorf("creating the follower's bucket name at the home: %v, want %s", err, c.code)
			}
		}
		// Each process lists the account's buckets in every region.
		lists := []struct {
			endpoint, region string
			who              demo.Credentials
			want             string
		}{
			{follower.endpoint, "us-west-2", a, env.SourceBucket + "@ap-northeast-1"},
			{home.endpoint, "ap-northeast-1", b, env.DestinationBucket + "@us-west-2"},
		}
		for _, l := range lists {
			out, err := s3Client(l.endpoint, l.region, l.who).ListBuckets(ctx, &s3.ListBucketsInput{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range out.Buckets {
				got = append(got, aws.ToString(b.Name)+"@"+aws.ToString(b.BucketRegion))
			}
			if fmt.Sprint(got) != fmt.Sprint([]string{l.want}) {
				t.Errorf("ListBuckets at %s: %v, want [%s]", l.region, got, l.want)
			}
		}
	})

	t.Run("IAM is shared", func(t *testing.T) {
		viaFollower, viaHome := iamClient(follower.endpoint, a), iamClient(home.endpoint, a)
		user := aws.String("made-at-the-follower")
		if _, err := viaFollower.CreateUser(ctx, &iam.CreateUserInput{UserName: user}); err != nil {
			t.Fatal(err)
		}
		if _, err := viaHome.GetUser(ctx, &iam.GetUserInput{UserName: user}); err != nil {
			t.Fatalf("the home does not see a user made through the follower: %v", err)
		}
		list := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
		if _, err := viaHome.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: user, PolicyName: aws.String("list"), PolicyDocument: aws.String(list)}); err != nil {
			t.Fatal(err)
		}
		key, err := viaHome.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: user})
		if err != nil {
			t.Fatal(err)
		}
		asUser := s3Client(follower.endpoint, "us-west-2", demo.Credentials{AccessKeyID: aws.ToString(key.AccessKey.AccessKeyId),
			SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey)})
		if _, err := asUser.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
			t.Fatalf("the follower refuses a user made at the home: %v", err)
		}
		// The follower has the user's identity cached; removing the policy
		// at the home reaches it within its refresh interval.
		if _, err := viaHome.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: user, PolicyName: aws.String("list")}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2500 * time.Millisecond) // > world.DefaultIAMRefresh, twice
		var ae smithy.APIError
		if _, err := asUser.ListBuckets(ctx, &s3.ListBucketsInput{}); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
			t.Fatalf("the follower still allows after the policy was removed at the home: %v", err)
		}
		// A deny on the role, written through the follower (to the home),
		// reaches the follower's policy engine within its refresh interval.
		roleName := env.Role[strings.LastIndex(env.Role, "/")+1:]
		deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:ReplicateObject","Resource":"*"}]}`
		if _, err := viaFollower.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(roleName),
			PolicyName: aws.String("deny"), PolicyDocument: aws.String(deny)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2500 * time.Millisecond)
		vid := put("denied.txt")
		if st := settle("denied.txt", vid); st != types.ReplicationStatusFailed {
			t.Fatalf("status %s after the role was denied, want FAILED", st)
		}
		if _, err := viaHome.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(roleName),
			PolicyName: aws.String("deny")}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2500 * time.Millisecond)
		vid = put("allowed-again.txt")
		if st := settle("allowed-again.txt", vid); st != "COMPLETED" {
			t.Fatalf("status %s after the deny was removed, want COMPLETED", st)
		}
	})

	t.Run("from the follower to the home", func(t *testing.T) {
		// The follower is the source: it assumes the role (the session is
		// written at the home) and the home verifies it on the replica write.
		back, err := demo.Build(ctx, demo.Options{Endpoint: follower.endpoint, DestinationEndpoint: home.endpoint,
			SourceRegion: "us-west-2", DestinationRegion: "ap-northeast-1", A: a, B: b, Suffix: "back", Out: io.Discard})
		if err != nil {
			t.Fatalf("set-up from the follower: %v", err)
		}
		out, err := back.Source.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(back.SourceBucket), Key: aws.String("back.txt"),
			Body: strings.NewReader("bytes of back.txt")})
		if err != nil {
			t.Fatal(err)
		}
		vid := aws.ToString(out.VersionId)
		deadline := time.Now().Add(30 * time.Second)
		for {
			head, err := back.Source.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(back.SourceBucket), Key: aws.String("back.txt"), VersionId: aws.String(vid)})
			if err != nil {
				t.Fatal(err)
			}
			if head.ReplicationStatus == "COMPLETED" {
				break
			}
			if head.ReplicationStatus != types.ReplicationStatusPending || time.Now().After(deadline) {
				t.Fatalf("status %s, want COMPLETED", head.ReplicationStatus)
			}
			time.Sleep(100 * time.Millisecond)
		}
		got, err := back.Destination.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(back.DestinationBucket), Key: aws.String("back.txt"), VersionId: aws.String(vid)})
		if err != nil {
			t.Fatal(err)
		}
		defer got.Body.Close()
		if body, _ := io.ReadAll(got.Body); string(body) != "bytes of back.txt" || aws.ToString(got.SSEKMSKeyId) != back.ReplicaKey ||
			!strings.Contains(back.ReplicaKey, ":ap-northeast-1:") {
			t.Fatalf("replica at the home: %q under %s", body, aws.ToString(got.SSEKMSKeyId))
		}
	})

	t.Run("internal endpoints refuse accounts", func(t *testing.T) {
		rootA := &ferryapi.Client{Endpoint: home.endpoint, Credentials: aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}}
		calls := []struct {
			name, method, path string
			body               string
		}{
			{"shared keyspace read", http.MethodPost, "/_ferry/admin/meta/get", `{"key":"aQ=="}`},
			{"shared keyspace write", http.MethodPost, "/_ferry/admin/meta/commit", `{"ops":[{"op":"del","k":"aQ=="}]}`},
			{"bucket lookup", http.MethodGet, "/_ferry/replica/bucket?name=" + env.SourceBucket, ""},
			{"replica write", http.MethodPut, "/_ferry/replica/object", ""},
		}
		for _, c := range calls {
			path, query, _ := strings.Cut(c.path, "?")
			q, _ := url.ParseQuery(query)
			_, err := rootA.Do(ctx, c.method, path, q, []byte(c.body))
			var fe *ferryapi.Error
			if !errors.As(err, &fe) || fe.Status != http.StatusForbidden {
				t.Errorf("%s as account A's root: %v, want a refusal", c.name, err)
			}
			resp, err := http.Post(home.endpoint+path, "application/json", strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s unsigned: %d, want 403", c.name, resp.StatusCode)
			}
		}
	})

	t.Run("follower down", func(t *testing.T) {
		follower.stop()
		vid := put("three.txt")
		time.Sleep(2 * time.Second)
		if st := status("three.txt", vid); st != types.ReplicationStatusPending {
			t.Fatalf("status %s with the destination's process down, want PENDING", st)
		}
		follower.start()
		if st := settle("three.txt", vid); st != "COMPLETED" {
			t.Fatalf("status %s after the follower came back, want COMPLETED", st)
		}
		checkReplica(t, env, "three.txt", vid)
	})
}

func s3Client(endpoint, region string, c demo.Credentials) *s3.Client {
	return s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")})
}

func iamClient(endpoint string, c demo.Credentials) *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")})
}

// checkReplica reads the replica in the follower's region: same version
// id and bytes, REPLICA, encrypted under B's replica key in us-west-2.
func checkReplica(t *testing.T, env *demo.Environment, key, vid string) {
	t.Helper()
	out, err := env.Destination.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(env.DestinationBucket),
		Key: aws.String(key), VersionId: aws.String(vid)})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	body, _ := io.ReadAll(out.Body)
	checks := []struct {
		name      string
		got, want string
	}{
		{"version id", aws.ToString(out.VersionId), vid},
		{"bytes", string(body), "bytes of " + key},
		{"replication status", string(out.ReplicationStatus), "REPLICA"},
		{"encryption", string(out.ServerSideEncryption), "aws:kms"},
		{"key", aws.ToString(out.SSEKMSKeyId), env.ReplicaKey},
		{"key region", fmt.Sprint(strings.Contains(env.ReplicaKey, ":us-west-2:")), "true"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("replica %s: %q, want %q", c.name, c.got, c.want)
		}
	}
}
