package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// judge checks the replicas of COMPLETED objects, explains FAILED ones,
// compares every object with the expectation and prints the verdict.
func (d *demo) judge(ctx context.Context, res *Result) bool {
	d.printf("\nReplicas in %s (HeadObject as B)\n", d.dst)
	for i := range res.Objects {
		o := &res.Objects[i]
		if o.Status == StatusCompleted {
			d.verifyReplica(ctx, o)
		} else {
			d.printf("  - %s: no replica to check (%s)\n", o.Key, o.Status)
		}
	}
	explained := map[string]bool{} // one explanation per failure reason
	for _, o := range res.Objects {
		if o.Status != StatusFailed || explained[o.Reason] {
			continue
		}
		explained[o.Reason] = true
		d.printf("\nWhy %s failed (%s):\n", o.Key, orUnknown(o.Reason))
		d.diagnose(ctx, ExplainPath, map[string]string{"bucket": d.src, "key": o.Key, "versionId": o.VersionID})
	}
	d.printf("\nExpected (AWS, spec %s): %s\n", res.Expect.Spec, res.Expect)
	ok, unchecked := true, false
	for _, o := range res.Objects {
		unchecked = unchecked || (o.Status == StatusFailed && o.Reason == "")
		verdict, match := compare(res.Expect, o)
		mark := "✓"
		if !match {
			mark, ok = "✗", false
		}
		d.printf("  %s %s: %s\n", mark, o.Key, verdict)
	}
	if res.Expect.NoTags && ok {
		d.printf("  ⚠ warning: the objects replicated but their replicas lost their tags — the destination denies s3:ReplicateTags\n")
	}
	switch {
	case ok && unchecked:
		d.printf("Ferry failed the objects as AWS does (the failure reason could not be checked on this server).\n")
	case ok:
		d.printf("Ferry did what AWS does.\n")
	default:
		d.printf("Ferry did NOT do what AWS does.\n")
	}
	return ok
}

// compare says what an object did and whether that is what was expected.
func compare(e Expectation, o ObjectResult) (string, bool) {
	switch {
	case o.Status != e.Status:
		return fmt.Sprintf("Ferry: %s, AWS: %s", strings.TrimSpace(o.Status+" "+o.Reason), e), false
	case e.Status == StatusFailed && o.Reason == "":
		return "FAILED as expected; the failure reason is not visible here (expected " + e.Reason + ")", true
	case e.Status == StatusFailed && o.Reason != e.Reason:
		return fmt.Sprintf("Ferry: FAILED with %s, AWS: FAILED with %s", o.Reason, e.Reason), false
	case e.Status == StatusFailed:
		return "FAILED with " + o.Reason + ", as AWS does", true
	case !o.ReplicaOK:
		return "COMPLETED but the replica is wrong: " + strings.Join(o.Problems, "; "), false
	case o.Tagged && e.NoTags && o.ReplicaTags:
		return "COMPLETED, but the replica kept its tags (AWS drops them)", false
	case o.Tagged && !e.NoTags && !o.ReplicaTags:
		return "COMPLETED, but the replica lost its tags", false
	case o.Tagged && e.NoTags:
		return "COMPLETED, replica without its tags, as AWS does", true
	default:
		return "COMPLETED, replica verified", true
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "reason not visible through S3's API"
	}
	return s
}

// verifyReplica checks, as B, that the replica reports REPLICA, keeps the
// source's version id, is encrypted with SSE-KMS under Kd, and has its tags.
func (d *demo) verifyReplica(ctx context.Context, o *ObjectResult) {
	out, err := d.s3B.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.dst), Key: aws.String(o.Key), VersionId: aws.String(o.VersionID)})
	if err != nil {
		o.Problems = append(o.Problems, fmt.Sprintf("HeadObject: %v", err))
		d.printf("  ✗ %s: %v\n", o.Key, err)
		return
	}
	if out.ReplicationStatus != types.ReplicationStatusReplica {
		o.Problems = append(o.Problems, fmt.Sprintf("status %q, want REPLICA", out.ReplicationStatus))
	}
	if v := aws.ToString(out.VersionId); v != o.VersionID {
		o.Problems = append(o.Problems, fmt.Sprintf("version id %s, want %s", v, o.VersionID))
	}
	if out.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(out.SSEKMSKeyId) != d.kd {
		o.Problems = append(o.Problems, fmt.Sprintf("encryption %s %s, want aws:kms %s", out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId), d.kd))
	}
	if o.Tagged {
		tags, err := d.s3B.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(d.dst), Key: aws.String(o.Key), VersionId: aws.String(o.VersionID)})
		if err != nil {
			o.Problems = append(o.Problems, fmt.Sprintf("GetObjectTagging: %v", err))
		} else {
			o.ReplicaTags = len(tags.TagSet) > 0
		}
	}
	o.ReplicaOK = len(o.Problems) == 0
	if !o.ReplicaOK {
		d.printf("  ✗ %s: %s\n", o.Key, strings.Join(o.Problems, "; "))
		return
	}
	tags := ""
	if o.Tagged {
		tags = ", no tags"
		if o.ReplicaTags {
			tags = ", tags kept"
		}
	}
	d.printf("  ✓ %s: %s, version %s, %s %s%s\n", o.Key, out.ReplicationStatus, aws.ToString(out.VersionId),
		out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId), tags)
}
