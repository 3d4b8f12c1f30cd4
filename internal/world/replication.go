package world

import (
	"context"
	"sync"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/batch"
	"github.com/ferrystore/ferry/internal/doctor"
	"github.com/ferrystore/ferry/internal/httpd"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/peer"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3controlapi"
	"github.com/ferrystore/ferry/internal/sts"
)

// ReplicationConfig tunes the replication engine; zero values take the
// engine's defaults (replication.Default*).
type ReplicationConfig struct {
	Workers      int
	PollInterval time.Duration
	Lease        time.Duration
	Backoff      time.Duration
	MaxBackoff   time.Duration
	// Authorizer decides the hops; nil means internal/authz through
	// s3.Service.Decide (tests may substitute their own).
	Authorizer replication.Authorizer
	// Disabled builds the engine but does not start its workers.
	Disabled bool
}

// openReplication builds the replication engine over the S3 service (its
// in-process source and destination) and STS, connects it to S3's commits
// and registers its metrics; Open starts it, Close stops it.
func (w *World) openReplication() {
	rc := w.Config.Replication
	authorizer := rc.Authorizer
	if authorizer == nil {
		// Every hop as the role session through authz: role policies,
		// boundary and session policy against the bucket's policy.
		authorizer = replication.PolicyAuthorizer{Decide: w.S3.Decide}
	}
	var peers replication.Peers
	doc := &doctor.Doctor{S3: w.S3, IAM: w.IAM, KMS: w.KMS, Authz: w.Authz}
	if len(w.Config.Peers) > 0 {
		c := w.peerClient()
		w.S3.SetPeers(c)
		peers, doc.Peers = c, c
	}
	w.Replication = replication.New(replication.Config{
		Store: w.Store, Clock: w.Config.Clock, Source: w.S3, Destination: w.S3, Peers: peers,
		Assumer: &serviceAssumer{service: "s3.amazonaws.com", sts: w.STS, iam: w.IAM, clock: w.Config.Clock}, Authorizer: authorizer,
		Workers: rc.Workers, PollInterval: rc.PollInterval, Lease: rc.Lease,
		Backoff: rc.Backoff, MaxBackoff: rc.MaxBackoff, Logger: w.Config.Logger,
	})
	w.S3.SetReplicator(w.Replication)
	w.HTTP.Replica = &peer.Handler{Engine: w.Replication, Buckets: w.S3, AccountBuckets: w.S3.AccountBuckets,
		Session: w.STS.Session, Principal: httpd.FromContext}
	doc.Engine = w.Replication
	w.HTTP.Diagnose = &diagnoseAPI{d: doc}
	w.HTTP.Registry.MustRegister(w.Replication.Metrics())
	if !rc.Disabled {
		w.Replication.Start()
	}
}

// serviceAssumer assumes roles as an AWS service principal (S3 for
// replication, S3 Batch Operations for jobs), with aws:SourceAccount and
// aws:SourceArn (§8.5). Like
// S3, it keeps a role session and reuses it until shortly before it
// expires — but only while IAM is unchanged: any IAM write (a trust
// policy edited, a role deleted) makes the next task assume the role
// again, so a fixed or broken set-up takes effect at once.
type serviceAssumer struct {
	// service is the principal that assumes: "s3.amazonaws.com" for
	// replication, batch.ServicePrincipal for Batch Replication jobs.
	service string
	sts     *sts.Service
	iam     *iam.Service
	clock   aws.Clock

	mu       sync.Mutex
	sessions map[[3]string]cachedSession
}

type cachedSession struct {
	principal  aws.Principal
	expiration time.Time
	generation uint64
}

// sessionMargin is how long before its expiry a session is replaced.
const sessionMargin = 5 * time.Minute

// AssumeRole implements replication.Assumer.
func (a *serviceAssumer) AssumeRole(ctx context.Context, roleARN, sourceAccount, sourceARN string) (aws.Principal, error) {
	key := [3]string{roleARN, sourceAccount, sourceARN}
	gen := a.iam.Generation()
	a.mu.Lock()
	c, ok := a.sessions[key]
	a.mu.Unlock()
	if ok && c.generation == gen && c.expiration.Sub(a.clock.Now()) > sessionMargin {
		return c.principal, nil
	}
	sess, err := a.sts.AssumeRoleAsService(ctx, a.service, roleARN, sourceAccount, sourceARN)
	if err != nil {
		return aws.Principal{}, err
	}
	a.mu.Lock()
	if a.sessions == nil {
		a.sessions = map[[3]string]cachedSession{}
	}
	a.sessions[key] = cachedSession{principal: sess.Principal, expiration: sess.Expiration, generation: gen}
	a.mu.Unlock()
	return sess.Principal, nil
}

// openBatch builds the Batch Replication service over the S3 service, the
// replication engine (whose settled job tasks it records) and STS (the job
// role is assumed as batchoperations.s3.amazonaws.com), and serves S3
// Control's job operations; it runs unless replication is Disabled.
func (w *World) openBatch() {
	rc := w.Config.Replication
	w.Batch = batch.New(batch.Config{
		Store: w.Store, Clock: w.Config.Clock, Objects: w.S3, Authz: w.Authz, Regions: w.Config.Regions,
		PollInterval: rc.PollInterval, Logger: w.Config.Logger,
		Assumer: (&serviceAssumer{service: batch.ServicePrincipal, sts: w.STS, iam: w.IAM, clock: w.Config.Clock}).AssumeRole,
	})
	w.Replication.SetSettleHook(w.Batch.Settled)
	w.HTTP.S3Control = &s3controlapi.API{Batch: w.Batch, Log: w.Config.Logger}
	if !rc.Disabled {
		w.Batch.Start()
	}
}
