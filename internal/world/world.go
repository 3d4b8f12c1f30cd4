// Package world is Ferry's composition root: it opens the data directory,
// builds the services for the configured regions, bootstraps the first
// accounts and wires authentication into the HTTP front.
package world

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/batch"
	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/httpd"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/iamapi"
	"github.com/ferrystore/ferry/internal/keyring"
	"github.com/ferrystore/ferry/internal/kms"
	"github.com/ferrystore/ferry/internal/kmsapi"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/meta/pebble"
	"github.com/ferrystore/ferry/internal/notification"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/s3api"
	"github.com/ferrystore/ferry/internal/sigv4"
	"github.com/ferrystore/ferry/internal/sqs"
	"github.com/ferrystore/ferry/internal/sqsapi"
	"github.com/ferrystore/ferry/internal/sse"
	"github.com/ferrystore/ferry/internal/sts"
	"github.com/ferrystore/ferry/internal/stsapi"
)

// Config describes one Ferry world.
type Config struct {
	// DataDir holds metadata, object bytes and the generated client files.
	DataDir string
	Regions []string
	// Domains are the base host names for virtual-hosted-style requests.
	Domains []string
	Clock   aws.Clock
	Logger  *slog.Logger
	// InMemory keeps metadata in memory (tests); object bytes still go to DataDir.
	InMemory bool
	// RootKey says where the root key comes from; the zero value means
	// FERRY_ROOT_KEY if set, else <DataDir>/root.key (created on first start).
	RootKey keyring.Options
	// Replication tunes the replication engine.
	Replication ReplicationConfig
	// IAMHome, when set, makes this world a follower: IAM and STS state
	// (SharedPrefixes) lives at that process, everything else here.
	IAMHome *IAMHome
	// IAMRefresh is how often IAM writes made by other processes are looked
	// for (default DefaultIAMRefresh).
	IAMRefresh time.Duration
	// Peers maps regions served by other Ferry processes to their
	// endpoints: replication reaches buckets there over HTTP.
	Peers map[string]string
}

// World is a running set of services over one data directory.
type World struct {
	Config Config
	Store  meta.Store
	Blobs  *blob.Store
	IAM    *iam.Service
	// Authz decides every request; Recent shows its last decisions.
	Authz *authz.Authorizer
	STS   *sts.Service
	KMS   *kms.Service
	SQS   *sqs.Service
	SSE   *sse.Service
	S3    *s3.Service
	HTTP  *httpd.Server
	// Replication is the replication engine, running from Open to Close.
	Replication *replication.Engine
	// Batch runs Batch Replication jobs (S3 Control), from Open to Close.
	Batch *batch.Service
	// Notifications delivers S3 events to SQS queues, from Open to Close.
	Notifications *notification.Deliverer

	stop chan struct{}
}

// Open opens (creating if needed) the data directory and builds the services.
func Open(cfg Config) (*World, error) {
	if cfg.Clock == nil {
		cfg.Clock = aws.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if len(cfg.Regions) == 0 {
		cfg.Regions = aws.DefaultRegions
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if cfg.IAMRefresh <= 0 {
		cfg.IAMRefresh = DefaultIAMRefresh
	}
	w := &World{Config: cfg, stop: make(chan struct{})}
	var err error
	if cfg.InMemory {
		w.Store = meta.NewMemory()
	} else if w.Store, err = pebble.Open(filepath.Join(cfg.DataDir, "meta"), pebble.Options{Logger: cfg.Logger}); err != nil {
		return nil, fmt.Errorf("open metadata: %w", err)
	}
	if cfg.IAMHome != nil {
		local := w.Store
		if w.Store, err = openFollowerStore(local, cfg.IAMHome); err != nil {
			local.Close()
			return nil, err
		}
	}
	if w.Blobs, err = blob.Open(filepath.Join(cfg.DataDir, "objects")); err != nil {
		w.Store.Close()
		return nil, fmt.Errorf("open object store: %w", err)
	}
	if err := w.openKeys(); err != nil {
		w.Close()
		return nil, err
	}
	// One Authorizer decides for every service. IAM and STS are global: one
	// service each for every region; they are also where the Authorizer
	// finds identity policies, tags and sessions.
	ids := &authz.Identities{}
	w.Authz = authz.New(authz.Config{Source: ids, Clock: cfg.Clock, Logger: cfg.Logger})
	var validator authz.Validator
	w.IAM = iam.NewService(iam.Config{Store: w.Store, Clock: cfg.Clock, Authorizer: w.Authz.IAM(), ValidatePolicy: validator.Validate})
	w.STS = sts.New(sts.Config{Store: w.Store, Clock: cfg.Clock, IAM: w.IAM, Trust: w.Authz.Trust(), ValidatePolicy: validator.ValidateSession})
	ids.IAM, ids.STS = w.IAM, w.STS
	w.KMS.SetAuthorizer(w.Authz.KMS())
	w.KMS.SetPrincipalExists(w.IAM.PrincipalExists)
	w.SQS = sqs.New(sqs.Config{Store: w.Store, Clock: cfg.Clock, Authorizer: w.Authz.SQS(),
		ValidatePolicy: authz.ValidateQueuePolicy, Logger: cfg.Logger})
	w.S3 = s3.New(s3.Config{Store: w.Store, Blobs: w.Blobs, Clock: cfg.Clock, Regions: cfg.Regions, Logger: cfg.Logger,
		SSE: w.SSE, Authz: w.Authz, PrincipalExists: w.IAM.PrincipalExists})
	verifier := &sigv4.Verifier{Lookup: w.lookup, Clock: cfg.Clock}
	w.HTTP = &httpd.Server{
		Auth:  authenticator(verifier),
		S3:    &s3api.API{S3: w.S3, Log: cfg.Logger, BaseDomains: cfg.Domains},
		IAM:   iamapi.New(w.IAM, cfg.Logger),
		STS:   stsapi.New(w.STS, cfg.Logger),
		Clock: cfg.Clock,
		KMS:   &kmsapi.API{KMS: w.KMS, Log: cfg.Logger},
		SQS:   &sqsapi.API{SQS: w.SQS, Log: cfg.Logger},
		Admin: &adminAPI{w: w},
		Log:   cfg.Logger,
	}
	if cfg.IAMHome != nil {
		if w.HTTP.IAMForward, err = homeProxy(cfg.IAMHome); err != nil {
			w.Close()
			return nil, err
		}
	}
	w.HTTP.Init()
	w.openReplication()
	w.openNotifications()
	w.openBatch()
	go w.refreshIAM(cfg.IAMRefresh, w.stop)
	return w, nil
}

// openNotifications connects S3's event notifications to SQS: the
// replication engine's events are recorded for delivery in the batches
// that log them, and S3 validates and tests queue destinations.
func (w *World) openNotifications() {
	w.Notifications = notification.New(notification.Config{Store: w.Store, Clock: w.Config.Clock, SQS: w.SQS,
		Bucket: w.S3.Bucket, Evaluate: w.Authz.EvaluateSQS, Logger: w.Config.Logger,
		PollInterval: w.Config.Replication.PollInterval})
	w.Replication.Events().SetSink(w.Notifications)
	w.S3.SetNotificationDestinations(w.Notifications)
	w.HTTP.Registry.MustRegister(w.Notifications.Metrics())
	if !w.Config.Replication.Disabled {
		w.Notifications.Start()
	}
}

// openKeys loads the root key, refusing one that does not match the data
// directory, and builds KMS and server-side encryption on it.
func (w *World) openKeys() error {
	opts := w.Config.RootKey
	if opts == (keyring.Options{}) {
		opts = keyring.OptionsFromEnv(w.Config.DataDir)
	}
	root, err := keyring.Open(w.Store, opts)
	if err != nil {
		return fmt.Errorf("open root key: %w", err)
	}
	w.KMS = kms.New(kms.Config{Store: w.Store, Root: root, Clock: w.Config.Clock, Regions: w.Config.Regions})
	w.SSE = sse.New(sse.Config{KMS: w.KMS, Root: root, Store: w.Store, Clock: w.Config.Clock})
	return nil
}

// Close releases the stores.
func (w *World) Close() error {
	if w.stop != nil {
		select {
		case <-w.stop:
		default:
			close(w.stop)
		}
	}
	if w.Batch != nil {
		w.Batch.Stop()
	}
	if w.Replication != nil {
		w.Replication.Stop()
	}
	if w.Notifications != nil {
		w.Notifications.Stop()
	}
	return errors.Join(w.Blobs.Close(), w.Store.Close())
}

// lookup resolves an access key for the SigV4 verifier: temporary (ASIA…)
// keys through STS, which reports expired sessions as ExpiredToken, and
// long-term keys through IAM (an inactive key is unknown).
func (w *World) lookup(_ context.Context, akid string) (sigv4.Credentials, error) {
	if strings.HasPrefix(akid, "ASIA") {
		sess, err := w.STS.Credentials(akid)
		switch {
		case errors.Is(err, sts.ErrNoSuchSession):
			return sigv4.Credentials{}, aws.ErrInvalidAccessKeyID(akid)
		case err != nil && aws.IsCode(err, "ExpiredToken"):
			return sigv4.Credentials{}, err
		case err != nil:
			return sigv4.Credentials{}, aws.Internal(err)
		}
		return sigv4.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey,
			SessionToken: sess.SessionToken, Principal: sess.Principal}, nil
	}
	k, err := w.IAM.AccessKey(akid)
	if errors.Is(err, iam.ErrNoSuchKey) || (err == nil && k.Status != "Active") {
		return sigv4.Credentials{}, aws.ErrInvalidAccessKeyID(akid)
	}
	if err != nil {
		return sigv4.Credentials{}, aws.Internal(err)
	}
	return sigv4.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret, Principal: k.Principal()}, nil
}

func authenticator(v *sigv4.Verifier) httpd.Authenticator {
	return func(r *http.Request) (httpd.Authenticated, error) {
		res, err := v.Verify(r)
		if err != nil {
			return httpd.Authenticated{}, err
		}
		return httpd.Authenticated{
			Principal: res.Principal, Region: res.Region, Service: res.Service, Presigned: res.Presigned,
			Body: res.Body, DecodedLength: res.DecodedLength, Trailer: func() http.Header { return res.Trailer },
		}, nil
	}
}
