package blob

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to begin writing [off, off+n) of f to disk
// without waiting, so that the fsync at commit finds little left to do and
// the disk works while the rest of the body is still arriving.
func startWriteback(f *os.File, off, n int64) {
	// Advisory: an error only means the final fsync does all the work.
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
