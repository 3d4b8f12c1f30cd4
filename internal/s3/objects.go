package s3

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/sse"
)

// PutObjectInput is PutObject's request.
type PutObjectInput struct {
	Bucket, Key string
	Body        io.Reader
	// Size is the decoded body length, -1 when the client did not say.
	Size int64
	// ContentMD5 is the Content-MD5 header (base64) or "".
	ContentMD5 string
	// ChecksumAlgorithm and Checksum come from x-amz-checksum-* headers;
	// ChecksumAtEOF yields a trailer-borne value once Body is at EOF.
	ChecksumAlgorithm checksum.Algorithm
	Checksum          string
	ChecksumAtEOF     func() string
	Attributes        ObjectAttributes
	// IfMatch and IfNoneMatch are the conditional-write headers.
	IfMatch, IfNoneMatch string
	// Encryption is what the request's encryption headers ask for; ModeNone
	// applies the bucket's default encryption.
	Encryption sse.Request
}

// PutObjectOutput is PutObject's answer.
type PutObjectOutput struct {
	// ETag is unquoted.
	ETag string
	// VersionID is "" when the bucket has never had versioning enabled.
	VersionID string
	// Checksum is the checksum the client asked for (nil when none).
	Checksum *Checksum
	// SSE is the encryption applied (nil when stored in the clear).
	SSE *sse.Envelope
}

// PutObject stores a new object version.
func (s *Service) PutObject(ctx context.Context, p aws.Principal, in PutObjectInput) (PutObjectOutput, error) {
	v := &Version{Key: in.Key, Owner: p.Account}
	if err := s.validatePut(in, v); err != nil {
		return PutObjectOutput{}, err
	}
	b, err := s.bucketFor(ctx, p, in.Bucket, putAccess(ctx, in.Key, in.Attributes, s.clock.Now())...)
	if err != nil {
		return PutObjectOutput{}, err
	}
	if err := s.ownObject(p, b, v, in.Attributes.ACL, ActionPutObject); err != nil {
		return PutObjectOutput{}, err
	}
	digested := in.ContentMD5 != "" || in.ChecksumAlgorithm != ""
	if err := s.applyLock(b, in.Attributes.Lock, digested, v); err != nil {
		return PutObjectOutput{}, err
	}
	if err := s.checkWrite(b, in.Key, in.IfMatch, in.IfNoneMatch); err != nil {
		return PutObjectOutput{}, err
	}
	key, env, err := s.newObjectKey(ctx, p, b, in.Key, in.Encryption)
	if err != nil {
		return PutObjectOutput{}, err
	}
	v.SSE = env
	if err := s.receiveData(in, v, key); err != nil {
		return PutObjectOutput{}, err
	}
	if err := s.commitWrite(b, v, in.IfMatch, in.IfNoneMatch); err != nil {
		return PutObjectOutput{}, err
	}
	out := PutObjectOutput{ETag: v.ETag, VersionID: shownVersionID(b, v), SSE: v.SSE}
	if in.ChecksumAlgorithm != "" {
		out.Checksum = v.Checksum
	}
	return out, nil
}

// validatePut checks everything that needs no I/O and fills v's attributes.
func (s *Service) validatePut(in PutObjectInput, v *Version) error {
	if err := validKey(in.Key); err != nil {
		return err
	}
	if in.IfNoneMatch != "" && in.IfNoneMatch != "*" {
		return aws.ErrIfNoneMatchNotImplemented()
	}
	if in.Size > MaxObjectSize {
		return aws.ErrEntityTooLarge(in.Size, MaxObjectSize)
	}
	return in.Attributes.apply(v)
}

// receiveData reads, verifies and stores the body, encrypted under key (nil
// for the clear), filling v's data, size, ETag and checksum; digests are of
// the plaintext. Nothing is left behind when it fails.
func (s *Service) receiveData(in PutObjectInput, v *Version, key *sse.ObjectKey) error {
	alg := in.ChecksumAlgorithm
	if alg == "" {
		alg = checksum.CRC64NVME // S3 keeps a CRC64NVME of every new object
	}
	cr, err := checksum.NewReader(in.Body, checksum.Options{
		MD5: true, ContentMD5: in.ContentMD5, Algorithm: alg,
		Expected: in.Checksum, ExpectedAtEOF: in.ChecksumAtEOF,
	})
	if err != nil {
		return err
	}
	var body io.Reader = cr
	if in.Size < 0 {
		body = io.LimitReader(cr, MaxObjectSize+1)
	}
	seg, err := s.storeData(body, in.Size, streamOf(key, 0), 0)
	if err != nil {
		return err
	}
	if seg.Size > MaxObjectSize {
		s.removeData([]Segment{seg})
		return aws.ErrEntityTooLarge(seg.Size, MaxObjectSize)
	}
	v.Size = seg.Size
	if seg.Size > 0 {
		v.Data = []Segment{seg}
	}
	v.ETag = etagFor(v.SSE, cr.MD5())
	v.Checksum = &Checksum{Algorithm: string(alg), Value: base64.StdEncoding.EncodeToString(cr.Raw()), Type: "FULL_OBJECT"}
	return nil
}

// commitWrite re-checks the write conditions under the key lock and commits
// v; on failure v's data is removed.
func (s *Service) commitWrite(b *Bucket, v *Version, ifMatch, ifNoneMatch string) error {
	unlock := s.lock(b.Name, v.Key)
	defer unlock()
	err := s.checkWrite(b, v.Key, ifMatch, ifNoneMatch)
	if err == nil {
		v.LastModified = s.clock.Now().UTC()
		err = s.commitVersion(b, v, nil)
	}
	if err != nil {
		s.removeData(v.Data)
	}
	return err
}

// checkWrite applies If-Match / If-None-Match: * to the key's current object.
func (s *Service) checkWrite(b *Bucket, key, ifMatch, ifNoneMatch string) error {
	_, err := s.checkWriteLatest(b, key, ifMatch, ifNoneMatch)
	return err
}

// checkWriteLatest is checkWrite that also returns the key's current
// version (possibly a delete marker) when it read one: nil without
// conditions or when the key has none.
func (s *Service) checkWriteLatest(b *Bucket, key, ifMatch, ifNoneMatch string) (*Version, error) {
	if ifMatch == "" && ifNoneMatch == "" {
		return nil, nil
	}
	cur, err := s.latest(b.Name, key)
	if aws.IsCode(err, "NoSuchKey") {
		cur, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	exists := cur != nil && !cur.DeleteMarker
	if ifNoneMatch != "" && exists {
		return nil, aws.ErrPreconditionFailed("If-None-Match")
	}
	if ifMatch != "" {
		if !exists {
			return nil, aws.ErrNoSuchKey(key)
		}
		if !etagMatches(ifMatch, cur.ETag) {
			return nil, aws.ErrPreconditionFailed("If-Match")
		}
	}
	return cur, nil
}

// shownVersionID is the version id S3 reports: none until the bucket has
// had versioning enabled.
func shownVersionID(b *Bucket, v *Version) string {
	if b.Versioning == "" {
		return ""
	}
	return v.VersionID
}

// GetObjectInput is GetObject's and HeadObject's request.
type GetObjectInput struct {
	Bucket, Key, VersionID string
	Conditions             Conditions
	// Range is the Range header as sent.
	Range string
	// PartNumber is the partNumber query parameter, 0 when absent.
	PartNumber int
	// Head asks for the metadata only.
	Head bool
	// Customer is the SSE-C key sent with the request.
	Customer *sse.CustomerKey
}

// GetObjectOutput is GetObject's answer.
type GetObjectOutput struct {
	Version *Version
	// VersionID is the id to report, "" when the bucket was never versioned.
	VersionID string
	// Range is the part of the object sent; nil for all of it.
	Range *ByteRange
	// PartsCount is set when partNumber addressed a multipart object.
	PartsCount int
	// NotModified means the answer is 304 with no body.
	NotModified bool
	// Body streams the selected bytes (nil for HEAD and 304).
	Body io.ReadCloser
	// ShowRetention and ShowLegalHold say whether the answer may carry the
	// version's Object Lock headers: only to callers allowed
	// s3:GetObjectRetention and s3:GetObjectLegalHold.
	ShowRetention, ShowLegalHold bool
}

// GetObject reads an object version, applying conditions, Range and partNumber.
func (s *Service) GetObject(ctx context.Context, p aws.Principal, in GetObjectInput) (GetObjectOutput, error) {
	if in.Range != "" && in.PartNumber > 0 {
		return GetObjectOutput{}, aws.ErrRangeAndPartNumber()
	}
	b, err := s.Bucket(in.Bucket)
	if err != nil {
		return GetObjectOutput{}, err
	}
	v, lookupErr := s.readableVersion(b, in.Key, in.VersionID, methodOf(in.Head))
	if err := s.authorizeRead(ctx, p, b, in.Key, in.VersionID, v, lookupErr); err != nil {
		return GetObjectOutput{}, err
	}
	if lookupErr != nil {
		return GetObjectOutput{}, lookupErr
	}
	// SSE-C keys are checked before anything about the object is told;
	// other modes open their key (a KMS call) only when bytes are sent.
	var key *sse.ObjectKey
	sseC := in.Customer != nil || (v.SSE != nil && v.SSE.Mode == sse.ModeC)
	if sseC {
		if key, err = s.openObjectKey(ctx, p, b, v, in.Customer); err != nil {
			return GetObjectOutput{}, err
		}
	}
	out := GetObjectOutput{Version: v, VersionID: shownVersionID(b, v)}
	out.ShowRetention, out.ShowLegalHold = s.visibleLock(ctx, p, b, v, in.VersionID)
	if err := in.Conditions.check(v); err != nil {
		if err == errNotModified {
			out.NotModified = true
			return out, nil
		}
		return GetObjectOutput{}, err
	}
	if out.Range, out.PartsCount, err = selectBytes(v, in.Range, in.PartNumber); err != nil {
		return GetObjectOutput{}, err
	}
	if !in.Head {
		if err := readableClass(v); err != nil {
			return GetObjectOutput{}, err
		}
		if !sseC {
			if key, err = s.openObjectKey(ctx, p, b, v, nil); err != nil {
				return GetObjectOutput{}, err
			}
		}
		off, n := int64(0), v.Size
		if out.Range != nil {
			off, n = out.Range.Offset, out.Range.Length
		}
		out.Body = s.openVerified(v, key, off, n)
	}
	return out, nil
}

// readableClass refuses reads of archived objects: they need a restore first.
func readableClass(v *Version) error {
	switch c := v.Class(); c {
	case "GLACIER", "DEEP_ARCHIVE":
		return aws.ErrInvalidObjectState(c)
	}
	return nil
}

func methodOf(head bool) string {
	if head {
		return http.MethodHead
	}
	return http.MethodGet
}

// readableVersion finds the version a read addresses and turns delete
// markers into S3's answers: 404 NoSuchKey for a current marker, 405 for a
// marker named by version id, both with x-amz-delete-marker.
func (s *Service) readableVersion(b *Bucket, key, versionID, method string) (*Version, error) {
	v, err := s.bucketVersion(b, key, versionID)
	if err != nil {
		return nil, err
	}
	if !v.DeleteMarker {
		return v, nil
	}
	if versionID == "" {
		e := aws.ErrNoSuchKey(key).WithHeader("x-amz-delete-marker", "true")
		if id := shownVersionID(b, v); id != "" {
			e = e.WithHeader("x-amz-version-id", id)
		}
		return nil, e
	}
	return nil, aws.ErrMethodNotAllowedDeleteMarker(method).
		WithHeader("x-amz-delete-marker", "true").
		WithHeader("x-amz-version-id", v.VersionID).
		WithHeader("Last-Modified", v.LastModified.UTC().Format(http.TimeFormat))
}

// selectBytes resolves Range or partNumber to the bytes to send.
func selectBytes(v *Version, rangeHeader string, part int) (*ByteRange, int, error) {
	if part == 0 {
		r, err := ParseRange(rangeHeader, v.Size)
		return r, 0, err
	}
	if len(v.Parts) == 0 {
		if part != 1 {
			return nil, 0, aws.ErrInvalidPartNumber(1, part)
		}
		if v.Size == 0 {
			return nil, 0, nil
		}
		return &ByteRange{Offset: 0, Length: v.Size}, 0, nil
	}
	if part > len(v.Parts) {
		return nil, 0, aws.ErrInvalidPartNumber(len(v.Parts), part)
	}
	var off int64
	for _, pi := range v.Parts[:part-1] {
		off += pi.Size
	}
	return &ByteRange{Offset: off, Length: v.Parts[part-1].Size}, len(v.Parts), nil
}
