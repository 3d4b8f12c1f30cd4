package batch

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
)

// readManifest reads a CSV manifest as the job's role (s3:GetObject on the
// manifest object), checks its ETag and turns its lines into tasks. Keys
// are URL-encoded in manifests, as in AWS's.
func (s *Service) readManifest(ctx context.Context, sess aws.Principal, j *Job) ([]Task, error) {
	m := j.Manifest
	bucket, key, _ := objectOfARN(m.ObjectArn)
	body, etag, err := s.cfg.Objects.ReadObjectAs(ctx, sess, bucket, key, m.ObjectVersionID)
	if e, ok := aws.As(err); ok && e.Status >= 400 && e.Status < 500 {
		return nil, failJob(strconv.Itoa(e.Status), "Reading the manifest is forbidden or impossible: %s: %s", e.Code, e.Message)
	}
	if err != nil {
		return nil, err
	}
	if strings.Trim(m.ETag, `"`) != etag {
		return nil, failJob("400", "The manifest ETag %s does not match the ETag of %s (%s)", m.ETag, m.ObjectArn, etag)
	}
	withVersion := len(m.Fields) == 3
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	var tasks []Task
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, failJob("400", "The manifest is not valid CSV: %v", err)
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		if len(rec) != len(m.Fields) {
			return nil, failJob("400", "Line %d of the manifest has %d fields, %d expected (%s)", line, len(rec), len(m.Fields), strings.Join(m.Fields, ","))
		}
		t := Task{Bucket: rec[0], Key: unescapeKey(rec[1])}
		if withVersion {
			t.VersionID = rec[2]
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

func unescapeKey(k string) string {
	if u, err := url.QueryUnescape(k); err == nil {
		return u
	}
	return k
}

// generate builds the manifest from the source bucket's versions under the
// filter, as the job's role: it needs s3:GetReplicationConfiguration and
// s3:PutInventoryConfiguration on the source bucket (spec §9). With
// EnableManifestOutput it writes the list it made (CSV Bucket,Key,VersionId)
// to the output location.
func (s *Service) generate(ctx context.Context, sess aws.Principal, j *Job) ([]Task, *Manifest, error) {
	g := j.Generator
	bucket, _ := bucketOfARN(g.SourceBucket)
	for _, action := range []string{ActionGetReplicationConfig, ActionPutInventoryConfig} {
		d, err := s.cfg.Objects.Decide(ctx, sess, action, g.SourceBucket, nil)
		if aws.IsCode(err, "NoSuchBucket") {
			return nil, nil, failJob("404", "The source bucket %s does not exist", bucket)
		}
		if err != nil && !aws.IsCode(err, "AccessDenied") {
			return nil, nil, err
		}
		if !d.Allowed {
			return nil, nil, failJob("403", "Generating the manifest is forbidden: %s is not authorized to perform: %s on resource: %s",
				sess.ARN, action, g.SourceBucket)
		}
	}
	if err := s.expectOwner(ctx, bucket, g.ExpectedBucketOwner); err != nil {
		return nil, nil, failJob("403", "Generating the manifest is forbidden: %v", err)
	}
	var tasks []Task
	err := s.cfg.Objects.ScanReplicationCandidates(bucket, func(c replication.Candidate) bool {
		if g.Filter.matches(c) {
			tasks = append(tasks, Task{Bucket: c.Bucket, Key: c.Key, VersionID: c.VersionID})
		}
		return true
	})
	if aws.IsCode(err, "NoSuchBucket") {
		return nil, nil, failJob("404", "The source bucket %s does not exist", bucket)
	}
	if err != nil {
		return nil, nil, err
	}
	if !g.EnableManifestOutput {
		return tasks, nil, nil
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, t := range tasks {
		w.Write([]string{t.Bucket, url.QueryEscape(t.Key), t.VersionID})
	}
	w.Flush()
	out, _ := bucketOfARN(g.OutputBucket)
	key := path.Join(g.OutputPrefix, "job-"+j.ID, "manifest.csv")
	if err := s.cfg.Objects.WriteObjectAs(ctx, sess, out, key, buf.Bytes(), "text/csv"); err != nil {
		if e, ok := aws.As(err); ok && e.Status >= 400 && e.Status < 500 {
			return nil, nil, failJob(strconv.Itoa(e.Status), "Writing the generated manifest to %s is not possible: %s: %s", g.OutputBucket, e.Code, e.Message)
		}
		return nil, nil, err
	}
	sum := md5.Sum(buf.Bytes())
	return tasks, &Manifest{Format: FormatGenerated, ObjectArn: "arn:aws:s3:::" + out + "/" + key, ETag: hex.EncodeToString(sum[:])}, nil
}

// matches applies a generated manifest's filter to one version. Without
// ObjectReplicationStatuses every status but REPLICA is taken (replicas
// go only when the filter names REPLICA); a delete marker only when a rule
// replicates it; a version still PENDING never (live replication owns it).
func (f *Filter) matches(c replication.Candidate) bool {
	if c.DeleteMarker && !c.Eligible {
		return false
	}
	status := string(c.Status)
	if status == "" {
		status = "NONE"
	}
	if status == string(replication.StatusPending) {
		return false
	}
	if f == nil || len(f.ObjectReplicationStatuses) == 0 {
		if status == string(replication.StatusReplica) {
			return false
		}
		if f == nil {
			return true
		}
	}
	switch {
	case f.EligibleForReplication != nil && *f.EligibleForReplication && !c.Eligible:
		return false
	case len(f.ObjectReplicationStatuses) > 0 && !slices.Contains(f.ObjectReplicationStatuses, status):
		return false
	case f.CreatedAfter != nil && !c.LastModified.After(*f.CreatedAfter):
		return false
	case f.CreatedBefore != nil && !c.LastModified.Before(*f.CreatedBefore):
		return false
	case f.ObjectSizeGreaterThan != nil && !(c.Size > *f.ObjectSizeGreaterThan):
		return false
	case f.ObjectSizeLessThan != nil && !(c.Size < *f.ObjectSizeLessThan):
		return false
	case len(f.MatchAnyStorageClass) > 0 && !slices.Contains(f.MatchAnyStorageClass, c.StorageClass):
		return false
	}
	if k := f.KeyNameConstraint; k != nil {
		if len(k.MatchAnyPrefix) > 0 && !slices.ContainsFunc(k.MatchAnyPrefix, func(p string) bool { return strings.HasPrefix(c.Key, p) }) {
			return false
		}
		if len(k.MatchAnySuffix) > 0 && !slices.ContainsFunc(k.MatchAnySuffix, func(p string) bool { return strings.HasSuffix(c.Key, p) }) {
			return false
		}
		if len(k.MatchAnySubstring) > 0 && !slices.ContainsFunc(k.MatchAnySubstring, func(p string) bool { return strings.Contains(c.Key, p) }) {
			return false
		}
	}
	return true
}

// ReportSchema is the column list of a Report_CSV_20180820 results file.
const ReportSchema = "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"

// reportManifest is the completion report's manifest.json.
type reportManifest struct {
	Format             string         `json:"Format"`
	ReportCreationDate string         `json:"ReportCreationDate"`
	Results            []reportResult `json:"Results"`
	ReportSchema       string         `json:"ReportSchema"`
}

type reportResult struct {
	TaskExecutionStatus string `json:"TaskExecutionStatus"`
	Bucket              string `json:"Bucket"`
	MD5Checksum         string `json:"MD5Checksum"`
	Key                 string `json:"Key"`
}

// writeReport writes the completion report as the job's role under
// <prefix>/job-<id>/: results/<id>_succeeded.csv and
// results/<id>_failed.csv (only the failed one for FailedTasksOnly), then
// manifest.json naming them.
func (s *Service) writeReport(ctx context.Context, sess aws.Principal, j *Job) error {
	bucket, _ := bucketOfARN(j.Report.Bucket)
	if err := s.expectOwner(ctx, bucket, j.Report.ExpectedBucketOwner); err != nil {
		return err
	}
	var ok, failed bytes.Buffer
	okW, failW := csv.NewWriter(&ok), csv.NewWriter(&failed)
	err := s.scanTasks(j.ID, func(_ uint64, t *Task) {
		if !t.Done {
			return
		}
		key := url.QueryEscape(t.Key)
		if t.Succeeded {
			okW.Write([]string{t.Bucket, key, t.VersionID, "succeeded", "", "200", "Successful"})
			return
		}
		failW.Write([]string{t.Bucket, key, t.VersionID, "failed", t.ErrorCode, strconv.Itoa(t.HTTPStatus), t.Message})
	})
	if err != nil {
		return err
	}
	okW.Flush()
	failW.Flush()
	base := path.Join(j.Report.Prefix, "job-"+j.ID)
	files := []struct {
		status string
		body   []byte
	}{{"succeeded", ok.Bytes()}, {"failed", failed.Bytes()}}
	m := reportManifest{Format: FormatReport, ReportCreationDate: s.cfg.Clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		ReportSchema: ReportSchema, Results: []reportResult{}}
	for _, f := range files {
		if f.status == "succeeded" && j.Report.Scope == ScopeFailedOnly {
			continue
		}
		if len(f.body) == 0 {
			continue
		}
		key := path.Join(base, "results", fmt.Sprintf("%s_%s.csv", j.ID, f.status))
		if err := s.cfg.Objects.WriteObjectAs(ctx, sess, bucket, key, f.body, "text/csv"); err != nil {
			return err
		}
		sum := md5.Sum(f.body)
		m.Results = append(m.Results, reportResult{TaskExecutionStatus: f.status, Bucket: bucket,
			MD5Checksum: hex.EncodeToString(sum[:]), Key: key})
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.cfg.Objects.WriteObjectAs(ctx, sess, bucket, path.Join(base, "manifest.json"), body, "application/json")
}

// expectOwner is the ExpectedBucketOwner check: a bucket owned by another
// account than expected is refused with S3's AccessDenied.
func (s *Service) expectOwner(ctx context.Context, bucket, expected string) error {
	if expected == "" {
		return nil
	}
	info, err := s.cfg.Objects.ReplicationBucket(ctx, bucket)
	if errors.Is(err, replication.ErrBucketNotFound) {
		return aws.ErrNoSuchBucket(bucket)
	}
	if err != nil {
		return err
	}
	if string(info.Account) != expected {
		return aws.ErrAccessDenied().WithCause(fmt.Errorf("bucket %s is not owned by the expected account %s", bucket, expected))
	}
	return nil
}
