package s3controlapi

import (
	"encoding/xml"
	"time"

	"github.com/ferrystore/ferry/internal/batch"
)

// Namespace is S3 Control's XML namespace.
const Namespace = "http://awss3control.amazonaws.com/doc/2018-08-20/"

// The wire shapes of the s3control model (rest-xml; lists use <member>).

type xmlList struct {
	Member []string `xml:"member"`
}

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlManifest struct {
	Spec struct {
		Format string   `xml:"Format"`
		Fields *xmlList `xml:"Fields"`
	} `xml:"Spec"`
	Location struct {
		ObjectArn       string `xml:"ObjectArn"`
		ObjectVersionId string `xml:"ObjectVersionId,omitempty"`
		ETag            string `xml:"ETag"`
	} `xml:"Location"`
}

type xmlKeyNameConstraint struct {
	MatchAnyPrefix    *xmlList `xml:"MatchAnyPrefix,omitempty"`
	MatchAnySuffix    *xmlList `xml:"MatchAnySuffix,omitempty"`
	MatchAnySubstring *xmlList `xml:"MatchAnySubstring,omitempty"`
}

type xmlFilter struct {
	EligibleForReplication     *bool                 `xml:"EligibleForReplication,omitempty"`
	CreatedAfter               *time.Time            `xml:"CreatedAfter,omitempty"`
	CreatedBefore              *time.Time            `xml:"CreatedBefore,omitempty"`
	ObjectReplicationStatuses  *xmlList              `xml:"ObjectReplicationStatuses,omitempty"`
	KeyNameConstraint          *xmlKeyNameConstraint `xml:"KeyNameConstraint,omitempty"`
	ObjectSizeGreaterThanBytes *int64                `xml:"ObjectSizeGreaterThanBytes,omitempty"`
	ObjectSizeLessThanBytes    *int64                `xml:"ObjectSizeLessThanBytes,omitempty"`
	MatchAnyStorageClass       *xmlList              `xml:"MatchAnyStorageClass,omitempty"`
}

type xmlOutputLocation struct {
	ExpectedManifestBucketOwner string `xml:"ExpectedManifestBucketOwner,omitempty"`
	Bucket                      string `xml:"Bucket"`
	ManifestPrefix              string `xml:"ManifestPrefix,omitempty"`
	ManifestFormat              string `xml:"ManifestFormat"`
}

type xmlGenerator struct {
	S3JobManifestGenerator *struct {
		ExpectedBucketOwner    string             `xml:"ExpectedBucketOwner,omitempty"`
		SourceBucket           string             `xml:"SourceBucket"`
		ManifestOutputLocation *xmlOutputLocation `xml:"ManifestOutputLocation,omitempty"`
		Filter                 *xmlFilter         `xml:"Filter,omitempty"`
		EnableManifestOutput   bool               `xml:"EnableManifestOutput"`
	} `xml:"S3JobManifestGenerator"`
}

type xmlReport struct {
	Bucket              string `xml:"Bucket,omitempty"`
	Format              string `xml:"Format,omitempty"`
	Enabled             bool   `xml:"Enabled"`
	Prefix              string `xml:"Prefix,omitempty"`
	ReportScope         string `xml:"ReportScope,omitempty"`
	ExpectedBucketOwner string `xml:"ExpectedBucketOwner,omitempty"`
}

// xmlOperation holds the operation element; any child names the operation.
type xmlOperation struct {
	Inner []struct {
		XMLName xml.Name
	} `xml:",any"`
}

type createJobRequest struct {
	XMLName              xml.Name      `xml:"CreateJobRequest"`
	ConfirmationRequired bool          `xml:"ConfirmationRequired"`
	Operation            *xmlOperation `xml:"Operation"`
	Report               *xmlReport    `xml:"Report"`
	ClientRequestToken   string        `xml:"ClientRequestToken"`
	Manifest             *xmlManifest  `xml:"Manifest"`
	Description          string        `xml:"Description"`
	Priority             *int32        `xml:"Priority"`
	RoleArn              string        `xml:"RoleArn"`
	Tags                 *struct {
		Member []xmlTag `xml:"member"`
	} `xml:"Tags"`
	ManifestGenerator *xmlGenerator `xml:"ManifestGenerator"`
}

type createJobResult struct {
	XMLName xml.Name `xml:"CreateJobResult"`
	Xmlns   string   `xml:"xmlns,attr"`
	JobId   string   `xml:"JobId"`
}

type xmlTimers struct {
	ElapsedTimeInActiveSeconds int64 `xml:"ElapsedTimeInActiveSeconds"`
}

type xmlProgress struct {
	TotalNumberOfTasks     int64     `xml:"TotalNumberOfTasks"`
	NumberOfTasksSucceeded int64     `xml:"NumberOfTasksSucceeded"`
	NumberOfTasksFailed    int64     `xml:"NumberOfTasksFailed"`
	Timers                 xmlTimers `xml:"Timers"`
}

type xmlFailure struct {
	FailureCode   string `xml:"FailureCode"`
	FailureReason string `xml:"FailureReason"`
}

type xmlOperationOut struct {
	S3ReplicateObject struct{} `xml:"S3ReplicateObject"`
}

type xmlGeneratedDescriptor struct {
	Format   string `xml:"Format"`
	Location struct {
		ObjectArn string `xml:"ObjectArn"`
		ETag      string `xml:"ETag"`
	} `xml:"Location"`
}

type jobDescriptor struct {
	JobId                string          `xml:"JobId"`
	ConfirmationRequired bool            `xml:"ConfirmationRequired"`
	Description          string          `xml:"Description,omitempty"`
	JobArn               string          `xml:"JobArn"`
	Status               string          `xml:"Status"`
	Manifest             *xmlManifest    `xml:"Manifest,omitempty"`
	Operation            xmlOperationOut `xml:"Operation"`
	Priority             int32           `xml:"Priority"`
	ProgressSummary      xmlProgress     `xml:"ProgressSummary"`
	StatusUpdateReason   string          `xml:"StatusUpdateReason,omitempty"`
	FailureReasons       *struct {
		Member []xmlFailure `xml:"member"`
	} `xml:"FailureReasons,omitempty"`
	Report                      xmlReport               `xml:"Report"`
	CreationTime                string                  `xml:"CreationTime"`
	TerminationDate             string                  `xml:"TerminationDate,omitempty"`
	RoleArn                     string                  `xml:"RoleArn"`
	SuspendedDate               string                  `xml:"SuspendedDate,omitempty"`
	SuspendedCause              string                  `xml:"SuspendedCause,omitempty"`
	ManifestGenerator           *xmlGenerator           `xml:"ManifestGenerator,omitempty"`
	GeneratedManifestDescriptor *xmlGeneratedDescriptor `xml:"GeneratedManifestDescriptor,omitempty"`
}

type describeJobResult struct {
	XMLName xml.Name      `xml:"DescribeJobResult"`
	Xmlns   string        `xml:"xmlns,attr"`
	Job     jobDescriptor `xml:"Job"`
}

type jobListDescriptor struct {
	JobId           string      `xml:"JobId"`
	Description     string      `xml:"Description,omitempty"`
	Operation       string      `xml:"Operation"`
	Priority        int32       `xml:"Priority"`
	Status          string      `xml:"Status"`
	CreationTime    string      `xml:"CreationTime"`
	TerminationDate string      `xml:"TerminationDate,omitempty"`
	ProgressSummary xmlProgress `xml:"ProgressSummary"`
}

type listJobsResult struct {
	XMLName   xml.Name `xml:"ListJobsResult"`
	Xmlns     string   `xml:"xmlns,attr"`
	NextToken string   `xml:"NextToken,omitempty"`
	Jobs      struct {
		Member []jobListDescriptor `xml:"member"`
	} `xml:"Jobs"`
}

type updateJobStatusResult struct {
	XMLName            xml.Name `xml:"UpdateJobStatusResult"`
	Xmlns              string   `xml:"xmlns,attr"`
	JobId              string   `xml:"JobId"`
	Status             string   `xml:"Status"`
	StatusUpdateReason string   `xml:"StatusUpdateReason,omitempty"`
}

type updateJobPriorityResult struct {
	XMLName  xml.Name `xml:"UpdateJobPriorityResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	JobId    string   `xml:"JobId"`
	Priority int32    `xml:"Priority"`
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestId string `xml:"RequestId"`
	HostId    string `xml:"HostId"`
}

func list(l *xmlList) []string {
	if l == nil {
		return nil
	}
	return l.Member
}

func xlist(s []string) *xmlList {
	if len(s) == 0 {
		return nil
	}
	return &xmlList{Member: s}
}

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// manifestOut and generatorOut echo a job's manifest settings.
func manifestOut(m *batch.Manifest) *xmlManifest {
	if m == nil {
		return nil
	}
	x := &xmlManifest{}
	x.Spec.Format, x.Spec.Fields = m.Format, xlist(m.Fields)
	x.Location.ObjectArn, x.Location.ObjectVersionId, x.Location.ETag = m.ObjectArn, m.ObjectVersionID, m.ETag
	return x
}

// progress is a job's ProgressSummary.
func progress(j *batch.Job, now time.Time) xmlProgress {
	return xmlProgress{TotalNumberOfTasks: j.Total, NumberOfTasksSucceeded: j.Succeeded, NumberOfTasksFailed: j.Failed,
		Timers: xmlTimers{ElapsedTimeInActiveSeconds: j.ElapsedActive(now)}}
}

// describe is DescribeJob's JobDescriptor.
func describe(j *batch.Job, now time.Time) jobDescriptor {
	d := jobDescriptor{JobId: j.ID, ConfirmationRequired: j.ConfirmationRequired, Description: j.Description,
		JobArn: j.ARN(), Status: j.Status, Manifest: manifestOut(j.Manifest), Priority: j.Priority,
		ProgressSummary: progress(j, now), StatusUpdateReason: j.StatusUpdateReason, CreationTime: stamp(&j.Created),
		TerminationDate: stamp(j.Terminated), RoleArn: j.RoleArn, SuspendedDate: stamp(j.Suspended),
		SuspendedCause: j.SuspendedCause,
		Report: xmlReport{Bucket: j.Report.Bucket, Format: j.Report.Format, Enabled: j.Report.Enabled,
			Prefix: j.Report.Prefix, ReportScope: j.Report.Scope, ExpectedBucketOwner: j.Report.ExpectedBucketOwner}}
	if len(j.FailureReasons) > 0 {
		d.FailureReasons = &struct {
			Member []xmlFailure `xml:"member"`
		}{}
		for _, f := range j.FailureReasons {
			d.FailureReasons.Member = append(d.FailureReasons.Member, xmlFailure{FailureCode: f.Code, FailureReason: f.Reason})
		}
	}
	if g := j.Generator; g != nil {
		x := &xmlGenerator{}
		x.S3JobManifestGenerator = &struct {
			ExpectedBucketOwner    string             `xml:"ExpectedBucketOwner,omitempty"`
			SourceBucket           string             `xml:"SourceBucket"`
			ManifestOutputLocation *xmlOutputLocation `xml:"ManifestOutputLocation,omitempty"`
			Filter                 *xmlFilter         `xml:"Filter,omitempty"`
			EnableManifestOutput   bool               `xml:"EnableManifestOutput"`
		}{ExpectedBucketOwner: g.ExpectedBucketOwner, SourceBucket: g.SourceBucket, EnableManifestOutput: g.EnableManifestOutput}
		if g.OutputBucket != "" {
			x.S3JobManifestGenerator.ManifestOutputLocation = &xmlOutputLocation{Bucket: g.OutputBucket,
				ManifestPrefix: g.OutputPrefix, ManifestFormat: g.OutputFormat}
		}
		if f := g.Filter; f != nil {
			xf := &xmlFilter{EligibleForReplication: f.EligibleForReplication, CreatedAfter: f.CreatedAfter,
				CreatedBefore: f.CreatedBefore, ObjectReplicationStatuses: xlist(f.ObjectReplicationStatuses),
				ObjectSizeGreaterThanBytes: f.ObjectSizeGreaterThan, ObjectSizeLessThanBytes: f.ObjectSizeLessThan,
				MatchAnyStorageClass: xlist(f.MatchAnyStorageClass)}
			if k := f.KeyNameConstraint; k != nil {
				xf.KeyNameConstraint = &xmlKeyNameConstraint{MatchAnyPrefix: xlist(k.MatchAnyPrefix),
					MatchAnySuffix: xlist(k.MatchAnySuffix), MatchAnySubstring: xlist(k.MatchAnySubstring)}
			}
			x.S3JobManifestGenerator.Filter = xf
		}
		d.ManifestGenerator = x
	}
	if m := j.GeneratedManifest; m != nil {
		d.GeneratedManifestDescriptor = &xmlGeneratedDescriptor{Format: m.Format}
		d.GeneratedManifestDescriptor.Location.ObjectArn, d.GeneratedManifestDescriptor.Location.ETag = m.ObjectArn, m.ETag
	}
	return d
}
