// Package batch is Ferry's S3 Batch Operations service, limited to the
// S3ReplicateObject operation: Batch Replication (spec §9). A job reads a
// CSV manifest or generates one from the source bucket, hands every object
// version to the replication engine (which replicates it with the source
// bucket's current configuration and role, so the §6.2 failure reasons
// apply), follows the outcomes, and writes a completion report. Jobs and
// their tasks live in the metadata store and resume after a restart.
package batch

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// Job statuses (a subset of S3 Batch Operations' JobStatus that this
// operation goes through).
const (
	StatusNew        = "New"
	StatusPreparing  = "Preparing"
	StatusSuspended  = "Suspended"
	StatusReady      = "Ready"
	StatusActive     = "Active"
	StatusCompleting = "Completing"
	StatusComplete   = "Complete"
	StatusFailing    = "Failing"
	StatusFailed     = "Failed"
	StatusCancelling = "Cancelling"
	StatusCancelled  = "Cancelled"
)

// Terminal reports whether a job in status s is over.
func Terminal(s string) bool {
	return s == StatusComplete || s == StatusFailed || s == StatusCancelled
}

// Manifest formats and field names.
const (
	FormatCSV          = "S3BatchOperations_CSV_20180820"
	FormatInventory    = "S3InventoryReport_CSV_20161130"
	FormatReport       = "Report_CSV_20180820"
	FormatGenerated    = "S3InventoryReport_CSV_20211130"
	ScopeAllTasks      = "AllTasks"
	ScopeFailedOnly    = "FailedTasksOnly"
	OperationReplicate = "S3ReplicateObject"
)

// Manifest is a user manifest: its Spec (format, fields) and Location
// (object ARN, version, ETag), or where a generated manifest was written.
type Manifest struct {
	Format          string   `json:"format"`
	Fields          []string `json:"fields,omitempty"`
	ObjectArn       string   `json:"arn"`
	ObjectVersionID string   `json:"vid,omitempty"`
	ETag            string   `json:"etag"`
}

// KeyNameConstraint filters keys of a generated manifest.
type KeyNameConstraint struct {
	MatchAnyPrefix    []string `json:"prefix,omitempty"`
	MatchAnySuffix    []string `json:"suffix,omitempty"`
	MatchAnySubstring []string `json:"substring,omitempty"`
}

// Filter is a generated manifest's filter.
type Filter struct {
	EligibleForReplication    *bool              `json:"eligible,omitempty"`
	CreatedAfter              *time.Time         `json:"after,omitempty"`
	CreatedBefore             *time.Time         `json:"before,omitempty"`
	ObjectReplicationStatuses []string           `json:"statuses,omitempty"`
	KeyNameConstraint         *KeyNameConstraint `json:"keys,omitempty"`
	ObjectSizeGreaterThan     *int64             `json:"sizeGT,omitempty"`
	ObjectSizeLessThan        *int64             `json:"sizeLT,omitempty"`
	MatchAnyStorageClass      []string           `json:"classes,omitempty"`
}

// Generator is an S3JobManifestGenerator.
type Generator struct {
	SourceBucket         string  `json:"src"` // ARN
	ExpectedBucketOwner  string  `json:"owner,omitempty"`
	EnableManifestOutput bool    `json:"output"`
	OutputBucket         string  `json:"outBucket,omitempty"` // ARN
	OutputPrefix         string  `json:"outPrefix,omitempty"`
	OutputFormat         string  `json:"outFormat,omitempty"`
	Filter               *Filter `json:"filter,omitempty"`
}

// Report is a job's completion report settings.
type Report struct {
	Bucket              string `json:"bucket,omitempty"` // ARN
	Format              string `json:"format,omitempty"`
	Enabled             bool   `json:"enabled"`
	Prefix              string `json:"prefix,omitempty"`
	Scope               string `json:"scope,omitempty"`
	ExpectedBucketOwner string `json:"owner,omitempty"`
}

// Failure is one of a job's FailureReasons.
type Failure struct {
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// Job is one Batch Replication job as stored.
type Job struct {
	ID                   string        `json:"id"`
	Account              aws.AccountID `json:"account"`
	Region               string        `json:"region"`
	Description          string        `json:"desc,omitempty"`
	Priority             int32         `json:"priority"`
	RoleArn              string        `json:"role"`
	ConfirmationRequired bool          `json:"confirm,omitempty"`
	ClientRequestToken   string        `json:"token"`
	Manifest             *Manifest     `json:"manifest,omitempty"`
	Generator            *Generator    `json:"generator,omitempty"`
	Report               Report        `json:"report"`
	Tags                 []Tag         `json:"tags,omitempty"`
	// Fingerprint identifies the request, to tell a retry of CreateJob
	// with the same token from a different request.
	Fingerprint string `json:"fp"`

	Status             string     `json:"status"`
	StatusUpdateReason string     `json:"statusReason,omitempty"`
	Created            time.Time  `json:"created"`
	Terminated         *time.Time `json:"terminated,omitempty"`
	Suspended          *time.Time `json:"suspended,omitempty"`
	SuspendedCause     string     `json:"suspendedCause,omitempty"`
	ActiveSince        *time.Time `json:"activeSince,omitempty"`
	ActiveSeconds      int64      `json:"activeSeconds,omitempty"`
	FailureReasons     []Failure  `json:"failures,omitempty"`

	Total     int64 `json:"total"`
	Succeeded int64 `json:"succeeded"`
	Failed    int64 `json:"failed"`
	// Started counts the tasks handed to the replication engine or
	// settled before it (the job's cursor over its tasks).
	Started uint64 `json:"started"`
	// GeneratedManifest is where the generated manifest was written.
	GeneratedManifest *Manifest `json:"generated,omitempty"`
}

// Tag is a job tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// ARN is the job's ARN.
func (j *Job) ARN() string {
	return fmt.Sprintf("arn:aws:s3:%s:%s:job/%s", j.Region, j.Account, j.ID)
}

// ElapsedActive is the time spent Active, in seconds, as of now.
func (j *Job) ElapsedActive(now time.Time) int64 {
	s := j.ActiveSeconds
	if j.ActiveSince != nil {
		s += int64(now.Sub(*j.ActiveSince).Seconds())
	}
	return s
}

// Task is one object version of a job's manifest and its outcome.
type Task struct {
	Bucket    string `json:"b"`
	Key       string `json:"k"`
	VersionID string `json:"v,omitempty"`
	// Destinations is how many destinations the engine replicates it to
	// (0 until started, or when it failed before the engine).
	Destinations int    `json:"n,omitempty"`
	Started      bool   `json:"started,omitempty"`
	Done         bool   `json:"done,omitempty"`
	Succeeded    bool   `json:"ok,omitempty"`
	ErrorCode    string `json:"code,omitempty"`
	HTTPStatus   int    `json:"http,omitempty"`
	Message      string `json:"msg,omitempty"`
}

// DestinationResult is the engine's outcome for one destination of a task.
type DestinationResult struct {
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"msg,omitempty"`
}

// Store layout, table 'J':
//
//	'J' 'j' account jobID        → Job
//	'J' 'i' jobID                → account (unfinished jobs, for the runner)
//	'J' 'c' account token        → jobID (ClientRequestToken)
//	'J' 't' jobID idx            → Task
//	'J' 'r' jobID idx dest       → DestinationResult (written by the engine's settle)
const tableJobs = 'J'

func jobKey(account aws.AccountID, id string) []byte {
	return meta.NewKey(tableJobs).Bytes([]byte{'j'}).String(string(account)).String(id)
}
func jobsPrefix(account aws.AccountID) meta.Key {
	return meta.NewKey(tableJobs).Bytes([]byte{'j'}).String(string(account))
}
func indexKey(id string) []byte { return meta.NewKey(tableJobs).Bytes([]byte{'i'}).String(id) }

var indexPrefix = meta.NewKey(tableJobs).Bytes([]byte{'i'})

func tokenKey(account aws.AccountID, token string) []byte {
	return meta.NewKey(tableJobs).Bytes([]byte{'c'}).String(string(account)).String(token)
}
func taskKey(id string, idx uint64) []byte {
	return meta.NewKey(tableJobs).Bytes([]byte{'t'}).String(id).Uint64(idx)
}
func tasksPrefix(id string) meta.Key { return meta.NewKey(tableJobs).Bytes([]byte{'t'}).String(id) }
func resultKey(id string, idx uint64, dest string) []byte {
	return meta.NewKey(tableJobs).Bytes([]byte{'r'}).String(id).Uint64(idx).String(dest)
}
func resultsPrefix(id string, idx uint64) meta.Key {
	return meta.NewKey(tableJobs).Bytes([]byte{'r'}).String(id).Uint64(idx)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("batch: encode: %v", err)) // plain data
	}
	return b
}
