package s3

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/sse"
)

// UploadPartInput is UploadPart's request.
type UploadPartInput struct {
	Bucket, Key, UploadID string
	PartNumber            int
	Body                  io.Reader
	// Size is the decoded body length, -1 when the request did not say.
	Size int64
	// ContentMD5 is the Content-MD5 header as sent.
	ContentMD5 string
	// ChecksumAlgorithm is the request's checksum algorithm and Checksum its
	// header value ("" when absent or sent in a trailer).
	ChecksumAlgorithm checksum.Algorithm
	Checksum          string
	// TrailerChecksum, if set, yields the trailer's checksum value at EOF.
	TrailerChecksum func() string
	// Customer is the SSE-C key, required when the upload uses SSE-C.
	Customer *sse.CustomerKey
}

// UploadPartOutput is what UploadPart and UploadPartCopy report.
type UploadPartOutput struct {
	ETag         string // unquoted
	LastModified time.Time
	Checksum     *Checksum
	// SourceVersionID is the copied version's id (UploadPartCopy only).
	SourceVersionID string
	// SSE is the upload's encryption.
	SSE *sse.Envelope
}

// checkPartNumber applies the 1..10000 rule.
func checkPartNumber(n int) error {
	if n < 1 || n > MaxPartNumber {
		return aws.ErrPartNumberRange(strconv.Itoa(n))
	}
	return nil
}

// UploadPart stores one part. Parts of one upload are received in parallel:
// only the short record update runs under the key's lock.
func (s *Service) UploadPart(ctx context.Context, p aws.Principal, in UploadPartInput) (UploadPartOutput, error) {
	b, err := s.bucketFor(ctx, p, in.Bucket, on(ActionPutObject, in.Key))
	if err != nil {
		return UploadPartOutput{}, err
	}
	if err := checkPartNumber(in.PartNumber); err != nil {
		return UploadPartOutput{}, err
	}
	if in.Size < 0 {
		return UploadPartOutput{}, aws.ErrMissingContentLength()
	}
	if in.Size > MaxPartSize {
		return UploadPartOutput{}, aws.ErrEntityTooLarge(in.Size, MaxPartSize)
	}
	up, err := s.loadUpload(b.Name, in.Key, in.UploadID)
	if err != nil {
		return UploadPartOutput{}, err
	}
	alg, err := partAlgorithm(up, in.ChecksumAlgorithm)
	if err != nil {
		return UploadPartOutput{}, err
	}
	key, err := s.openUploadKey(ctx, p, b, up, in.Customer)
	if err != nil {
		return UploadPartOutput{}, err
	}
	cr, err := checksum.NewReader(in.Body, checksum.Options{
		MD5: true, ContentMD5: in.ContentMD5, Algorithm: alg,
		Expected: in.Checksum, ExpectedAtEOF: in.TrailerChecksum,
	})
	if err != nil {
		return UploadPartOutput{}, err
	}
	return s.storePart(b, up, in.PartNumber, cr, alg, in.Size, key)
}

// partAlgorithm is the checksum algorithm a part is hashed with: the
// upload's, which a part may not contradict, else the part's own.
func partAlgorithm(up *Upload, sent checksum.Algorithm) (checksum.Algorithm, error) {
	if up.ChecksumAlgorithm == "" {
		return sent, nil
	}
	want := checksum.Algorithm(up.ChecksumAlgorithm)
	if sent != "" && sent != want {
		return "", aws.ErrChecksumTypeMismatch(want.Lower(), sent.Lower())
	}
	return want, nil
}

// storePart streams a part's bytes through cr into storage, encrypted under
// the upload key's part n (key nil: in the clear), then records the part. The
// record is written under the key's lock after re-checking that the upload
// still exists; a replaced part's data is removed after the commit.
func (s *Service) storePart(b *Bucket, up *Upload, n int, cr *checksum.Reader, alg checksum.Algorithm, size int64, key *sse.ObjectKey) (UploadPartOutput, error) {
	seg, err := s.storeData(cr, size, streamOf(key, n), n)
	if err != nil {
		return UploadPartOutput{}, partBodyError(err)
	}
	pt := Part{Number: n, Size: seg.Size, ETag: etagFor(up.SSE, cr.MD5()), LastModified: s.clock.Now().UTC(), Data: seg}
	if alg != "" {
		pt.Checksum = &Checksum{Algorithm: string(alg), Value: cr.Sum(alg)}
	}
	old, err := s.recordPart(b, up, &pt)
	if err != nil {
		s.removeData([]Segment{seg})
		return UploadPartOutput{}, err
	}
	if old != nil {
		s.removeData([]Segment{old.Data})
	}
	return UploadPartOutput{ETag: pt.ETag, LastModified: pt.LastModified, Checksum: pt.Checksum, SSE: up.SSE}, nil
}

// recordPart writes a part's record and returns the part it replaced.
func (s *Service) recordPart(b *Bucket, up *Upload, pt *Part) (*Part, error) {
	unlock := s.lock(b.Name, up.Key)
	defer unlock()
	if _, err := s.loadUpload(b.Name, up.Key, up.UploadID); err != nil {
		return nil, err // completed or aborted meanwhile
	}
	old, err := s.loadPart(up.UploadID, pt.Number)
	if err != nil {
		return nil, err
	}
	batch := s.store.NewBatch()
	batch.Set(partKey(up.UploadID, pt.Number), encode(pt))
	if err := commit(batch); err != nil {
		return nil, err
	}
	return old, nil
}

// UploadPartCopyInput is UploadPartCopy's request.
type UploadPartCopyInput struct {
	Bucket, Key, UploadID string
	PartNumber            int
	SourceBucket          string
	SourceKey             string
	SourceVersionID       string
	// Range is x-amz-copy-source-range as sent, "" to copy the whole source.
	Range string
	// SourceConditions are the x-amz-copy-source-if-* headers.
	SourceConditions Conditions
	// Customer is the upload's SSE-C key; SourceCustomer the source's.
	Customer, SourceCustomer *sse.CustomerKey
}

// UploadPartCopy stores a part copied from (a range of) an existing object.
func (s *Service) UploadPartCopy(ctx context.Context, p aws.Principal, in UploadPartCopyInput) (UploadPartOutput, error) {
	b, err := s.bucketFor(ctx, p, in.Bucket, on(ActionPutObject, in.Key))
	if err != nil {
		return UploadPartOutput{}, err
	}
	if err := checkPartNumber(in.PartNumber); err != nil {
		return UploadPartOutput{}, err
	}
	up, err := s.loadUpload(b.Name, in.Key, in.UploadID)
	if err != nil {
		return UploadPartOutput{}, err
	}
	key, err := s.openUploadKey(ctx, p, b, up, in.Customer)
	if err != nil {
		return UploadPartOutput{}, err
	}
	sb, src, err := s.copySourceVersion(ctx, p, in)
	if err != nil {
		return UploadPartOutput{}, err
	}
	srcKey, err := s.openObjectKey(ctx, p, sb, src, in.SourceCustomer)
	if err != nil {
		return UploadPartOutput{}, err
	}
	off, n, err := copySourceRange(in.Range, src.Size)
	if err != nil {
		return UploadPartOutput{}, err
	}
	if n > MaxPartSize {
		return UploadPartOutput{}, aws.ErrCopySourceTooLarge()
	}
	data := s.OpenData(srcKey, src.Data, off, n)
	defer data.Close()
	alg := checksum.Algorithm(up.ChecksumAlgorithm)
	cr, err := checksum.NewReader(data, checksum.Options{MD5: true, Algorithm: alg})
	if err != nil {
		return UploadPartOutput{}, err
	}
	out, err := s.storePart(b, up, in.PartNumber, cr, alg, n, key)
	if err != nil {
		return UploadPartOutput{}, err
	}
	if !src.IsNull() {
		out.SourceVersionID = src.VersionID
	}
	return out, nil
}

// copySourceVersion authorizes the read of the copy source and finds its
// bucket and the version to copy, applying the copy-source conditions.
func (s *Service) copySourceVersion(ctx context.Context, p aws.Principal, in UploadPartCopyInput) (*Bucket, *Version, error) {
	sb, err := s.bucketFor(ctx, p, in.SourceBucket, versioned(ActionGetObject, in.SourceKey, in.SourceVersionID))
	if err != nil {
		return nil, nil, err
	}
	src, err := s.copySource(sb, CopyObjectInput{SourceKey: in.SourceKey, SourceVersionID: in.SourceVersionID, SourceConditions: in.SourceConditions})
	return sb, src, err
}

// copySourceRange resolves x-amz-copy-source-range ("bytes=first-last")
// against a source of size bytes.
func copySourceRange(h string, size int64) (off, n int64, err error) {
	if h == "" {
		return 0, size, nil
	}
	spec, ok := strings.CutPrefix(h, "bytes=")
	a, z, dash := strings.Cut(spec, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(z, 10, 64)
	if !ok || !dash || err1 != nil || err2 != nil || first < 0 || last < first || !copyRangeDigits(a) || !copyRangeDigits(z) {
		return 0, 0, aws.ErrInvalidCopySourceRange(h)
	}
	if first >= size {
		return 0, 0, aws.ErrCopySourceRangeStart()
	}
	if last >= size {
		return 0, 0, aws.ErrCopySourceRangeTooLarge(size, h)
	}
	return first, last - first + 1, nil
}

func copyRangeDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
