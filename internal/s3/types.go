// Package s3 is Ferry's S3 service: buckets, object versions, multipart
// uploads and tags, kept in a meta.Store (records) and a blob.Store (bytes).
// It knows nothing about HTTP; internal/s3api translates the wire to the
// typed methods here.
//
// Key schema (meta.Key tuples; one byte names the table):
//
//	'B' name                      → Bucket
//	'A' account name              → (empty) the account's bucket index
//	'V' bucket key ^seq           → Version, newest first within a key
//	'N' bucket key                → seq of the key's null version
//	'U' bucket key uploadID       → Upload
//	'P' uploadID partNumber       → Part
//
// There is no separate "latest" row: the first 'V' row of a key is its
// current version, so a listing of current objects is a scan that takes the
// first row of each key and seeks past the rest.
package s3

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/sse"
)

// Table prefixes of the key schema.
const (
	tableBucket    = 'B'
	tableAccount   = 'A'
	tableVersion   = 'V'
	tableNull      = 'N'
	tableUpload    = 'U'
	tablePart      = 'P'
	versioningOn   = "Enabled"
	versioningOff  = "Suspended"
	nullVersionID  = "null"
	defaultStorage = "STANDARD"
)

// Bucket is a bucket's record.
type Bucket struct {
	Name    string        `json:"name"`
	Account aws.AccountID `json:"account"`
	Region  string        `json:"region"`
	Created time.Time     `json:"created"`
	// Versioning is "" (never enabled), "Enabled" or "Suspended".
	Versioning      string `json:"versioning,omitempty"`
	ObjectOwnership string `json:"objectOwnership,omitempty"`
	// Encryption is the default encryption (PutBucketEncryption); nil means
	// S3's default, SSE-S3.
	Encryption *BucketEncryption `json:"encryption,omitempty"`
	// Policy is the bucket policy as put (validated), "" when none.
	Policy string `json:"policy,omitempty"`
	// Replication is the bucket's replication configuration, nil when it has
	// none. It is shared by cached copies of the record: replace, never modify.
	Replication *replication.Configuration `json:"replication,omitempty"`
	// PublicAccessBlock is the bucket's S3 Block Public Access
	// configuration, nil when it has none (public_access.go). Shared by
	// cached copies like Replication: replace, never modify.
	PublicAccessBlock *PublicAccessBlock `json:"publicAccessBlock,omitempty"`
	// Notification is the event notification configuration, nil when it
	// has none. Shared like Replication: replace, never modify.
	Notification *NotificationConfiguration `json:"notification,omitempty"`
	// ACL is the bucket's access control list, nil for the default (the
	// owner's FULL_CONTROL); see acl.go.
	ACL []Grant `json:"acl,omitempty"`
	// ObjectLock is the bucket's Object Lock configuration, nil when Object
	// Lock is not enabled (objectlock.go). Shared like Replication.
	ObjectLock *ObjectLock `json:"objectLock,omitempty"`
}

// OwnershipEnforced is Object Ownership BucketOwnerEnforced, the default of
// new buckets: the bucket owner owns every object and ACLs are disabled.
const OwnershipEnforced = "BucketOwnerEnforced"

// OwnerEnforced reports whether the bucket owner owns every object in the
// bucket. A bucket whose ownership controls were deleted ("") behaves as
// ObjectWriter.
func (b *Bucket) OwnerEnforced() bool { return b.ObjectOwnership == OwnershipEnforced }

// Versioned reports whether new writes create new versions.
func (b *Bucket) Versioned() bool { return b.Versioning == versioningOn }

// ARN is the bucket's ARN.
func (b *Bucket) ARN() string { return "arn:aws:s3:::" + b.Name }

// Tag is one object or bucket tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// Checksum is a stored additional checksum.
type Checksum struct {
	Algorithm string `json:"alg"`            // CRC32, CRC32C, CRC64NVME, SHA1, SHA256
	Value     string `json:"val"`            // base64, with "-N" for composite multipart
	Type      string `json:"type,omitempty"` // FULL_OBJECT or COMPOSITE
}

// Segment is one contiguous piece of an object's bytes: inline in the record
// or in a blob file. A simple object has one segment; a multipart object has
// one per part, so no bytes are copied at completion.
type Segment struct {
	Size   int64  `json:"size"`
	Blob   string `json:"blob,omitempty"`
	Inline []byte `json:"inline,omitempty"`
	// CRC is the CRC32C of inline bytes, checked on every read.
	CRC uint32 `json:"crc,omitempty"`
	// Stored is the stored (encrypted) size when it differs from Size, the
	// plaintext size; Part names the segment's encryption stream (0 for a
	// single-part object, else the part number).
	Stored int64 `json:"stored,omitempty"`
	Part   int   `json:"part,omitempty"`
}

// storedSize is the number of bytes the segment occupies in storage.
func (sg Segment) storedSize() int64 {
	if sg.Stored > 0 {
		return sg.Stored
	}
	return sg.Size
}

// PartInfo is the layout of one part of a multipart object, kept so that
// GET ?partNumber, GetObjectAttributes and replicas reproduce it.
type PartInfo struct {
	Number   int       `json:"n"`
	Size     int64     `json:"size"`
	ETag     string    `json:"etag"`
	Checksum *Checksum `json:"cs,omitempty"`
}

// Version is one object version or delete marker.
type Version struct {
	Key          string    `json:"key"`
	VersionID    string    `json:"vid"` // "null" for null versions
	Seq          uint64    `json:"seq"`
	DeleteMarker bool      `json:"dm,omitempty"`
	LastModified time.Time `json:"mtime"`
	// Owner is the account that owns the version: its writer, or the
	// bucket owner under Object Ownership (objectOwner).
	Owner aws.AccountID `json:"owner"`
	// ACL is the version's access control list, nil for the default (the
	// owner's FULL_CONTROL).
	ACL []Grant `json:"acl,omitempty"`

	Size               int64             `json:"size"`
	ETag               string            `json:"etag,omitempty"` // unquoted: hex MD5, or hex-N for multipart
	ContentType        string            `json:"ctype,omitempty"`
	ContentEncoding    string            `json:"cenc,omitempty"`
	ContentDisposition string            `json:"cdisp,omitempty"`
	ContentLanguage    string            `json:"clang,omitempty"`
	CacheControl       string            `json:"cache,omitempty"`
	Expires            string            `json:"expires,omitempty"`
	Metadata           map[string]string `json:"meta,omitempty"` // x-amz-meta-* names, lower case, without prefix
	Tags               []Tag             `json:"tags,omitempty"`
	StorageClass       string            `json:"sc,omitempty"`
	Checksum           *Checksum         `json:"cs,omitempty"`
	Parts              []PartInfo        `json:"parts,omitempty"`
	Data               []Segment         `json:"data,omitempty"`
	// SSE says how the data is encrypted; nil for objects stored in the
	// clear (written before encryption at rest, or delete markers).
	SSE *sse.Envelope `json:"sse,omitempty"`
	// Replication is the version's replication state (x-amz-replication-status):
	// nil when no rule matched it, REPLICA for a replica.
	Replication *replication.State `json:"repl,omitempty"`
	// Retention is the version's Object Lock retention, nil for none;
	// LegalHold its legal hold: "" (never set), "ON" or "OFF".
	Retention *Retention `json:"ret,omitempty"`
	LegalHold string     `json:"lh,omitempty"`
}

// IsNull reports whether this is the key's null version.
func (v *Version) IsNull() bool { return v.VersionID == nullVersionID }

// Class returns the storage class, STANDARD when unset.
func (v *Version) Class() string {
	if v.StorageClass == "" {
		return defaultStorage
	}
	return v.StorageClass
}

// Upload is an in-progress multipart upload.
type Upload struct {
	Bucket    string        `json:"bucket"`
	Key       string        `json:"key"`
	UploadID  string        `json:"id"`
	Initiated time.Time     `json:"initiated"`
	Initiator aws.Principal `json:"initiator"`
	Owner     aws.AccountID `json:"owner"`
	// Template holds the headers-derived attributes the final version gets
	// (content headers, metadata, tags, storage class, checksum algorithm).
	Template          Version `json:"template"`
	ChecksumAlgorithm string  `json:"csalg,omitempty"`
	ChecksumType      string  `json:"cstype,omitempty"`
	// SSE is the encryption every part and the final object get.
	SSE *sse.Envelope `json:"sse,omitempty"`
	// Conflicted records that the key's object was deleted while the
	// upload was in progress, in a bucket whose versioning was never
	// enabled (a versioned bucket keeps the delete marker instead).
	Conflicted bool `json:"conflict,omitempty"`
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	Number       int       `json:"n"`
	Size         int64     `json:"size"`
	ETag         string    `json:"etag"` // unquoted hex MD5
	LastModified time.Time `json:"mtime"`
	Checksum     *Checksum `json:"cs,omitempty"`
	Data         Segment   `json:"data"`
}

func bucketKey(name string) []byte { return meta.NewKey(tableBucket).String(name) }

func accountBucketKey(account aws.AccountID, name string) []byte {
	return meta.NewKey(tableAccount).String(string(account)).String(name)
}

func accountBucketPrefix(account aws.AccountID) []byte {
	return meta.NewKey(tableAccount).String(string(account))
}

// versionPrefix is the prefix of all rows of a bucket (key == nil) or of one key.
func bucketVersionPrefix(bucket string) meta.Key { return meta.NewKey(tableVersion).String(bucket) }

func keyVersionPrefix(bucket, key string) meta.Key { return bucketVersionPrefix(bucket).String(key) }

func versionKey(bucket, key string, seq uint64) []byte {
	return keyVersionPrefix(bucket, key).Uint64(^seq)
}

func nullKey(bucket, key string) []byte { return meta.NewKey(tableNull).String(bucket).String(key) }

func uploadPrefix(bucket string) meta.Key { return meta.NewKey(tableUpload).String(bucket) }

func uploadKey(bucket, key, uploadID string) []byte {
	return uploadPrefix(bucket).String(key).String(uploadID)
}

func partPrefix(uploadID string) meta.Key { return meta.NewKey(tablePart).String(uploadID) }

func partKey(uploadID string, n int) []byte { return partPrefix(uploadID).Uint64(uint64(n)) }

// encode and decode are the record codec for every table.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("s3: encode %T: %v", v, err)) // records are plain data
	}
	return b
}

func decode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("s3: decode %T: %w", v, err)
	}
	return nil
}

// scanRecords decodes each record in [lower, upper) in key order and calls
// fn with its key (valid until fn returns) until fn returns false.
func scanRecords[T any](store meta.Store, lower, upper []byte, fn func(key []byte, v *T) bool) error {
	it, err := store.NewIterator(lower, upper)
	if err != nil {
		return aws.Internal(err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		var v T
		if err := decode(it.Value(), &v); err != nil {
			return aws.Internal(err)
		}
		if !fn(it.Key(), &v) {
			break
		}
	}
	if err := it.Close(); err != nil {
		return aws.Internal(err)
	}
	return nil
}

// Sequencer hands out strictly increasing sequence numbers derived from the
// wall clock (nanoseconds), so versions sort by write time across restarts.
type Sequencer struct {
	mu    sync.Mutex
	last  uint64
	clock aws.Clock
}

// Next returns a sequence number larger than every earlier one.
func (s *Sequencer) Next() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := uint64(s.clock.Now().UnixNano())
	if n <= s.last {
		n = s.last + 1
	}
	s.last = n
	return n
}

// versionIDEncoding writes 24-byte ids as 32 URL-safe characters.
// The alphabet is in ASCII order, so ids compare as strings in the order of
// their sequence numbers (upload ids then list by initiation time).
var versionIDEncoding = base64.NewEncoding(".0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz").WithPadding(base64.NoPadding)

// NewVersionID returns a 32-character version id that carries seq (so the
// row can be found without an index) and 16 random bytes.
func NewVersionID(seq uint64) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], seq)
	rand.Read(b[8:])
	return versionIDEncoding.EncodeToString(b[:])
}

// ParseVersionID returns the sequence number inside a version id.
func ParseVersionID(id string) (uint64, bool) {
	if len(id) != 32 {
		return 0, false
	}
	b, err := versionIDEncoding.DecodeString(id)
	if err != nil || len(b) != 24 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[:8]), true
}

// NewUploadID returns a multipart upload id that sorts by creation time.
func NewUploadID(seq uint64) string { return NewVersionID(seq) + NewVersionID(seq) }
