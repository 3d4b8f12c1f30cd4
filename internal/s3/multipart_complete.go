package s3

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/sse"
)

// CompletedPart is one entry of CompleteMultipartUpload's part list.
type CompletedPart struct {
	Number int
	ETag   string // as sent, quoted or not
	// Checksums maps an algorithm to the part checksum sent for it.
	Checksums map[checksum.Algorithm]string
}

// CompleteMultipartUploadInput is CompleteMultipartUpload's request.
type CompleteMultipartUploadInput struct {
	Bucket, Key, UploadID string
	Parts                 []CompletedPart
	// ChecksumType is the x-amz-checksum-type header as sent.
	ChecksumType string
	// ChecksumAlgorithm and Checksum are a whole-object x-amz-checksum-* header.
	ChecksumAlgorithm checksum.Algorithm
	Checksum          string
	// ObjectSize is the x-amz-mp-object-size header as sent ("" when absent).
	ObjectSize string
	// IfMatch and IfNoneMatch are the conditional-write headers.
	IfMatch, IfNoneMatch string
}

// CompleteMultipartUploadOutput is CompleteMultipartUpload's answer.
type CompleteMultipartUploadOutput struct {
	ETag      string // unquoted
	Checksum  *Checksum
	VersionID string // "" when the bucket never had versioning
	SSE       *sse.Envelope
}

// CompleteMultipartUpload assembles the listed parts into the key's new
// version. The version refers to the parts' stored data, so no bytes are
// copied; the version, the removal of the upload and of its part records
// commit in one batch. Data of uploaded but unlisted parts is removed after.
func (s *Service) CompleteMultipartUpload(ctx context.Context, p aws.Principal, in CompleteMultipartUploadInput) (CompleteMultipartUploadOutput, error) {
	b, err := s.bucketFor(ctx, p, in.Bucket, on(ActionPutObject, in.Key))
	if err != nil {
		return CompleteMultipartUploadOutput{}, err
	}
	if err := checkPartList(in); err != nil {
		return CompleteMultipartUploadOutput{}, err
	}
	unlock := s.lock(b.Name, in.Key)
	defer unlock()
	up, err := s.loadUpload(b.Name, in.Key, in.UploadID)
	if err != nil {
		return CompleteMultipartUploadOutput{}, err
	}
	stored, err := s.allParts(up.UploadID)
	if err != nil {
		return CompleteMultipartUploadOutput{}, err
	}
	v, unused, err := s.assemble(up, in, stored)
	if err != nil {
		return CompleteMultipartUploadOutput{}, err
	}
	cur, err := s.checkWriteLatest(b, in.Key, in.IfMatch, in.IfNoneMatch)
	if err != nil {
		return CompleteMultipartUploadOutput{}, err
	}
	if err := checkConflict(up, cur, in.IfNoneMatch); err != nil {
		return CompleteMultipartUploadOutput{}, err
	}
	if err := s.commitVersion(b, v, func(batch meta.Batch) { dropUpload(batch, up) }); err != nil {
		return CompleteMultipartUploadOutput{}, err
	}
	s.removeData(unused)
	out := CompleteMultipartUploadOutput{ETag: v.ETag, Checksum: v.Checksum, SSE: v.SSE}
	if b.Versioning != "" {
		out.VersionID = v.VersionID
	}
	return out, nil
}

// checkPartList applies the rules that need no stored state.
func checkPartList(in CompleteMultipartUploadInput) error {
	if len(in.Parts) == 0 {
		return aws.ErrNoParts()
	}
	for i, pt := range in.Parts {
		if err := checkPartNumber(pt.Number); err != nil {
			return err
		}
		if i > 0 && pt.Number <= in.Parts[i-1].Number {
			return aws.ErrInvalidPartOrder(in.UploadID)
		}
	}
	return nil
}

// assemble checks the listed parts against the stored ones and builds the
// new version. It returns the data of the stored parts left out.
func (s *Service) assemble(up *Upload, in CompleteMultipartUploadInput, stored []*Part) (*Version, []Segment, error) {
	if in.ChecksumType != "" && in.ChecksumType != up.ChecksumType {
		return nil, nil, aws.ErrChecksumModeMismatch(string(up.ChecksumType))
	}
	byNumber := make(map[int]*Part, len(stored))
	for _, pt := range stored {
		byNumber[pt.Number] = pt
	}
	used, err := matchParts(up, in.Parts, byNumber)
	if err != nil {
		return nil, nil, err
	}
	v := up.Template
	v.Key, v.Owner, v.LastModified, v.SSE = up.Key, up.Owner, s.clock.Now().UTC(), up.SSE
	if err := layoutParts(&v, used); err != nil {
		return nil, nil, err
	}
	if err := checkMPObjectSize(in.ObjectSize, v.Size); err != nil {
		return nil, nil, err
	}
	if v.Checksum, err = multipartChecksum(up, in, used); err != nil {
		return nil, nil, err
	}
	var unused []Segment
	for _, pt := range stored {
		if byNumber[pt.Number] != nil {
			unused = append(unused, pt.Data)
		}
	}
	return &v, unused, nil
}

// matchParts finds each listed part among the stored ones (removing it from
// byNumber), then applies the size and part checksum rules.
func matchParts(up *Upload, list []CompletedPart, byNumber map[int]*Part) ([]*Part, error) {
	used := make([]*Part, 0, len(list))
	for _, cp := range list {
		etag := strings.Trim(strings.TrimSpace(cp.ETag), `"`)
		pt := byNumber[cp.Number]
		if pt == nil || pt.ETag != etag {
			return nil, aws.ErrInvalidPart(up.UploadID, cp.Number, etag)
		}
		used = append(used, pt)
	}
	for i, pt := range used {
		if i < len(used)-1 && pt.Size < MinPartSize {
			return nil, aws.ErrEntityTooSmall(pt.Size, pt.Number, pt.ETag)
		}
	}
	for i, pt := range used {
		if err := checkPartChecksum(up, list[i], pt); err != nil {
			return nil, err
		}
		delete(byNumber, pt.Number)
	}
	return used, nil
}

// checkPartChecksum compares a listed part checksum with the stored one. A
// COMPOSITE upload requires one for every part.
func checkPartChecksum(up *Upload, cp CompletedPart, pt *Part) error {
	if up.ChecksumAlgorithm == "" {
		return nil
	}
	alg := checksum.Algorithm(up.ChecksumAlgorithm)
	sent := cp.Checksums[alg]
	if sent == "" {
		if up.ChecksumType == ChecksumComposite {
			return aws.ErrMissingPartChecksum(alg.Lower(), cp.Number)
		}
		return nil
	}
	if pt.Checksum == nil || pt.Checksum.Value != sent {
		return aws.ErrBadPartChecksum(alg.Lower(), cp.Number)
	}
	return nil
}

// layoutParts sets the version's data, parts, size and multipart ETag.
func layoutParts(v *Version, used []*Part) error {
	v.Data, v.Parts, v.Size = nil, nil, 0
	md5s := make([][]byte, 0, len(used))
	for _, pt := range used {
		raw, err := hex.DecodeString(pt.ETag)
		if err != nil {
			return aws.Internal(fmt.Errorf("part %d has a malformed ETag %q", pt.Number, pt.ETag))
		}
		md5s = append(md5s, raw)
		if pt.Data.Size > 0 {
			v.Data = append(v.Data, pt.Data)
		}
		v.Parts = append(v.Parts, PartInfo{Number: pt.Number, Size: pt.Size, ETag: pt.ETag, Checksum: pt.Checksum})
		v.Size += pt.Size
	}
	v.ETag = checksum.MultipartETag(md5s)
	return nil
}

// checkMPObjectSize applies x-amz-mp-object-size.
func checkMPObjectSize(sent string, size int64) error {
	if sent == "" {
		return nil
	}
	n, err := strconv.ParseInt(sent, 10, 64)
	if err != nil || n != size {
		return aws.ErrMPObjectSize(sent, size)
	}
	return nil
}

// multipartChecksum computes the object's checksum from its parts' checksums
// and compares it with a whole-object checksum the request sent.
func multipartChecksum(up *Upload, in CompleteMultipartUploadInput, used []*Part) (*Checksum, error) {
	if up.ChecksumAlgorithm == "" {
		return nil, nil
	}
	alg := checksum.Algorithm(up.ChecksumAlgorithm)
	var cs *Checksum
	switch up.ChecksumType {
	case ChecksumFullObject:
		crcs := make([]checksum.Part, 0, len(used))
		for _, pt := range used {
			crcs = append(crcs, checksum.Part{Checksum: rawChecksum(pt), Size: pt.Size})
		}
		sum, ok := checksum.FullObjectCRC(alg, crcs)
		if !ok {
			return nil, aws.Internal(fmt.Errorf("upload %s: cannot combine %s part checksums", up.UploadID, alg))
		}
		cs = &Checksum{Algorithm: string(alg), Value: base64.StdEncoding.EncodeToString(sum), Type: ChecksumFullObject}
	default:
		sums := make([][]byte, 0, len(used))
		for _, pt := range used {
			sums = append(sums, rawChecksum(pt))
		}
		cs = &Checksum{Algorithm: string(alg), Value: checksum.Composite(alg, sums), Type: ChecksumComposite}
	}
	if in.Checksum != "" && in.ChecksumAlgorithm == alg {
		value, _, _ := strings.Cut(cs.Value, "-")
		sent, _, _ := strings.Cut(in.Checksum, "-")
		if sent != value {
			return nil, aws.ErrBadCompleteChecksum(alg.Lower())
		}
	}
	return cs, nil
}

// rawChecksum decodes a part's stored checksum (nil when it has none).
func rawChecksum(pt *Part) []byte {
	if pt.Checksum == nil {
		return nil
	}
	raw, _ := base64.StdEncoding.DecodeString(pt.Checksum.Value)
	return raw
}

// checkConflict is If-None-Match's answer to a key deleted while the upload
// was in progress: a conflicting operation (ConditionalRequestConflict),
// where an object there now is a failed precondition (checkWrite). In a
// versioned bucket the delete shows as a delete marker newer than the
// upload; in a bucket never versioned the delete marked the upload
// (conflictUploads). [Inf] A delete that found no object is not counted.
// cur is the key's current version checkWriteLatest read (nil: none).
func checkConflict(up *Upload, cur *Version, ifNoneMatch string) error {
	if ifNoneMatch == "" {
		return nil
	}
	if up.Conflicted {
		return aws.ErrConditionalRequestConflict(up.Key)
	}
	if cur != nil && cur.DeleteMarker && cur.LastModified.After(up.Initiated) {
		return aws.ErrConditionalRequestConflict(up.Key)
	}
	return nil
}
