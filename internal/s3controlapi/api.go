// Package s3controlapi serves the job operations of the S3 Control API
// (REST-XML under /v20180820/, account in the x-amz-account-id header,
// signed for service "s3") on top of internal/batch: CreateJob,
// DescribeJob, ListJobs, UpdateJobStatus and UpdateJobPriority. Other S3
// Control operations answer NotImplemented.
package s3controlapi

import (
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/batch"
)

// PathPrefix starts every S3 Control request path.
const PathPrefix = "/v20180820/"

// AccountHeader names the account an S3 Control request is for.
const AccountHeader = "x-amz-account-id"

// IsControl reports whether a request is for S3 Control rather than S3:
// its path starts with /v20180820/ and it names an account. (AWS tells
// them apart by host, {account}.s3-control.{region}.amazonaws.com; a
// bucket named v20180820 is still reachable without the header.)
func IsControl(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, PathPrefix) && r.Header.Get(AccountHeader) != ""
}

// API serves S3 Control job requests.
type API struct {
	Batch *batch.Service
	Log   *slog.Logger
}

// Operation names the operation of a request ("" if it is none of the
// job operations).
func Operation(r *http.Request) string {
	op, _ := route(r)
	return op
}

func route(r *http.Request) (op, id string) {
	rest := strings.TrimPrefix(r.URL.Path, PathPrefix)
	parts := strings.Split(rest, "/")
	switch {
	case rest == "jobs" && r.Method == http.MethodPost:
		return "CreateJob", ""
	case rest == "jobs" && r.Method == http.MethodGet:
		return "ListJobs", ""
	case len(parts) == 2 && parts[0] == "jobs" && r.Method == http.MethodGet:
		return "DescribeJob", parts[1]
	case len(parts) == 3 && parts[0] == "jobs" && parts[2] == "status" && r.Method == http.MethodPost:
		return "UpdateJobStatus", parts[1]
	case len(parts) == 3 && parts[0] == "jobs" && parts[2] == "priority" && r.Method == http.MethodPost:
		return "UpdateJobPriority", parts[1]
	}
	return "", ""
}

// Serve answers an authenticated S3 Control request and returns the
// operation's name.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, p aws.Principal, region string, body io.Reader, reqID, hostID string) string {
	op, id := route(r)
	account := r.Header.Get(AccountHeader)
	ctx := r.Context()
	q := r.URL.Query()
	var out any
	var err error
	switch op {
	case "CreateJob":
		var in batch.CreateJobInput
		if in, err = decodeCreateJob(body); err == nil {
			in.Region, in.Account = region, account
			var jobID string
			jobID, err = a.Batch.CreateJob(ctx, p, in)
			out = &createJobResult{Xmlns: Namespace, JobId: jobID}
		}
	case "DescribeJob":
		var j *batch.Job
		if j, err = a.Batch.DescribeJob(ctx, p, region, account, id); err == nil {
			out = &describeJobResult{Xmlns: Namespace, Job: describe(j, a.Batch.Now())}
		}
	case "ListJobs":
		max := 0
		if m := q.Get("maxResults"); m != "" {
			if max, err = strconv.Atoi(m); err != nil || max < 0 || max > 1000 {
				err = batch.ErrInvalidRequest("maxResults must be an integer between 0 and 1000")
			}
		}
		if err == nil {
			var res batch.ListJobsOutput
			res, err = a.Batch.ListJobs(ctx, p, region, account, q["jobStatuses"], q.Get("nextToken"), max)
			lr := &listJobsResult{Xmlns: Namespace, NextToken: res.NextToken}
			now := a.Batch.Now()
			for _, j := range res.Jobs {
				lr.Jobs.Member = append(lr.Jobs.Member, jobListDescriptor{JobId: j.ID, Description: j.Description,
					Operation: batch.OperationReplicate, Priority: j.Priority, Status: j.Status, CreationTime: stamp(&j.Created),
					TerminationDate: stamp(j.Terminated), ProgressSummary: progress(j, now)})
			}
			out = lr
		}
	case "UpdateJobStatus":
		var j *batch.Job
		if j, err = a.Batch.UpdateJobStatus(ctx, p, region, account, id, q.Get("requestedJobStatus"), q.Get("statusUpdateReason")); err == nil {
			out = &updateJobStatusResult{Xmlns: Namespace, JobId: j.ID, Status: j.Status, StatusUpdateReason: j.StatusUpdateReason}
		}
	case "UpdateJobPriority":
		var n int64
		if n, err = strconv.ParseInt(q.Get("priority"), 10, 32); err != nil {
			err = batch.ErrBadRequest("priority must be an integer")
			break
		}
		var j *batch.Job
		if j, err = a.Batch.UpdateJobPriority(ctx, p, region, account, id, int32(n)); err == nil {
			out = &updateJobPriorityResult{Xmlns: Namespace, JobId: j.ID, Priority: j.Priority}
		}
	default:
		op, err = "-", aws.ErrNotImplemented()
	}
	if err != nil {
		a.WriteError(w, err, reqID, hostID)
		return op
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, xml.Header)
	if err := xml.NewEncoder(w).Encode(out); err != nil && a.Log != nil {
		a.Log.Warn("s3control: encode response", "op", op, "err", err)
	}
	return op
}

// WriteError answers with S3 Control's error shape:
// <ErrorResponse><Error><Code/><Message/></Error><RequestId/><HostId/></ErrorResponse>.
// An internal fault is S3 Control's InternalServiceException; other
// server errors (NotImplemented) keep their code.
func (a *API) WriteError(w http.ResponseWriter, err error, reqID, hostID string) {
	e, ok := aws.As(err)
	if !ok || e.Status == http.StatusInternalServerError {
		if a.Log != nil {
			a.Log.Error("s3control: internal error", "err", err)
		}
		e = aws.New("InternalServiceException", http.StatusInternalServerError, "We encountered an internal error. Please try again.")
	}
	var body errorResponse
	body.Error.Code, body.Error.Message = e.Code, e.Message
	body.RequestId, body.HostId = reqID, hostID
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.Status)
	io.WriteString(w, xml.Header)
	xml.NewEncoder(w).Encode(&body)
}

// decodeCreateJob reads CreateJob's XML body.
func decodeCreateJob(body io.Reader) (batch.CreateJobInput, error) {
	var x createJobRequest
	if err := xml.NewDecoder(body).Decode(&x); err != nil {
		if errors.Is(err, io.EOF) {
			return batch.CreateJobInput{}, batch.ErrBadRequest("The request body is empty")
		}
		return batch.CreateJobInput{}, batch.ErrBadRequest("The XML you provided was not well-formed: " + err.Error())
	}
	in := batch.CreateJobInput{ConfirmationRequired: x.ConfirmationRequired, Description: x.Description,
		Priority: x.Priority, RoleArn: x.RoleArn, ClientRequestToken: x.ClientRequestToken}
	if x.Operation == nil || len(x.Operation.Inner) != 1 {
		return in, batch.ErrBadRequest("Operation must name exactly one operation")
	}
	in.Operation = x.Operation.Inner[0].XMLName.Local
	if x.Report != nil {
		in.Report = &batch.Report{Bucket: x.Report.Bucket, Format: x.Report.Format, Enabled: x.Report.Enabled,
			Prefix: x.Report.Prefix, Scope: x.Report.ReportScope, ExpectedBucketOwner: x.Report.ExpectedBucketOwner}
	}
	if m := x.Manifest; m != nil {
		in.Manifest = &batch.Manifest{Format: m.Spec.Format, Fields: list(m.Spec.Fields), ObjectArn: m.Location.ObjectArn,
			ObjectVersionID: m.Location.ObjectVersionId, ETag: m.Location.ETag}
	}
	if x.ManifestGenerator != nil {
		g := x.ManifestGenerator.S3JobManifestGenerator
		if g == nil {
			return in, batch.ErrBadRequest("ManifestGenerator must hold an S3JobManifestGenerator")
		}
		in.Generator = &batch.Generator{SourceBucket: g.SourceBucket, ExpectedBucketOwner: g.ExpectedBucketOwner,
			EnableManifestOutput: g.EnableManifestOutput}
		if o := g.ManifestOutputLocation; o != nil {
			in.Generator.OutputBucket, in.Generator.OutputPrefix, in.Generator.OutputFormat = o.Bucket, o.ManifestPrefix, o.ManifestFormat
		}
		if f := g.Filter; f != nil {
			in.Generator.Filter = &batch.Filter{EligibleForReplication: f.EligibleForReplication, CreatedAfter: f.CreatedAfter,
				CreatedBefore: f.CreatedBefore, ObjectReplicationStatuses: list(f.ObjectReplicationStatuses),
				ObjectSizeGreaterThan: f.ObjectSizeGreaterThanBytes, ObjectSizeLessThan: f.ObjectSizeLessThanBytes,
				MatchAnyStorageClass: list(f.MatchAnyStorageClass)}
			if k := f.KeyNameConstraint; k != nil {
				in.Generator.Filter.KeyNameConstraint = &batch.KeyNameConstraint{MatchAnyPrefix: list(k.MatchAnyPrefix),
					MatchAnySuffix: list(k.MatchAnySuffix), MatchAnySubstring: list(k.MatchAnySubstring)}
			}
		}
	}
	if x.Tags != nil {
		for _, t := range x.Tags.Member {
			in.Tags = append(in.Tags, batch.Tag{Key: t.Key, Value: t.Value})
		}
	}
	return in, nil
}
