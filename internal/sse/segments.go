package sse

import (
	"fmt"
	"io"
)

// Segment is one independently encrypted stream of a stored object: the
// whole object (Part 0), or one part of a multipart object (Part 1 to
// 10000), in the order the parts make up the object.
type Segment struct {
	Part int
	// Size is the segment's plaintext size; its stored size is
	// EncryptedSize(Size).
	Size int64
	// Src reads the segment's stored (encrypted) bytes: an inline record's
	// bytes (bytes.Reader) or a blob file (blob.Reader).
	Src io.ReaderAt
}

// Reader returns n plaintext bytes of the object starting at off, decrypting
// only the packages of the segments the range touches. It is what S3's
// OpenData becomes for an encrypted object.
func (k *ObjectKey) Reader(segs []Segment, off, n int64) (io.Reader, error) {
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("sse: bad range %d+%d", off, n)
	}
	var readers []io.Reader
	for _, seg := range segs {
		if n == 0 {
			break
		}
		if off >= seg.Size {
			off -= seg.Size
			continue
		}
		want := min(seg.Size-off, n)
		r, err := k.Part(seg.Part).DecryptRange(seg.Src, seg.Size, off, want)
		if err != nil {
			return nil, err
		}
		readers = append(readers, r)
		off, n = 0, n-want
	}
	if n > 0 {
		return nil, fmt.Errorf("sse: range ends %d bytes past the object", n)
	}
	return io.MultiReader(readers...), nil
}
