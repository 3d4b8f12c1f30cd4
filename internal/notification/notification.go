// Package notification delivers S3 event notifications to Amazon SQS
// queues, as S3 does: as the service principal s3.amazonaws.com, so the
// queue's policy decides (a statement naming the service, with
// aws:SourceArn the bucket's ARN and aws:SourceAccount its owner).
//
// Delivery loses no event. When the replication engine records an event
// (replication.EventLog), Record adds, in the same batch, one pending
// delivery per QueueConfiguration of the source bucket whose events and
// key filter match: the outbox, table 'n'. A worker sends what is due and
// deletes each delivery once its message is committed in the queue, so a
// crash between the two sends it again (at-least-once, as SQS delivery
// is). A queue that no longer exists or whose policy no longer allows S3
// drops the event after logging it, as AWS does; other failures are
// retried with backoff up to MaxAttempts.
//
// The package also answers S3's destination validation
// (s3.NotificationDestinations): the queue exists in the bucket's region
// and its policy allows s3.amazonaws.com to send this bucket's events;
// and it sends the s3:TestEvent message to new destinations.
package notification

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/sqs"
	"github.com/ferrystore/ferry/policy"
)

// Service is the principal S3 delivers as.
const Service = "s3.amazonaws.com"

// table is the outbox's table byte in the metadata store:
//
//	'n' 'o' id → Delivery (oldest first)
const table = 'n'

var outboxPrefix = meta.NewKey(table).Bytes([]byte{'o'})

// Defaults of Config.
const (
	DefaultPollInterval = time.Second
	DefaultMaxAttempts  = 10
	DefaultBackoff      = time.Second
	maxBackoff          = 5 * time.Minute
)

// Queues is what delivery needs of SQS (*sqs.Service).
type Queues interface {
	SendAsService(ctx context.Context, m sqs.ServiceSend) (sqs.Sent, error)
	Lookup(r sqs.Ref) (*sqs.Queue, error)
}

// Config builds a Deliverer.
type Config struct {
	Store meta.Store
	Clock aws.Clock
	SQS   Queues
	// Bucket reads a bucket record (s3.Service.Bucket).
	Bucket func(name string) (*s3.Bucket, error)
	// Evaluate decides an SQS access without recording it
	// (authz.Authorizer.EvaluateSQS): destination validation.
	Evaluate func(ctx context.Context, a sqs.Access) (policy.Decision, error)
	Logger   *slog.Logger
	// PollInterval is how often the worker looks for due deliveries
	// besides being woken by new ones.
	PollInterval time.Duration
	MaxAttempts  int
	Backoff      time.Duration
}

// Delivery is one pending message: an event for one queue.
type Delivery struct {
	Queue           string        `json:"queue"`
	ConfigurationID string        `json:"configurationId"`
	Bucket          string        `json:"bucket"`
	Owner           aws.AccountID `json:"owner"`
	EventName       string        `json:"eventName"`
	Body            string        `json:"body"`
	Attempts        int           `json:"attempts,omitempty"`
	// Next is when to try again (epoch milliseconds; 0: at once).
	Next int64 `json:"next,omitempty"`
}

// Deliverer records and delivers event notifications.
type Deliverer struct {
	cfg     Config
	seq     uint64
	seqMu   sync.Mutex
	kick    chan struct{}
	stop    context.CancelFunc
	wg      sync.WaitGroup
	passMu  sync.Mutex // one delivery pass at a time
	results *prometheus.CounterVec
}

// New returns a Deliverer; Start runs its worker.
func New(cfg Config) *Deliverer {
	if cfg.Clock == nil {
		cfg.Clock = aws.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	d := &Deliverer{cfg: cfg, kick: make(chan struct{}, 1), seq: uint64(time.Now().UnixNano())}
	d.results = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ferry_notification_deliveries_total",
		Help: "S3 event notifications sent to SQS queues, by result (delivered, dropped, retried).",
	}, []string{"result"})
	return d
}

// Metrics is the delivery counter, for the world's registry.
func (d *Deliverer) Metrics() prometheus.Collector { return d.results }

func (d *Deliverer) nextID() uint64 {
	d.seqMu.Lock()
	defer d.seqMu.Unlock()
	d.seq++
	return d.seq
}

// Record implements replication.EventSink: it adds to batch one delivery
// per queue configuration of the event's bucket that receives it, with
// the record's configurationId set to that configuration's Id.
func (d *Deliverer) Record(batch meta.Batch, ev *replication.Event) {
	b, err := d.cfg.Bucket(ev.S3.Bucket.Name)
	if err != nil || b.Notification == nil || string(b.Account) != ev.S3.Bucket.OwnerIdentity.PrincipalID {
		return
	}
	for _, t := range b.Notification.Queues {
		if !t.Matches(ev.EventName, ev.ObjectKey()) {
			continue
		}
		rec := *ev
		rec.S3.ConfigurationID = t.ID
		body, err := json.Marshal(struct {
			Records []replication.Event `json:"Records"`
		}{[]replication.Event{rec}})
		if err != nil {
			panic(fmt.Sprintf("notification: encode event: %v", err)) // plain data
		}
		dl := Delivery{Queue: t.Queue, ConfigurationID: t.ID, Bucket: b.Name, Owner: b.Account,
			EventName: ev.EventName, Body: string(body)}
		batch.Set(outboxPrefix.Uint64(d.nextID()), encode(dl))
	}
}

// Committed implements replication.EventSink: it wakes the worker.
func (d *Deliverer) Committed() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

func encode(dl Delivery) []byte {
	raw, err := json.Marshal(dl)
	if err != nil {
		panic(fmt.Sprintf("notification: encode delivery: %v", err)) // plain data
	}
	return raw
}

// Start runs the delivery worker until Stop.
func (d *Deliverer) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	d.stop = cancel
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		tick := time.NewTicker(d.cfg.PollInterval)
		defer tick.Stop()
		for {
			if err := d.Deliver(ctx); err != nil {
				d.cfg.Logger.Warn("notification delivery", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-d.kick:
			case <-tick.C:
			}
		}
	}()
}

// Stop ends the worker; pending deliveries stay in the outbox.
func (d *Deliverer) Stop() {
	if d.stop != nil {
		d.stop()
		d.wg.Wait()
	}
}

// Deliver makes one pass over the outbox, sending every due delivery.
func (d *Deliverer) Deliver(ctx context.Context) error {
	d.passMu.Lock()
	defer d.passMu.Unlock()
	type pending struct {
		key []byte
		dl  Delivery
	}
	var due []pending
	now := d.cfg.Clock.Now().UnixMilli()
	it, err := d.cfg.Store.NewIterator(outboxPrefix, meta.PrefixEnd(outboxPrefix))
	if err != nil {
		return fmt.Errorf("notification: read outbox: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		var dl Delivery
		if err := json.Unmarshal(it.Value(), &dl); err != nil {
			it.Close()
			return fmt.Errorf("notification: decode delivery: %w", err)
		}
		if dl.Next <= now {
			due = append(due, pending{append([]byte(nil), it.Key()...), dl})
		}
	}
	if err := it.Close(); err != nil {
		return fmt.Errorf("notification: read outbox: %w", err)
	}
	for _, p := range due {
		if ctx.Err() != nil {
			return nil
		}
		if err := d.attempt(ctx, p.key, p.dl); err != nil {
			return err
		}
	}
	return nil
}

// attempt sends one delivery and settles its outbox row.
func (d *Deliverer) attempt(ctx context.Context, key []byte, dl Delivery) error {
	_, err := d.cfg.SQS.SendAsService(ctx, sqs.ServiceSend{Queue: dl.Queue, Service: Service,
		SourceArn: "arn:aws:s3:::" + dl.Bucket, SourceAccount: dl.Owner, Body: dl.Body})
	b := d.cfg.Store.NewBatch()
	defer b.Close()
	switch {
	case err == nil:
		d.results.WithLabelValues("delivered").Inc()
		b.Delete(key)
	case permanent(err) || dl.Attempts+1 >= d.cfg.MaxAttempts:
		d.results.WithLabelValues("dropped").Inc()
		d.cfg.Logger.Warn("notification dropped", "bucket", dl.Bucket, "queue", dl.Queue, "event", dl.EventName,
			"configurationId", dl.ConfigurationID, "attempts", dl.Attempts+1, "err", err)
		b.Delete(key)
	default:
		d.results.WithLabelValues("retried").Inc()
		dl.Attempts++
		dl.Next = d.cfg.Clock.Now().Add(backoff(d.cfg.Backoff, dl.Attempts)).UnixMilli()
		b.Set(key, encode(dl))
	}
	if err := b.Commit(); err != nil {
		return fmt.Errorf("notification: settle delivery to %s: %w", dl.Queue, err)
	}
	return nil
}

// permanent: SQS refused the message as a client error (the queue is gone,
// its policy refuses S3, the body is refused). Retrying cannot help until
// someone changes the set-up, and AWS drops such events.
func permanent(err error) bool {
	e, ok := aws.As(err)
	return ok && e.Status >= 400 && e.Status < 500
}

func backoff(base time.Duration, attempts int) time.Duration {
	d := base
	for i := 1; i < attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// Pending returns the deliveries still in the outbox (diagnostics, tests).
func (d *Deliverer) Pending() ([]Delivery, error) {
	it, err := d.cfg.Store.NewIterator(outboxPrefix, meta.PrefixEnd(outboxPrefix))
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []Delivery
	for ok := it.First(); ok; ok = it.Next() {
		var dl Delivery
		if err := json.Unmarshal(it.Value(), &dl); err != nil {
			return nil, err
		}
		out = append(out, dl)
	}
	return out, it.Close()
}

// CheckQueue implements s3.NotificationDestinations: the queue must exist
// in the bucket's region, and its policy must let s3.amazonaws.com send
// the bucket's events (decided as delivery will be, not recorded).
func (d *Deliverer) CheckQueue(ctx context.Context, queueARN string, b *s3.Bucket) string {
	r, ok := sqs.ParseARN(queueARN)
	if !ok || r.Region != b.Region {
		return s3.ReasonNoQueue
	}
	q, err := d.cfg.SQS.Lookup(r)
	if err != nil || q == nil {
		return s3.ReasonNoQueue
	}
	if d.cfg.Evaluate == nil {
		return ""
	}
	dec, err := d.cfg.Evaluate(ctx, sqs.ServiceSendAccess(q, Service, b.ARN(), b.Account))
	if err != nil || !dec.Allowed {
		return s3.ReasonQueuePermissions
	}
	return ""
}

// requestID is the id of the request that stored the configuration.
func requestID(ctx context.Context) string {
	if id := authz.InfoFrom(ctx).RequestID; id != "" {
		return id
	}
	return aws.NewRequestID()
}

// TestEvent is the message S3 sends to a new destination.
type TestEvent struct {
	Service   string
	Event     string
	Time      string
	Bucket    string
	RequestId string
	HostId    string
}

// SendTestEvent implements s3.NotificationDestinations.
func (d *Deliverer) SendTestEvent(ctx context.Context, queueARN string, b *s3.Bucket) error {
	body, err := json.Marshal(TestEvent{Service: "Amazon S3", Event: "s3:TestEvent",
		Time: d.cfg.Clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"), Bucket: b.Name,
		RequestId: requestID(ctx), HostId: aws.NewHostID()})
	if err != nil {
		return fmt.Errorf("notification: encode test event: %w", err)
	}
	_, err = d.cfg.SQS.SendAsService(ctx, sqs.ServiceSend{Queue: queueARN, Service: Service,
		SourceArn: b.ARN(), SourceAccount: b.Account, Body: string(body)})
	return err
}
