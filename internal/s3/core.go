package s3

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/blob"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/sse"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorrupt reports stored bytes that fail their integrity check.
var errCorrupt = errors.New("s3: stored data failed its integrity check")

// storeData writes an object's (or part's) bytes: inline when they fit in
// InlineLimit, otherwise to a durable blob. size is the expected length or -1.
// With a stream key the bytes are encrypted first, so inline bytes are
// ciphertext too; the segment's Size stays the plaintext size. On success the
// bytes are durable (blobs are synced; inline bytes become durable with the
// metadata commit that records them).
func (s *Service) storeData(r io.Reader, size int64, stream *sse.Stream, part int) (Segment, error) {
	if stream == nil {
		return s.storeBytes(r, size)
	}
	er, err := stream.EncryptReader(r)
	if err != nil {
		return Segment{}, aws.Internal(err)
	}
	stored := int64(-1)
	if size >= 0 {
		stored = sse.EncryptedSize(size)
	}
	seg, err := s.storeBytes(er, stored)
	if err != nil || seg.Size == 0 {
		return seg, err
	}
	plain, err := sse.DecryptedSize(seg.Size)
	if err != nil {
		s.removeData([]Segment{seg})
		return Segment{}, aws.Internal(err)
	}
	seg.Stored, seg.Size, seg.Part = seg.Size, plain, part
	return seg, nil
}

// storeBytes stores r's bytes as they are.
func (s *Service) storeBytes(r io.Reader, size int64) (Segment, error) {
	if size >= 0 && size <= InlineLimit {
		buf := make([]byte, size)
		if _, err := io.ReadFull(r, buf); err != nil {
			return Segment{}, err
		}
		if err := expectEOF(r); err != nil {
			return Segment{}, err
		}
		return inlineSegment(buf), nil
	}
	if size < 0 {
		head := make([]byte, InlineLimit+1)
		n, err := io.ReadFull(r, head)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return inlineSegment(head[:n]), nil
		}
		if err != nil {
			return Segment{}, err
		}
		r = io.MultiReader(bytes.NewReader(head), r)
	}
	w, err := s.blobs.Create()
	if err != nil {
		return Segment{}, aws.Internal(err)
	}
	n, err := io.Copy(w, r)
	if err != nil {
		w.Abort()
		return Segment{}, err
	}
	if size >= 0 && n != size {
		w.Abort()
		return Segment{}, aws.ErrIncompleteBody()
	}
	name, err := w.Commit()
	if err != nil {
		return Segment{}, aws.Internal(err)
	}
	return Segment{Size: n, Blob: name}, nil
}

// expectEOF reads past the declared length so that verifying readers
// (payload hash, chunk signatures, trailers) reach their end and check.
func expectEOF(r io.Reader) error {
	var one [1]byte
	n, err := io.ReadFull(r, one[:])
	if n > 0 {
		return aws.ErrBodyTooLong()
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil
	}
	return err
}

func inlineSegment(b []byte) Segment {
	if len(b) == 0 {
		return Segment{}
	}
	return Segment{Size: int64(len(b)), Inline: b, CRC: crc32.Checksum(b, castagnoli)}
}

// removeData deletes the blobs behind segments whose record is gone. A
// failure leaves an orphan file, never a dangling record, so it is logged only.
func (s *Service) removeData(segs []Segment) {
	for _, seg := range segs {
		if seg.Blob == "" {
			continue
		}
		if err := s.blobs.Remove(seg.Blob); err != nil {
			s.log.Warn("could not remove blob", "blob", seg.Blob, "err", err)
		}
	}
}

// dataSize sums segment sizes.
func dataSize(segs []Segment) int64 {
	var n int64
	for _, s := range segs {
		n += s.Size
	}
	return n
}

// OpenData returns a reader over n bytes of an object's data starting at off.
// Corrupt stored bytes surface as an error from Read (never wrong bytes).
// key is the object's key, nil for data stored in the clear; an encrypted
// segment is decrypted only in the packages the range touches.
func (s *Service) OpenData(key *sse.ObjectKey, segs []Segment, off, n int64) io.ReadCloser {
	return &dataReader{s: s, key: key, segs: segs, off: off, left: n}
}

type dataReader struct {
	s    *Service
	key  *sse.ObjectKey
	segs []Segment
	off  int64 // offset within the remaining segments
	left int64
	cur  io.Reader
	blob *blob.Reader
}

func (d *dataReader) Read(p []byte) (int, error) {
	for d.left > 0 {
		if d.cur == nil {
			if err := d.next(); err != nil {
				return 0, err
			}
		}
		if int64(len(p)) > d.left {
			p = p[:d.left]
		}
		n, err := d.cur.Read(p)
		d.left -= int64(n)
		if err == io.EOF {
			d.closeBlob()
			d.cur = nil
			err = nil
		}
		if n > 0 || err != nil {
			if errors.Is(err, blob.ErrCorrupt) || errors.Is(err, sse.ErrCorrupt) {
				err = aws.Internal(err)
			}
			return n, err
		}
	}
	return 0, io.EOF
}

// next opens the segment holding d.off.
func (d *dataReader) next() error {
	for len(d.segs) > 0 && d.off >= d.segs[0].Size {
		d.off -= d.segs[0].Size
		d.segs = d.segs[1:]
	}
	if len(d.segs) == 0 {
		return aws.Internal(fmt.Errorf("read past the end of the object data"))
	}
	seg := d.segs[0]
	want := min(seg.Size-d.off, d.left)
	var src io.ReaderAt
	if seg.Blob == "" {
		if crc32.Checksum(seg.Inline, castagnoli) != seg.CRC || int64(len(seg.Inline)) != seg.storedSize() {
			return aws.Internal(errCorrupt)
		}
		src = bytes.NewReader(seg.Inline)
	} else {
		br, err := d.s.blobs.Open(seg.Blob)
		if err != nil {
			return aws.Internal(err)
		}
		d.blob, src = br, br
	}
	if err := d.open(seg, src, want); err != nil {
		d.closeBlob()
		return err
	}
	d.off += want
	return nil
}

// open sets d.cur to want plaintext bytes of seg from d.off, decrypting
// only the packages they are in when the object is encrypted.
func (d *dataReader) open(seg Segment, src io.ReaderAt, want int64) error {
	if d.key == nil {
		if d.blob != nil {
			d.cur = d.blob.Section(d.off, want)
		} else {
			d.cur = io.NewSectionReader(src, d.off, want)
		}
		return nil
	}
	r, err := d.key.Reader([]sse.Segment{{Part: seg.Part, Size: seg.Size, Src: src}}, d.off, want)
	if err != nil {
		return aws.Internal(fmt.Errorf("open segment: %w", err))
	}
	d.cur = r
	return nil
}

func (d *dataReader) closeBlob() {
	if d.blob != nil {
		d.blob.Close()
		d.blob = nil
	}
}

func (d *dataReader) Close() error {
	d.closeBlob()
	return nil
}

// getVersion finds a version: the current one when versionID is "", the null
// version for "null", else the version with that id. A current delete marker
// is returned as is; callers decide what it means for their operation.
func (s *Service) getVersion(bucket, key, versionID string) (*Version, error) {
	switch versionID {
	case "":
		return s.latest(bucket, key)
	case nullVersionID:
		raw, err := s.store.Get(nullKey(bucket, key))
		if errors.Is(err, meta.ErrNotFound) {
			return nil, aws.ErrNoSuchVersion(key, versionID)
		}
		if err != nil {
			return nil, aws.Internal(err)
		}
		seq, _, ok := meta.ReadUint64(raw)
		if !ok {
			return nil, aws.Internal(fmt.Errorf("bad null index for %s/%s", bucket, key))
		}
		return s.versionAt(bucket, key, versionID, seq)
	}
	seq, ok := ParseVersionID(versionID)
	if !ok {
		return nil, aws.ErrInvalidVersionID(versionID)
	}
	return s.versionAt(bucket, key, versionID, seq)
}

func (s *Service) versionAt(bucket, key, versionID string, seq uint64) (*Version, error) {
	raw, err := s.store.Get(versionKey(bucket, key, seq))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, aws.ErrNoSuchVersion(key, versionID)
	}
	if err != nil {
		return nil, aws.Internal(err)
	}
	var v Version
	if err := decodeVersion(raw, &v, true); err != nil {
		return nil, aws.Internal(err)
	}
	if v.VersionID != versionID {
		return nil, aws.ErrNoSuchVersion(key, versionID)
	}
	return &v, nil
}

// bucketVersion is getVersion for a caller that holds the bucket's record.
// In a bucket whose versioning was never enabled every version is the null
// version and a key has at most one, so its current version is found with
// two point reads through the null index (bloom-filtered) instead of a seek
// into every level of the LSM tree.
func (s *Service) bucketVersion(b *Bucket, key, versionID string) (*Version, error) {
	if versionID != "" || b.Versioning != "" {
		return s.getVersion(b.Name, key, versionID)
	}
	v, err := s.getVersion(b.Name, key, nullVersionID)
	if aws.IsCode(err, "NoSuchVersion") {
		return nil, aws.ErrNoSuchKey(key)
	}
	return v, err
}

// latest returns the key's current version (possibly a delete marker) or NoSuchKey.
func (s *Service) latest(bucket, key string) (*Version, error) {
	prefix := keyVersionPrefix(bucket, key)
	it, err := s.store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return nil, aws.Internal(err)
	}
	defer it.Close()
	if !it.First() {
		if err := it.Close(); err != nil {
			return nil, aws.Internal(err)
		}
		return nil, aws.ErrNoSuchKey(key)
	}
	var v Version
	if err := decodeVersion(it.Value(), &v, true); err != nil {
		return nil, aws.Internal(err)
	}
	return &v, nil
}

// commitVersion writes v as the key's newest version in one atomic batch,
// applying the bucket's versioning state: a versioned bucket gets a new
// version id; otherwise v becomes the null version and replaces the previous
// null version. extra, if not nil, adds writes to the same batch (for
// example removing a completed upload). The caller holds the key's lock.
// A version that matches the bucket's replication configuration gets its
// PENDING state and queue entries in the same batch (enqueueReplication).
// Data of a replaced null version is removed after the commit. A version
// without retention in an Object Lock bucket gets the bucket's default.
func (s *Service) commitVersion(b *Bucket, v *Version, extra func(meta.Batch)) error {
	s.applyDefaultRetention(b, v)
	v.Seq = s.seq.Next()
	batch := s.store.NewBatch()
	var replaced []Segment
	if b.Versioned() {
		if v.VersionID == "" {
			v.VersionID = NewVersionID(v.Seq)
		} else if seq, ok := ParseVersionID(v.VersionID); ok {
			v.Seq = seq // a replica keeps its source's id and position
		}
	} else {
		v.VersionID = nullVersionID
		old, err := s.getVersion(b.Name, v.Key, nullVersionID)
		switch {
		case err == nil:
			batch.Delete(versionKey(b.Name, v.Key, old.Seq))
			replaced = old.Data
		case !aws.IsCode(err, "NoSuchVersion"):
			batch.Close()
			return err
		}
		batch.Set(nullKey(b.Name, v.Key), meta.Key(nil).Uint64(v.Seq))
	}
	queued := s.enqueueReplication(b, v, batch)
	batch.Set(versionKey(b.Name, v.Key, v.Seq), encodeVersion(v))
	if extra != nil {
		extra(batch)
	}
	if err := commit(batch); err != nil {
		return err
	}
	if queued {
		s.replicator.Wake()
	}
	s.removeData(replaced)
	return nil
}

// deleteVersionRow permanently removes one version (and its null index) in
// one batch, then its data.
func (s *Service) deleteVersionRow(bucket string, v *Version, extra ...func(meta.Batch) error) error {
	batch := s.store.NewBatch()
	batch.Delete(versionKey(bucket, v.Key, v.Seq))
	if v.IsNull() {
		batch.Delete(nullKey(bucket, v.Key))
	}
	for _, add := range extra {
		if err := add(batch); err != nil {
			batch.Close()
			return err
		}
	}
	if err := commit(batch); err != nil {
		return err
	}
	s.removeData(v.Data)
	return nil
}
