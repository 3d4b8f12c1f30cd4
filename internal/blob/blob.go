// Package blob keeps object bytes in files under the data directory. Files
// are written under a temporary name, synced and renamed into place, so a
// crash never exposes a partial blob; all paths go through an os.Root so no
// name can escape the directory.
//
// Every blob carries checksums that are verified on every read, so a
// damaged disk sector or a truncated file is reported as ErrCorrupt instead
// of returning wrong bytes.
//
// # On-disk format (version 1)
//
// A blob file is a 32-byte header followed by the data cut into blocks:
//
//	header (32 bytes, little-endian):
//	  0..3   magic "FRYB"
//	  4      format version, 1
//	  5      log2 of the block size (16: 64 KiB blocks)
//	  6..7   reserved, zero
//	  8..15  logical data size in bytes (uint64)
//	  16..27 reserved, zero
//	  28..31 CRC-32C (Castagnoli) of bytes 0..27
//	blocks, one after another:
//	  data   block size bytes; only the last block may be shorter, and a
//	         blob of size 0 has no blocks
//	  crc    CRC-32C (uint32) of the block's index as a little-endian
//	         uint64 followed by its data
//
// Mixing the index into each block's checksum also catches blocks that were
// written to the wrong place. The file size is fully determined by the
// logical size, so Open rejects truncated or extended files.
package blob

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path"
	"strings"
	"sync"
)

// ErrCorrupt reports a blob whose bytes on disk fail their checksums or
// whose file does not have the expected layout. Callers should treat it as
// an internal error; no data from the failed read is returned.
var ErrCorrupt = errors.New("blob: corrupt")

const (
	tmpDir = "tmp"

	magic      = "FRYB"
	version    = 1
	headerSize = 32
	crcSize    = 4

	blockShift = 16
	blockSize  = 1 << blockShift // data bytes per block

	// chunkBlocks is how many blocks one write or read syscall moves at most.
	chunkBlocks = 16
	chunkSize   = chunkBlocks * (blockSize + crcSize)

	// writebackSize is how much a writer lets pile up in the page cache
	// before it starts the kernel writing it out (large blobs only).
	writebackSize = 4 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// chunkPool holds buffers of chunkSize (plus room for a header) bytes,
// shared by writers and readers.
var chunkPool = sync.Pool{New: func() any {
	b := make([]byte, 0, headerSize+chunkSize)
	return &b
}}

// blockCRC is the checksum of block idx holding data.
func blockCRC(idx uint64, data []byte) uint32 {
	// Feed the index bytewise through the table; this is crc32.Update over
	// its 8 little-endian bytes without putting a buffer on the heap.
	crc := ^uint32(0)
	for i := 0; i < 8; i++ {
		crc = castagnoli[byte(crc)^byte(idx>>(8*i))] ^ (crc >> 8)
	}
	return crc32.Update(^crc, castagnoli, data)
}

// physicalSize is the file size of a blob holding size data bytes in blocks
// of 1<<shift bytes.
func physicalSize(size int64, shift uint) int64 {
	bs := int64(1) << shift
	return headerSize + size + crcSize*((size+bs-1)/bs)
}

func encodeHeader(size int64) []byte {
	h := make([]byte, headerSize)
	copy(h, magic)
	h[4] = version
	h[5] = blockShift
	binary.LittleEndian.PutUint64(h[8:], uint64(size))
	binary.LittleEndian.PutUint32(h[28:], crc32.Checksum(h[:28], castagnoli))
	return h
}

// decodeHeader validates a header and returns the logical size and block
// shift.
func decodeHeader(h []byte) (size int64, shift uint, err error) {
	if string(h[:4]) != magic {
		return 0, 0, fmt.Errorf("%w: bad magic %q", ErrCorrupt, h[:4])
	}
	if got, want := binary.LittleEndian.Uint32(h[28:]), crc32.Checksum(h[:28], castagnoli); got != want {
		return 0, 0, fmt.Errorf("%w: header checksum %08x, want %08x", ErrCorrupt, got, want)
	}
	if h[4] != version {
		return 0, 0, fmt.Errorf("%w: unknown format version %d", ErrCorrupt, h[4])
	}
	shift = uint(h[5])
	if shift < 12 || shift > 24 {
		return 0, 0, fmt.Errorf("%w: bad block size 1<<%d", ErrCorrupt, shift)
	}
	size = int64(binary.LittleEndian.Uint64(h[8:]))
	if size < 0 {
		return 0, 0, fmt.Errorf("%w: bad size %d", ErrCorrupt, size)
	}
	return size, shift, nil
}

// Store is a directory of immutable blobs.
type Store struct {
	root *os.Root
}

// Open opens (creating if needed) the blob directory and removes temporary
// files left behind by a crash.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(path.Join(dir, tmpDir), 0o700); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", dir, err)
	}
	s := &Store{root: root}
	if err := s.removeTemps(); err != nil {
		root.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the directory.
func (s *Store) Close() error { return s.root.Close() }

func (s *Store) removeTemps() error {
	f, err := s.root.Open(tmpDir)
	if err != nil {
		return fmt.Errorf("blob: open temp dir: %w", err)
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("blob: list temp dir: %w", err)
	}
	for _, n := range names {
		if err := s.root.Remove(path.Join(tmpDir, n)); err != nil {
			return fmt.Errorf("blob: remove orphan %s: %w", n, err)
		}
	}
	return nil
}

func newName() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// location spreads blobs over 256 subdirectories.
func location(name string) string { return path.Join(name[:2], name) }

// Writer writes one new blob. It buffers up to chunkBlocks blocks and
// writes them with one system call.
type Writer struct {
	s    *Store
	f    *os.File
	name string
	size int64

	bufp       *[]byte // pooled buffer: framed blocks, then the open block
	buf        []byte
	blockStart int    // offset in buf of the open block's data
	block      uint64 // index of the open block
	err        error  // first write error; the blob is then unusable
	done       bool
	written    int64 // bytes handed to the file
	flushedTo  int64 // bytes handed to early writeback
	inflight   chan error
	pending    int // background writes in flight
}

// Create starts a new blob.
func (s *Store) Create() (*Writer, error) {
	name := newName()
	f, err := s.root.OpenFile(path.Join(tmpDir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("blob: create: %w", err)
	}
	bufp := chunkPool.Get().(*[]byte)
	// The header is written last, once the size is known; reserve its room.
	buf := append((*bufp)[:0], make([]byte, headerSize)...)
	return &Writer{s: s, f: f, name: name, bufp: bufp, buf: buf, blockStart: headerSize}, nil
}

// Write appends p to the blob.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("blob: write after commit or abort")
	}
	if w.err != nil {
		return 0, w.err
	}
	written := 0
	for len(p) > 0 {
		n := min(blockSize-(len(w.buf)-w.blockStart), len(p))
		w.buf = append(w.buf, p[:n]...)
		p = p[n:]
		written += n
		w.size += int64(n)
		if len(w.buf)-w.blockStart == blockSize {
			w.seal()
			if cap(w.buf)-len(w.buf) < blockSize+crcSize {
				if err := w.flush(false); err != nil {
					return written, err
				}
			}
		}
	}
	return written, nil
}

// seal appends the open block's checksum and opens the next block.
func (w *Writer) seal() {
	w.buf = binary.LittleEndian.AppendUint32(w.buf, blockCRC(w.block, w.buf[w.blockStart:]))
	w.block++
	w.blockStart = len(w.buf)
}

// flush hands the sealed blocks to a background write at their offset and
// goes on in a fresh buffer, so the next chunk is hashed and framed while
// the kernel copies this one. Up to maxInflight writes run at once: on a
// small machine the copy into the page cache costs as much CPU as the
// hashing, and two of them keep both cores busy.
func (w *Writer) flush(final bool) error {
	if w.pending == maxInflight {
		w.waitOne()
	}
	if w.err != nil {
		return w.err
	}
	data, datap := w.buf[:w.blockStart], w.bufp
	w.bufp = chunkPool.Get().(*[]byte)
	w.buf = append((*w.bufp)[:0], w.buf[w.blockStart:]...)
	w.blockStart = 0
	off := w.written
	w.written += int64(len(data))
	from, to := w.flushedTo, w.written
	if to-from >= writebackSize {
		w.flushedTo = to
	} else {
		to = from // not enough yet: no early writeback
	}
	if w.inflight == nil {
		w.inflight = make(chan error, maxInflight)
	}
	write := func() {
		_, err := w.f.WriteAt(data, off)
		if err == nil && to > from {
			startWriteback(w.f, from, to-from) // advisory: pages not yet written are skipped
		}
		*datap = data[:0]
		chunkPool.Put(datap)
		w.inflight <- err
	}
	w.pending++
	if final {
		write() // nothing left to overlap with
		return w.wait()
	}
	go write()
	return nil
}

// maxInflight is how many background writes a Writer runs at once.
const maxInflight = 2

// waitOne waits for one write in flight and keeps its error.
func (w *Writer) waitOne() {
	w.pending--
	if err := <-w.inflight; err != nil && w.err == nil {
		w.err = fmt.Errorf("blob: write %s: %w", w.name, err)
	}
}

// wait waits for every write in flight and returns the writer's error.
func (w *Writer) wait() error {
	for w.pending > 0 {
		w.waitOne()
	}
	return w.err
}

// Size is the number of bytes written so far.
func (w *Writer) Size() int64 { return w.size }

func (w *Writer) release() {
	if w.bufp != nil {
		*w.bufp = w.buf[:0]
		chunkPool.Put(w.bufp)
		w.bufp, w.buf = nil, nil
	}
}

// fail discards the temporary file after an error in Commit.
func (w *Writer) fail(err error) (string, error) {
	w.wait()
	w.f.Close()
	w.s.root.Remove(path.Join(tmpDir, w.name))
	return "", err
}

// Commit writes the remaining data and the header, syncs the blob and moves
// it into place; it returns the blob's name.
func (w *Writer) Commit() (string, error) {
	if w.done {
		return "", errors.New("blob: commit after commit or abort")
	}
	w.done = true
	defer w.release()
	if w.err != nil {
		return w.fail(w.err)
	}
	if len(w.buf) > w.blockStart {
		w.seal()
	}
	if err := w.flush(true); err != nil {
		return w.fail(err)
	}
	if _, err := w.f.WriteAt(encodeHeader(w.size), 0); err != nil {
		return w.fail(fmt.Errorf("blob: write header: %w", err))
	}
	// Only a synced file is moved into place, so a crash never leaves a
	// partial blob outside the temporary directory, which Open empties.
	if err := w.f.Sync(); err != nil {
		return w.fail(fmt.Errorf("blob: sync: %w", err))
	}
	if err := w.f.Close(); err != nil {
		w.s.root.Remove(path.Join(tmpDir, w.name))
		return "", fmt.Errorf("blob: close: %w", err)
	}
	loc := location(w.name)
	if err := w.s.root.MkdirAll(path.Dir(loc), 0o700); err != nil {
		w.s.root.Remove(path.Join(tmpDir, w.name))
		return "", fmt.Errorf("blob: mkdir: %w", err)
	}
	if err := w.s.root.Rename(path.Join(tmpDir, w.name), loc); err != nil {
		w.s.root.Remove(path.Join(tmpDir, w.name))
		return "", fmt.Errorf("blob: rename: %w", err)
	}
	if err := w.s.syncDir(path.Dir(loc)); err != nil {
		return "", err
	}
	return w.name, nil
}

// Abort discards the blob.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.wait()
	w.release()
	w.f.Close()
	w.s.root.Remove(path.Join(tmpDir, w.name))
}

func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob: sync dir: %w", err)
	}
	return nil
}

// Reader reads one blob, verifying the checksum of every block it reads. It
// is safe for concurrent use.
type Reader struct {
	f     *os.File
	name  string
	size  int64
	shift uint
}

// Open opens a committed blob and checks its header and file size.
func (s *Store) Open(name string) (*Reader, error) {
	if !validName(name) {
		return nil, fmt.Errorf("blob: bad name %q", name)
	}
	f, err := s.root.Open(location(name))
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", name, err)
	}
	r, err := newReader(f, name)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func newReader(f *os.File, name string) (*Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("blob: stat %s: %w", name, err)
	}
	if st.Size() < headerSize {
		return nil, fmt.Errorf("blob %s: %w: file of %d bytes has no header", name, ErrCorrupt, st.Size())
	}
	h := make([]byte, headerSize)
	if _, err := f.ReadAt(h, 0); err != nil {
		return nil, fmt.Errorf("blob: read header of %s: %w", name, err)
	}
	size, shift, err := decodeHeader(h)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", name, err)
	}
	if want := physicalSize(size, shift); st.Size() != want {
		return nil, fmt.Errorf("blob %s: %w: file is %d bytes, want %d for %d data bytes", name, ErrCorrupt, st.Size(), want, size)
	}
	return &Reader{f: f, name: name, size: size, shift: shift}, nil
}

// Size is the blob's length in data bytes.
func (r *Reader) Size() int64 { return r.size }

func (r *Reader) blockSize() int64 { return 1 << r.shift }

// blockLen is the data length of block i.
func (r *Reader) blockLen(i int64) int64 { return min(r.blockSize(), r.size-i*r.blockSize()) }

// readBlocks reads blocks first..last (inclusive) with one system call into
// buf, verifies them and calls fn with each block's data, which aliases buf.
func (r *Reader) readBlocks(buf []byte, first, last int64, fn func(i int64, data []byte)) ([]byte, error) {
	bs := r.blockSize()
	off := headerSize + first*(bs+crcSize)
	n := (last-first)*(bs+crcSize) + r.blockLen(last) + crcSize
	if int64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := r.f.ReadAt(buf, off); err != nil {
		if errors.Is(err, io.EOF) {
			return buf, fmt.Errorf("blob %s: %w: blocks %d..%d: file truncated", r.name, ErrCorrupt, first, last)
		}
		return buf, fmt.Errorf("blob %s: read blocks %d..%d: %w", r.name, first, last, err)
	}
	for i, p := first, buf; i <= last; i++ {
		l := r.blockLen(i)
		data := p[:l]
		got := binary.LittleEndian.Uint32(p[l:])
		if want := blockCRC(uint64(i), data); got != want {
			return buf, fmt.Errorf("blob %s: %w: block %d checksum %08x, want %08x", r.name, ErrCorrupt, i, got, want)
		}
		fn(i, data)
		p = p[l+crcSize:]
	}
	return buf, nil
}

// maxBlocks is how many blocks one read covers: chunkBlocks of the default
// block size, fewer of a bigger one.
func (r *Reader) maxBlocks() int64 {
	return max(1, chunkSize/(r.blockSize()+crcSize))
}

// ReadAt implements io.ReaderAt. It reads and verifies only the blocks that
// hold the requested range; on a checksum failure it returns an error
// wrapping ErrCorrupt.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("blob %s: negative offset %d", r.name, off)
	}
	if off >= r.size {
		if len(p) == 0 && off == r.size {
			return 0, nil
		}
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), r.size)
	bufp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(bufp)
	bs := r.blockSize()
	n := 0
	for pos := off; pos < end; {
		first := pos / bs
		last := min((end-1)/bs, first+r.maxBlocks()-1)
		buf, err := r.readBlocks((*bufp)[:0], first, last, func(i int64, data []byte) {
			start := i * bs
			lo := max(pos, start) - start
			hi := min(end, start+int64(len(data))) - start
			n += copy(p[n:], data[lo:hi])
		})
		if cap(buf) <= cap(*bufp) {
			*bufp = buf[:0]
		}
		if err != nil {
			return 0, err
		}
		pos = (last + 1) * bs
	}
	if end < off+int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// Section returns a reader over n bytes starting at off. It reads ahead a
// few blocks at a time and verifies each before returning its bytes.
func (r *Reader) Section(off, n int64) io.Reader {
	if off < 0 {
		return &section{r: r, err: fmt.Errorf("blob %s: negative offset %d", r.name, off)}
	}
	end := off
	if off >= 0 && n > 0 {
		end = min(off+n, r.size)
	}
	return &section{r: r, pos: off, end: end}
}

// Close releases the blob.
func (r *Reader) Close() error { return r.f.Close() }

// section streams a range of a blob.
type section struct {
	r        *Reader
	pos, end int64    // next byte to return, end of the range
	buf      []byte   // framed blocks read from the file
	pending  [][]byte // verified data not yet returned, from pos on
	err      error
}

// fill reads and verifies the next blocks of the range.
func (s *section) fill() error {
	if s.err != nil {
		return s.err
	}
	bs := s.r.blockSize()
	first := s.pos / bs
	last := min((s.end-1)/bs, first+s.r.maxBlocks()-1)
	s.pending = s.pending[:0]
	buf, err := s.r.readBlocks(s.buf[:0], first, last, func(i int64, data []byte) {
		start := i * bs
		lo := max(s.pos, start) - start
		hi := min(s.end, start+int64(len(data))) - start
		s.pending = append(s.pending, data[lo:hi])
	})
	s.buf = buf
	if err != nil {
		s.pending = s.pending[:0]
		s.err = err
	}
	return err
}

// Read implements io.Reader.
func (s *section) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.pos >= s.end {
		return 0, io.EOF
	}
	if len(s.pending) == 0 {
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	n := 0
	for n < len(p) && len(s.pending) > 0 {
		c := copy(p[n:], s.pending[0])
		n += c
		s.pending[0] = s.pending[0][c:]
		if len(s.pending[0]) == 0 {
			s.pending = s.pending[1:]
		}
	}
	s.pos += int64(n)
	return n, nil
}

// WriteTo implements io.WriterTo, so io.Copy moves verified blocks without
// an intermediate copy.
func (s *section) WriteTo(w io.Writer) (int64, error) {
	if s.err != nil {
		return 0, s.err
	}
	var total int64
	for s.pos < s.end {
		if len(s.pending) == 0 {
			if err := s.fill(); err != nil {
				return total, err
			}
		}
		for len(s.pending) > 0 {
			n, err := w.Write(s.pending[0])
			total += int64(n)
			s.pos += int64(n)
			s.pending[0] = s.pending[0][n:]
			if err != nil {
				return total, err
			}
			if len(s.pending[0]) > 0 {
				return total, io.ErrShortWrite
			}
			s.pending = s.pending[1:]
		}
	}
	return total, nil
}

// Remove deletes a blob; a missing blob is not an error.
func (s *Store) Remove(name string) error {
	if !validName(name) {
		return fmt.Errorf("blob: bad name %q", name)
	}
	err := s.root.Remove(location(name))
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("blob: remove %s: %w", name, err)
	}
	return nil
}

func validName(name string) bool {
	return len(name) == 32 && strings.Trim(name, "0123456789abcdef") == ""
}
