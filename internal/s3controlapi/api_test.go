package s3controlapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/batch"
)

func TestRoute(t *testing.T) {
	cases := []struct{ method, path, op, id string }{
		{"POST", "/v20180820/jobs", "CreateJob", ""},
		{"GET", "/v20180820/jobs", "ListJobs", ""},
		{"GET", "/v20180820/jobs/abc-123", "DescribeJob", "abc-123"},
		{"POST", "/v20180820/jobs/abc-123/status", "UpdateJobStatus", "abc-123"},
		{"POST", "/v20180820/jobs/abc-123/priority", "UpdateJobPriority", "abc-123"},
		{"GET", "/v20180820/accesspoint/x", "", ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, c.path, nil)
		if op, id := route(r); op != c.op || id != c.id {
			t.Errorf("%s %s: %q %q, want %q %q", c.method, c.path, op, id, c.op, c.id)
		}
	}
	r := httptest.NewRequest("GET", "/v20180820/jobs", nil)
	if IsControl(r) {
		t.Error("a request without x-amz-account-id is S3's (a bucket named v20180820)")
	}
	r.Header.Set(AccountHeader, "111122223333")
	if !IsControl(r) {
		t.Error("an S3 Control request not recognised")
	}
}

// TestDecodeCreateJob reads a body shaped as the SDKs send it.
func TestDecodeCreateJob(t *testing.T) {
	body := `<?xml version="1.0" encoding="UTF-8"?>
<CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">
 <ConfirmationRequired>true</ConfirmationRequired>
 <Operation><S3ReplicateObject></S3ReplicateObject></Operation>
 <Report><Bucket>arn:aws:s3:::rep</Bucket><Format>Report_CSV_20180820</Format><Enabled>true</Enabled><Prefix>p</Prefix><ReportScope>FailedTasksOnly</ReportScope></Report>
 <ClientRequestToken>tok</ClientRequestToken>
 <Priority>7</Priority>
 <RoleArn>arn:aws:iam::111122223333:role/r</RoleArn>
 <ManifestGenerator><S3JobManifestGenerator>
  <SourceBucket>arn:aws:s3:::src</SourceBucket><EnableManifestOutput>false</EnableManifestOutput>
  <Filter><EligibleForReplication>true</EligibleForReplication><CreatedAfter>2026-01-02T03:04:05Z</CreatedAfter>
   <ObjectReplicationStatuses><member>NONE</member><member>FAILED</member></ObjectReplicationStatuses>
   <KeyNameConstraint><MatchAnyPrefix><member>logs/</member></MatchAnyPrefix></KeyNameConstraint></Filter>
 </S3JobManifestGenerator></ManifestGenerator>
</CreateJobRequest>`
	in, err := decodeCreateJob(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	g := in.Generator
	if in.Operation != batch.OperationReplicate || !in.ConfirmationRequired || *in.Priority != 7 || in.ClientRequestToken != "tok" ||
		in.Report.Scope != batch.ScopeFailedOnly || g == nil || g.SourceBucket != "arn:aws:s3:::src" || !*g.Filter.EligibleForReplication ||
		strings.Join(g.Filter.ObjectReplicationStatuses, ",") != "NONE,FAILED" || g.Filter.KeyNameConstraint.MatchAnyPrefix[0] != "logs/" ||
		g.Filter.CreatedAfter.Year() != 2026 {
		t.Fatalf("decoded %+v generator %+v filter %+v", in, g, g.Filter)
	}
	if _, err := decodeCreateJob(strings.NewReader("<CreateJobRequest><Operation>")); !aws.IsCode(err, "BadRequestException") {
		t.Fatalf("malformed body: %v", err)
	}
}

func TestWriteError(t *testing.T) {
	a := &API{}
	w := httptest.NewRecorder()
	a.WriteError(w, batch.ErrNotFound("j1"), "req", "host")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(),
		"<ErrorResponse><Error><Code>NotFoundException</Code><Message>Job not found: j1</Message></Error><RequestId>req</RequestId><HostId>host</HostId></ErrorResponse>") {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
	w = httptest.NewRecorder()
	a.WriteError(w, errors.New("disk on fire"), "req", "host")
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "InternalServiceException") {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
}

// TestServeNotImplemented: an S3 Control operation other than the job
// operations answers NotImplemented, not an internal error.
func TestServeNotImplemented(t *testing.T) {
	a := &API{}
	r := httptest.NewRequest("GET", "/v20180820/accesspoint/x", nil)
	r.Header.Set(AccountHeader, "111122223333")
	w := httptest.NewRecorder()
	if op := a.Serve(w, r, aws.Principal{}, "us-east-1", strings.NewReader(""), "req", "host"); op != "-" {
		t.Errorf("op %q", op)
	}
	if w.Code != http.StatusNotImplemented || !strings.Contains(w.Body.String(), "<Code>NotImplemented</Code>") {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
}
