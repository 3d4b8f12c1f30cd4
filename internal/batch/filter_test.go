package batch

import (
	"testing"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
)

func TestFilterMatches(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	yes, no := true, false
	after, before := t0.Add(-time.Hour), t0.Add(time.Hour)
	big := int64(10)
	base := replication.Candidate{Bucket: "b", Key: "logs/a.txt", LastModified: t0, Size: 5, StorageClass: "STANDARD", Eligible: true}
	with := func(f func(*replication.Candidate)) replication.Candidate { c := base; f(&c); return c }
	cases := []struct {
		name string
		f    *Filter
		c    replication.Candidate
		want bool
	}{
		{"no filter", nil, base, true},
		{"pending is live replication's", nil, with(func(c *replication.Candidate) { c.Status = replication.StatusPending }), false},
		{"marker not replicated", nil, with(func(c *replication.Candidate) { c.DeleteMarker, c.Eligible = true, false }), false},
		{"eligible only", &Filter{EligibleForReplication: &yes}, with(func(c *replication.Candidate) { c.Eligible = false }), false},
		{"eligible false takes all", &Filter{EligibleForReplication: &no}, with(func(c *replication.Candidate) { c.Eligible = false }), true},
		{"NONE", &Filter{ObjectReplicationStatuses: []string{"NONE"}}, base, true},
		{"FAILED only", &Filter{ObjectReplicationStatuses: []string{"FAILED"}}, base, false},
		{"COMPLETED again", &Filter{ObjectReplicationStatuses: []string{"COMPLETED"}},
			with(func(c *replication.Candidate) { c.Status = replication.StatusCompleted }), true},
		{"no REPLICA unless asked", nil, with(func(c *replication.Candidate) { c.Status = replication.StatusReplica }), false},
		{"REPLICA", &Filter{ObjectReplicationStatuses: []string{"REPLICA"}},
			with(func(c *replication.Candidate) { c.Status = replication.StatusReplica }), true},
		{"created after", &Filter{CreatedAfter: &after}, base, true},
		{"created before", &Filter{CreatedBefore: &after}, base, false},
		{"window", &Filter{CreatedAfter: &after, CreatedBefore: &before}, base, true},
		{"size", &Filter{ObjectSizeGreaterThan: &big}, base, false},
		{"prefix", &Filter{KeyNameConstraint: &KeyNameConstraint{MatchAnyPrefix: []string{"x/", "logs/"}}}, base, true},
		{"suffix", &Filter{KeyNameConstraint: &KeyNameConstraint{MatchAnySuffix: []string{".csv"}}}, base, false},
		{"substring", &Filter{KeyNameConstraint: &KeyNameConstraint{MatchAnySubstring: []string{"s/a"}}}, base, true},
		{"storage class", &Filter{MatchAnyStorageClass: []string{"GLACIER"}}, base, false},
	}
	for _, tc := range cases {
		if got := tc.f.matches(tc.c); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	prio := int32(1)
	ok := CreateJobInput{Operation: OperationReplicate, Priority: &prio, RoleArn: "arn:aws:iam::111122223333:role/r",
		ClientRequestToken: "t", Report: &Report{}, Generator: &Generator{SourceBucket: "arn:aws:s3:::src"}}
	if err := validate(ok); err != nil {
		t.Fatal(err)
	}
	bad := []func(*CreateJobInput){
		func(in *CreateJobInput) { in.Operation = "S3PutObjectTagging" },
		func(in *CreateJobInput) { p := int32(-1); in.Priority = &p },
		func(in *CreateJobInput) { in.RoleArn = "role" },
		func(in *CreateJobInput) { in.Generator = nil },
		func(in *CreateJobInput) { in.Manifest = &Manifest{Format: FormatCSV} },
		func(in *CreateJobInput) { in.Report = &Report{Enabled: true, Bucket: "arn:aws:s3:::r"} },
		func(in *CreateJobInput) { in.Generator = &Generator{SourceBucket: "src"} },
		func(in *CreateJobInput) {
			in.Generator = &Generator{SourceBucket: "arn:aws:s3:::src", EnableManifestOutput: true}
		},
		func(in *CreateJobInput) {
			in.Generator = &Generator{SourceBucket: "arn:aws:s3:::src", Filter: &Filter{ObjectReplicationStatuses: []string{"PENDING"}}}
		},
		func(in *CreateJobInput) {
			in.Generator, in.Manifest = nil, &Manifest{Format: FormatCSV, Fields: []string{"Key"}, ObjectArn: "arn:aws:s3:::b/m.csv", ETag: "e"}
		},
	}
	for i, mutate := range bad {
		in := ok
		mutate(&in)
		if err := validate(in); !aws.IsCode(err, "BadRequestException") {
			t.Errorf("case %d: %v, want BadRequestException", i, err)
		}
	}
}
