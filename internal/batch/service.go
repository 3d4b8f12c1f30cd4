package batch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/policy"
)

// ServicePrincipal is the service principal that assumes a job's role.
const ServicePrincipal = "batchoperations.s3.amazonaws.com"

// The IAM actions of the S3 Control job operations and of a job's role.
const (
	ActionCreateJob            = "s3:CreateJob"
	ActionDescribeJob          = "s3:DescribeJob"
	ActionListJobs             = "s3:ListJobs"
	ActionUpdateJobStatus      = "s3:UpdateJobStatus"
	ActionUpdateJobPriority    = "s3:UpdateJobPriority"
	ActionInitiateReplication  = "s3:InitiateReplication"
	ActionGetReplicationConfig = "s3:GetReplicationConfiguration"
	ActionPutInventoryConfig   = "s3:PutInventoryConfiguration"
)

// Objects is the S3 service as a job uses it; *s3.Service implements it.
type Objects interface {
	// ScanReplicationCandidates lists a bucket's versions for a generated manifest.
	ScanReplicationCandidates(bucket string, fn func(replication.Candidate) bool) error
	// ReplicateForJob enqueues one version into the replication engine.
	ReplicateForJob(ctx context.Context, region, bucket, key, versionID, job string, idx uint64, extra func(meta.Batch, int)) (int, error)
	// ReadObjectAs and WriteObjectAs read the manifest and write the
	// report as the job's role session, authorized as requests are.
	ReadObjectAs(ctx context.Context, p aws.Principal, bucket, key, versionID string) ([]byte, string, error)
	WriteObjectAs(ctx context.Context, p aws.Principal, bucket, key string, body []byte, contentType string) error
	// ReplicationBucket tells a bucket's owner and region (for
	// ExpectedBucketOwner).
	ReplicationBucket(ctx context.Context, name string) (replication.BucketInfo, error)
	// Decide authorizes an S3 action of the job's role session.
	Decide(ctx context.Context, p aws.Principal, action, resourceARN string, keys map[string][]string) (policy.Decision, error)
}

// Assumer assumes a job's role as ServicePrincipal, the trust policy
// evaluated with aws:SourceAccount and aws:SourceArn. It may reuse a live
// session as long as IAM has not changed since.
type Assumer func(ctx context.Context, roleARN, sourceAccount, sourceARN string) (aws.Principal, error)

// Authorizer decides the callers' requests; *authz.Authorizer implements it.
type Authorizer interface {
	Authorize(ctx context.Context, req authz.Request) (policy.Decision, error)
}

// Config builds a Service.
type Config struct {
	Store   meta.Store
	Clock   aws.Clock
	Objects Objects
	Assumer Assumer
	Authz   Authorizer
	// Regions are the regions served (a job's region must be one).
	Regions []string
	// PollInterval is how often the runner looks at running jobs
	// (default one second); settled tasks wake it at once.
	PollInterval time.Duration
	// StartPerPass bounds how many tasks a job hands to the engine per
	// pass (default 1000), so that cancelling and other jobs are not held up.
	StartPerPass int
	// FailureThreshold is how many tasks must have settled before the
	// failure rate can fail a job (AWS: 1000, the default).
	FailureThreshold int
	Logger           *slog.Logger
}

// Service runs Batch Replication jobs and answers the S3 Control job API.
type Service struct {
	cfg  Config
	mu   sync.Mutex // job records' read-modify-write
	wake chan struct{}

	runMu  sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds the service; Start runs its job runner.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = aws.SystemClock{}
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.StartPerPass <= 0 {
		cfg.StartPerPass = 1000
	}
	if cfg.FailureThreshold <= 0 {
		cfg.FailureThreshold = 1000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wake makes the runner look at the jobs now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Settled is the replication engine's SettleHook: it records a job task's
// outcome for one destination in the batch that settles it.
func (s *Service) Settled(b meta.Batch, t *replication.Task, status replication.Status, f *replication.Failure) {
	r := DestinationResult{Status: string(status)}
	if f != nil {
		r.Reason, r.Message = f.Reason, f.Error()
	}
	b.Set(resultKey(t.Job, t.JobTask, t.Destination), mustJSON(r))
	s.Wake()
}

// CreateJobInput is CreateJob's request, decoded.
type CreateJobInput struct {
	Region               string
	Account              string
	Operation            string
	ConfirmationRequired bool
	Description          string
	Priority             *int32
	RoleArn              string
	ClientRequestToken   string
	Manifest             *Manifest
	Generator            *Generator
	Report               *Report
	Tags                 []Tag
}

var (
	roleARNPattern  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/.+$`)
	accountPattern  = regexp.MustCompile(`^\d{12}$`)
	jobIDPattern    = regexp.MustCompile(`^[a-zA-Z0-9\-_]{5,36}$`)
	replStatusNames = []string{"NONE", "FAILED", "COMPLETED", "REPLICA"}
	jobStatuses     = []string{StatusActive, StatusCancelled, StatusCancelling, StatusComplete, StatusCompleting, StatusFailed,
		StatusFailing, StatusNew, "Paused", "Pausing", StatusPreparing, StatusReady, StatusSuspended}
)

// CreateJob validates and stores a new job, which the runner then
// prepares. A retry with the same ClientRequestToken returns the same job;
// the token with another request is an IdempotencyException.
func (s *Service) CreateJob(ctx context.Context, p aws.Principal, in CreateJobInput) (string, error) {
	if err := s.authorize(ctx, p, in.Region, in.Account, ActionCreateJob, jobsARN(in.Region, in.Account)); err != nil {
		return "", err
	}
	if err := validate(in); err != nil {
		return "", err
	}
	if err := s.passRole(ctx, p, in.RoleArn); err != nil {
		return "", err
	}
	fp := fingerprint(in)
	account := aws.AccountID(in.Account)
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, err := s.cfg.Store.Get(tokenKey(account, in.ClientRequestToken)); err == nil {
		j, err := s.load(account, string(id))
		if err != nil {
			return "", err
		}
		if j.Fingerprint != fp {
			return "", ErrIdempotency()
		}
		return j.ID, nil
	} else if !errors.Is(err, meta.ErrNotFound) {
		return "", aws.Internal(err)
	}
	j := &Job{ID: newJobID(), Account: account, Region: in.Region, Description: in.Description, Priority: *in.Priority,
		RoleArn: in.RoleArn, ConfirmationRequired: in.ConfirmationRequired, ClientRequestToken: in.ClientRequestToken,
		Manifest: in.Manifest, Generator: in.Generator, Report: *in.Report, Tags: in.Tags, Fingerprint: fp,
		Status: StatusNew, Created: s.cfg.Clock.Now().UTC()}
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	b.Set(jobKey(account, j.ID), mustJSON(j))
	b.Set(indexKey(j.ID), []byte(account))
	b.Set(tokenKey(account, in.ClientRequestToken), []byte(j.ID))
	if err := b.Commit(); err != nil {
		return "", aws.Internal(err)
	}
	s.Wake()
	return j.ID, nil
}

func validate(in CreateJobInput) error {
	switch {
	case in.Operation != OperationReplicate:
		return ErrBadRequest("Ferry's S3 Batch Operations support only the S3ReplicateObject operation")
	case in.Priority == nil:
		return ErrBadRequest("Priority is required")
	case *in.Priority < 0:
		return ErrBadRequest("Priority must be a non-negative integer")
	case !roleARNPattern.MatchString(in.RoleArn):
		return ErrBadRequest("Invalid RoleArn: " + in.RoleArn)
	case in.ClientRequestToken == "" || len(in.ClientRequestToken) > 64:
		return ErrBadRequest("ClientRequestToken must be between 1 and 64 characters")
	case len(in.Description) > 256:
		return ErrBadRequest("Description must be at most 256 characters")
	case in.Report == nil:
		return ErrBadRequest("Report is required")
	case (in.Manifest == nil) == (in.Generator == nil):
		return ErrBadRequest("Exactly one of Manifest or ManifestGenerator must be specified")
	}
	if err := validateReport(in.Report); err != nil {
		return err
	}
	if in.Manifest != nil {
		return validateManifest(in.Manifest)
	}
	return validateGenerator(in.Generator)
}

func validateReport(r *Report) error {
	if !r.Enabled {
		return nil
	}
	if _, ok := bucketOfARN(r.Bucket); !ok {
		return ErrBadRequest("Report Bucket must be an S3 bucket ARN when the report is enabled")
	}
	if r.Format != FormatReport {
		return ErrBadRequest("Report Format must be " + FormatReport + " when the report is enabled")
	}
	switch r.Scope {
	case "":
		r.Scope = ScopeAllTasks
	case ScopeAllTasks, ScopeFailedOnly:
	default:
		return ErrBadRequest("Invalid ReportScope: " + r.Scope)
	}
	return nil
}

func validateManifest(m *Manifest) error {
	if _, _, ok := objectOfARN(m.ObjectArn); !ok {
		return ErrBadRequest("Invalid manifest ObjectArn: " + m.ObjectArn)
	}
	if m.ETag == "" {
		return ErrBadRequest("Manifest ETag is required")
	}
	switch m.Format {
	case FormatCSV:
	case FormatInventory:
		return ErrBadRequest("Ferry does not read S3 Inventory manifests yet; use " + FormatCSV)
	default:
		return ErrBadRequest("Invalid manifest format: " + m.Format)
	}
	f := strings.Join(m.Fields, ",")
	if f != "Bucket,Key" && f != "Bucket,Key,VersionId" {
		return ErrBadRequest("Manifest Fields must be Bucket,Key or Bucket,Key,VersionId for " + FormatCSV)
	}
	return nil
}

func validateGenerator(g *Generator) error {
	if _, ok := bucketOfARN(g.SourceBucket); !ok {
		return ErrBadRequest("Invalid SourceBucket: " + g.SourceBucket)
	}
	if g.OutputBucket != "" {
		if _, ok := bucketOfARN(g.OutputBucket); !ok {
			return ErrBadRequest("Invalid ManifestOutputLocation Bucket: " + g.OutputBucket)
		}
		if g.OutputFormat != FormatGenerated {
			return ErrBadRequest("ManifestFormat must be " + FormatGenerated)
		}
	}
	if g.EnableManifestOutput && g.OutputBucket == "" {
		return ErrBadRequest("ManifestOutputLocation is required when EnableManifestOutput is true")
	}
	if g.Filter != nil {
		for _, st := range g.Filter.ObjectReplicationStatuses {
			if !slices.Contains(replStatusNames, st) {
				return ErrBadRequest("Invalid ObjectReplicationStatuses value: " + st)
			}
		}
	}
	return nil
}

// fingerprint identifies a CreateJob request apart from its token.
func fingerprint(in CreateJobInput) string {
	in.ClientRequestToken = ""
	sum := sha256.Sum256(mustJSON(in))
	return hex.EncodeToString(sum[:])
}

// newJobID returns a random job id shaped like AWS's (a UUID).
func newJobID() string { return aws.NewUUID() }

// DescribeJob returns a job of the account.
func (s *Service) DescribeJob(ctx context.Context, p aws.Principal, region, account, id string) (*Job, error) {
	if err := s.authorize(ctx, p, region, account, ActionDescribeJob, jobARN(region, account, id)); err != nil {
		return nil, err
	}
	return s.find(region, account, id)
}

// ListJobsOutput is a page of jobs.
type ListJobsOutput struct {
	Jobs      []*Job
	NextToken string
}

// ListJobs lists the account's jobs, newest first, optionally only those
// in the given statuses; NextToken continues after the last one returned.
func (s *Service) ListJobs(ctx context.Context, p aws.Principal, region, account string, statuses []string, next string, max int) (ListJobsOutput, error) {
	if err := s.authorize(ctx, p, region, account, ActionListJobs, jobsARN(region, account)); err != nil {
		return ListJobsOutput{}, err
	}
	for _, st := range statuses {
		if !slices.Contains(jobStatuses, st) {
			return ListJobsOutput{}, ErrInvalidRequest("Invalid job status: " + st)
		}
	}
	if max <= 0 || max > 1000 {
		max = 1000
	}
	all, err := s.all(aws.AccountID(account))
	if err != nil {
		return ListJobsOutput{}, err
	}
	var jobs []*Job
	for _, j := range all {
		if j.Region == region && (len(statuses) == 0 || slices.Contains(statuses, j.Status)) {
			jobs = append(jobs, j)
		}
	}
	slices.SortFunc(jobs, func(a, b *Job) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	start := 0
	if next != "" {
		i := slices.IndexFunc(jobs, func(j *Job) bool { return j.ID == next })
		if i < 0 {
			return ListJobsOutput{}, ErrInvalidNextToken()
		}
		start = i + 1
	}
	out := ListJobsOutput{}
	end := min(start+max, len(jobs))
	out.Jobs = jobs[start:end]
	if end < len(jobs) && end > start {
		out.NextToken = jobs[end-1].ID
	}
	return out, nil
}

// UpdateJobStatus confirms a job that waits for confirmation (Ready) or
// cancels a job that has not finished (Cancelled). An Active job goes
// through Cancelling: tasks already handed to the engine still replicate.
func (s *Service) UpdateJobStatus(ctx context.Context, p aws.Principal, region, account, id, requested, reason string) (*Job, error) {
	if err := s.authorize(ctx, p, region, account, ActionUpdateJobStatus, jobARN(region, account, id)); err != nil {
		return nil, err
	}
	if requested != StatusReady && requested != StatusCancelled {
		return nil, ErrBadRequest("Invalid RequestedJobStatus: " + requested)
	}
	now := s.cfg.Clock.Now().UTC()
	j, err := s.updateJob(region, account, id, func(j *Job) error {
		from := j.Status
		switch {
		case requested == StatusReady && from == StatusSuspended:
			j.Status, j.Suspended, j.SuspendedCause = StatusReady, nil, ""
		case requested == StatusCancelled && from == StatusActive:
			j.Status = StatusCancelling
		case requested == StatusCancelled && (from == StatusNew || from == StatusPreparing || from == StatusSuspended || from == StatusReady):
			j.Status, j.Terminated = StatusCancelled, &now
		default:
			return ErrJobStatus(fmt.Sprintf("Job status cannot be updated from %s to %s", from, requested))
		}
		if reason != "" {
			j.StatusUpdateReason = reason
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Wake()
	return j, nil
}

// UpdateJobPriority changes a job's priority.
func (s *Service) UpdateJobPriority(ctx context.Context, p aws.Principal, region, account, id string, priority int32) (*Job, error) {
	if err := s.authorize(ctx, p, region, account, ActionUpdateJobPriority, jobARN(region, account, id)); err != nil {
		return nil, err
	}
	if priority < 0 {
		return nil, ErrBadRequest("Priority must be a non-negative integer")
	}
	return s.updateJob(region, account, id, func(j *Job) error {
		j.Priority = priority
		return nil
	})
}

// authorize checks the account header and decides action for p: a job
// belongs to the account the request names, so another account's caller
// is denied as IAM denies a resource without a resource policy.
func (s *Service) authorize(ctx context.Context, p aws.Principal, region, account, action, resource string) error {
	if !accountPattern.MatchString(account) {
		return ErrInvalidRequest("x-amz-account-id must be a 12-digit AWS account id")
	}
	if !s.servesRegion(region) {
		return ErrInvalidRequest("Ferry does not serve region " + region)
	}
	_, err := s.cfg.Authz.Authorize(ctx, authz.Request{Principal: p, Action: action, Resource: resource,
		ResourceAccount: aws.AccountID(account)})
	return err
}

// passRole is the iam:PassRole check of CreateJob, with
// iam:PassedToService batchoperations.s3.amazonaws.com ([Inf]).
func (s *Service) passRole(ctx context.Context, p aws.Principal, roleARN string) error {
	m := roleARNPattern.FindStringSubmatch(roleARN)
	_, err := s.cfg.Authz.Authorize(ctx, authz.Request{Principal: p, Action: "iam:PassRole", Resource: roleARN,
		ResourceAccount: aws.AccountID(m[1]), Keys: policy.ContextOf("iam:PassedToService", ServicePrincipal)})
	if aws.IsCode(err, "AccessDenied") {
		return aws.New("AccessDenied", http.StatusForbidden, "Access Denied: the caller may not pass role "+roleARN+" to S3 Batch Operations (iam:PassRole)")
	}
	return err
}

func (s *Service) servesRegion(r string) bool {
	return len(s.cfg.Regions) == 0 || slices.Contains(s.cfg.Regions, r)
}

func jobsARN(region, account string) string { return "arn:aws:s3:" + region + ":" + account + ":job/*" }
func jobARN(region, account, id string) string {
	return "arn:aws:s3:" + region + ":" + account + ":job/" + id
}

// find loads a job of the account in the region (jobs are regional, as
// in AWS), or NotFoundException.
func (s *Service) find(region, account, id string) (*Job, error) {
	if !jobIDPattern.MatchString(id) {
		return nil, ErrNotFound(id)
	}
	j, err := s.load(aws.AccountID(account), id)
	if errors.Is(err, meta.ErrNotFound) || (err == nil && j.Region != region) {
		return nil, ErrNotFound(id)
	}
	return j, err
}

func (s *Service) load(account aws.AccountID, id string) (*Job, error) {
	raw, err := s.cfg.Store.Get(jobKey(account, id))
	if err != nil {
		return nil, err
	}
	var j Job
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, aws.Internal(fmt.Errorf("batch: decode job %s: %w", id, err))
	}
	return &j, nil
}

// updateJob is update for a caller's request: the job must be one find
// finds (NotFoundException otherwise), read once.
func (s *Service) updateJob(region, account, id string, fn func(*Job) error) (*Job, error) {
	if !jobIDPattern.MatchString(id) {
		return nil, ErrNotFound(id)
	}
	j, err := s.update(aws.AccountID(account), id, func(j *Job) error {
		if j.Region != region {
			return ErrNotFound(id)
		}
		return fn(j)
	})
	if errors.Is(err, meta.ErrNotFound) {
		return nil, ErrNotFound(id)
	}
	return j, err
}

// update applies fn to a stored job and writes it back, unless fn fails.
func (s *Service) update(account aws.AccountID, id string, fn func(*Job) error) (*Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.load(account, id)
	if err != nil {
		return nil, err
	}
	if err := fn(j); err != nil {
		return nil, err
	}
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	b.Set(jobKey(account, id), mustJSON(j))
	if Terminal(j.Status) {
		b.Delete(indexKey(id)) // the runner has nothing more to do with it
	}
	if err := b.Commit(); err != nil {
		return nil, aws.Internal(err)
	}
	return j, nil
}

// all returns the account's jobs.
func (s *Service) all(account aws.AccountID) ([]*Job, error) {
	prefix := jobsPrefix(account)
	it, err := s.cfg.Store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return nil, aws.Internal(err)
	}
	defer it.Close()
	var out []*Job
	for ok := it.First(); ok; ok = it.Next() {
		var j Job
		if err := json.Unmarshal(it.Value(), &j); err != nil {
			return nil, aws.Internal(fmt.Errorf("batch: decode job: %w", err))
		}
		out = append(out, &j)
	}
	return out, nil
}

// bucketOfARN returns the bucket of "arn:aws:s3:::bucket".
func bucketOfARN(arn string) (string, bool) {
	b, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	return b, ok && b != "" && !strings.Contains(b, "/")
}

// objectOfARN returns the bucket and key of "arn:aws:s3:::bucket/key".
func objectOfARN(arn string) (string, string, bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:s3:::")
	b, k, ok2 := strings.Cut(rest, "/")
	return b, k, ok && ok2 && b != "" && k != ""
}

// Now is the service's clock reading.
func (s *Service) Now() time.Time { return s.cfg.Clock.Now().UTC() }
