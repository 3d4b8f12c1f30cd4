package replication

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// Replication event names (spec §6.1), as the eventName of a record: the
// notification event type without its "s3:" prefix.
const (
	EventFailedReplication        = "Replication:OperationFailedReplication"
	EventMissedThreshold          = "Replication:OperationMissedThreshold"
	EventReplicatedAfterThreshold = "Replication:OperationReplicatedAfterThreshold"
	EventNotTracked               = "Replication:OperationNotTracked"
)

// The s3Operation of replicationEventData. AWS publishes only OBJECT_PUT;
// the names for a delete marker and for a tag update are Ferry's ([Inf],
// spec §13).
const (
	OperationObjectPut       = "OBJECT_PUT"
	OperationDeleteMarkerPut = "DELETE_MARKER_PUT"
	OperationTaggingPut      = "OBJECT_TAGGING_PUT"
)

// DefaultEventRetention is how many event records the log keeps per source
// bucket: older records are dropped as newer ones arrive.
const DefaultEventRetention = 1000

// eventVersion is the record version AWS uses for replication events.
const eventVersion = "2.2"

// Event is one S3 event notification record, in AWS's event message
// structure (the members of "Records"), for a replication event.
type Event struct {
	EventVersion      string            `json:"eventVersion"`
	EventSource       string            `json:"eventSource"`
	AWSRegion         string            `json:"awsRegion"`
	EventTime         string            `json:"eventTime"`
	EventName         string            `json:"eventName"`
	UserIdentity      EventIdentity     `json:"userIdentity"`
	RequestParameters EventRequest      `json:"requestParameters"`
	ResponseElements  map[string]string `json:"responseElements"`
	S3                EventS3           `json:"s3"`
	// ReplicationEventData is the replication detail of the event.
	ReplicationEventData *ReplicationEventData `json:"replicationEventData,omitempty"`
}

// EventIdentity is the userIdentity (and ownerIdentity) of a record.
type EventIdentity struct {
	PrincipalID string `json:"principalId"`
}

// EventRequest is the requestParameters of a record.
type EventRequest struct {
	SourceIPAddress string `json:"sourceIPAddress"`
}

// EventS3 is the s3 member of a record: the source bucket and object version.
type EventS3 struct {
	SchemaVersion string `json:"s3SchemaVersion"`
	// ConfigurationID is the Id of the bucket's notification configuration
	// the record matches; the event log stores it empty and the reader
	// fills it in from the bucket's current notification configuration.
	ConfigurationID string      `json:"configurationId"`
	Bucket          EventBucket `json:"bucket"`
	Object          EventObject `json:"object"`
}

// EventBucket identifies the source bucket.
type EventBucket struct {
	Name          string        `json:"name"`
	OwnerIdentity EventIdentity `json:"ownerIdentity"`
	ARN           string        `json:"arn"`
}

// EventObject identifies the source object version. Key is URL-encoded, as
// in every S3 event notification.
type EventObject struct {
	Key       string `json:"key"`
	Size      int64  `json:"size"`
	ETag      string `json:"eTag,omitempty"`
	VersionID string `json:"versionId,omitempty"`
	Sequencer string `json:"sequencer,omitempty"`
}

// ReplicationEventData is the replication detail of a record (field names
// from AWS's event readers, spec §6.1).
type ReplicationEventData struct {
	ReplicationRuleID string `json:"replicationRuleId"`
	// DestinationBucket is the destination bucket's ARN.
	DestinationBucket string `json:"destinationBucket"`
	S3Operation       string `json:"s3Operation"`
	// RequestTime is when the source version was written.
	RequestTime string `json:"requestTime"`
	// FailureReason is the §6.2 reason of a FailedReplication event.
	FailureReason string `json:"failureReason,omitempty"`
	// Threshold is the RTC threshold in minutes ("15") on RTC events.
	// [Inf] AWS names the field without documenting its format.
	Threshold string `json:"threshold,omitempty"`
	// ReplicationTime is, on ReplicatedAfterThreshold, the whole seconds
	// from the write to the replica. [Inf] format undocumented by AWS.
	ReplicationTime string `json:"replicationTime,omitempty"`
}

// ObjectKey returns the record's object key, URL-decoded.
func (e *Event) ObjectKey() string {
	k, err := url.QueryUnescape(e.S3.Object.Key)
	if err != nil {
		return e.S3.Object.Key
	}
	return k
}

// eventTime formats a time the way S3 event records do (ISO-8601, UTC,
// milliseconds).
func eventTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// newEvent builds the record of a replication event about t.
func newEvent(name string, t *Task, at time.Time) *Event {
	op := OperationObjectPut
	switch {
	case t.TagUpdate:
		op = OperationTaggingPut
	case t.DeleteMarker:
		op = OperationDeleteMarkerPut
	}
	return &Event{
		EventVersion: eventVersion, EventSource: "aws:s3", AWSRegion: t.SourceRegion, EventTime: eventTime(at),
		EventName:         name,
		UserIdentity:      EventIdentity{PrincipalID: "s3.amazonaws.com"},
		RequestParameters: EventRequest{SourceIPAddress: "s3.amazonaws.com"},
		ResponseElements:  map[string]string{"x-amz-request-id": aws.NewRequestID(), "x-amz-id-2": aws.NewHostID()},
		S3: EventS3{SchemaVersion: "1.0",
			Bucket: EventBucket{Name: t.SourceBucket, OwnerIdentity: EventIdentity{PrincipalID: string(t.SourceAccount)}, ARN: t.SourceARN()},
			Object: EventObject{Key: url.QueryEscape(t.Key), Size: t.Size, ETag: t.ETag, VersionID: t.VersionID,
				Sequencer: fmt.Sprintf("%016X", t.Seq)}},
		ReplicationEventData: &ReplicationEventData{ReplicationRuleID: t.RuleID, DestinationBucket: "arn:aws:s3:::" + t.Destination,
			S3Operation: op, RequestTime: eventTime(t.Created)},
	}
}

// withThreshold adds the RTC threshold to an event.
func (e *Event) withThreshold() *Event {
	e.ReplicationEventData.Threshold = strconv.Itoa(OnlyMinutes)
	return e
}

// Key schema of the event log, in the replication engine's table:
//
//	'r' 'e' bucket ^id → Event   (newest first within a bucket)
var eventPrefix = meta.NewKey(tableQueue).Bytes([]byte{'e'})

func eventBucketPrefix(bucket string) meta.Key { return eventPrefix.String(bucket) }

// EventLog is the durable per-bucket log of replication events, kept in
// the metadata store next to the queue. Records are written in the batch
// that settles the replication they describe, so a settled FAILED version
// always has its event and an event never describes an unsettled one.
// Retention is bounded by count: the newest Retention records of each
// source bucket are kept (Ferry's choice; AWS delivers events and keeps
// none).
type EventLog struct {
	store     meta.Store
	retention int
	next      atomic.Uint64
	mu        sync.Mutex // serialises trimming
	sink      EventSink
}

// EventSink is where events go besides the log: S3's event notification
// delivery. Record runs inside the batch that appends the event, so what
// it writes (a pending delivery) is durable exactly when the event is;
// Committed runs after such a batch commits.
type EventSink interface {
	Record(batch meta.Batch, ev *Event)
	Committed()
}

// SetSink installs the sink; call it before the engine starts.
func (l *EventLog) SetSink(s EventSink) { l.sink = s }

// committed tells the sink that a batch with events has committed.
func (l *EventLog) committed() {
	if l.sink != nil {
		l.sink.Committed()
	}
}

// NewEventLog returns the log kept in store, keeping retention records per
// bucket (DefaultEventRetention when ≤ 0).
func NewEventLog(store meta.Store, retention int) *EventLog {
	if retention <= 0 {
		retention = DefaultEventRetention
	}
	l := &EventLog{store: store, retention: retention}
	// Ids only order records within a bucket: seeded from the wall clock,
	// they keep growing across restarts.
	l.next.Store(uint64(time.Now().UnixNano()))
	return l
}

// Append writes ev into batch under a new id.
func (l *EventLog) Append(batch meta.Batch, ev *Event) {
	id := l.next.Add(1)
	raw, err := json.Marshal(ev)
	if err != nil {
		panic(fmt.Sprintf("replication: encode event: %v", err)) // plain data
	}
	batch.Set(eventBucketPrefix(ev.S3.Bucket.Name).Uint64(^id), raw)
	if l.sink != nil {
		l.sink.Record(batch, ev)
	}
}

// Read returns a bucket's newest records, at most limit (all kept when
// limit ≤ 0), oldest first.
func (l *EventLog) Read(bucket string, limit int) ([]Event, error) {
	prefix := eventBucketPrefix(bucket)
	it, err := l.store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return nil, fmt.Errorf("replication events: read %s: %w", bucket, err)
	}
	defer it.Close()
	var out []Event
	for ok := it.First(); ok && (limit <= 0 || len(out) < limit); ok = it.Next() {
		var ev Event
		if err := json.Unmarshal(it.Value(), &ev); err != nil {
			return nil, fmt.Errorf("replication events: decode: %w", err)
		}
		out = append(out, ev)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("replication events: read %s: %w", bucket, err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// trim drops a bucket's records beyond the newest Retention.
func (l *EventLog) trim(bucket string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	prefix := eventBucketPrefix(bucket)
	end := meta.PrefixEnd(prefix)
	it, err := l.store.NewIterator(prefix, end)
	if err != nil {
		return err
	}
	var from []byte
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		if n++; n > l.retention {
			from = append([]byte(nil), it.Key()...)
			break
		}
	}
	if err := it.Close(); err != nil || from == nil {
		return err
	}
	batch := l.store.NewBatch()
	defer batch.Close()
	batch.DeleteRange(from, end)
	return batch.Commit()
}
