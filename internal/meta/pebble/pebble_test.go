package pebble

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/meta/metatest"
)

func openTest(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(tb.TempDir(), Options{CacheSize: 8 << 20, MemTableSize: 4 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store { return openTest(t) })
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := s.NewBatch()
	b.Set([]byte("a"), []byte("1"))
	b.Set([]byte("b"), []byte("2"))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b.Close() // a second Close is harmless
	if s.DiskUsage() == 0 {
		t.Error("DiskUsage is 0 after a commit")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get([]byte("a")); err == nil {
		t.Fatal("Get after Close succeeded")
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for k, want := range map[string]string{"a": "1", "b": "2"} {
		if v, err := s.Get([]byte(k)); err != nil || string(v) != want {
			t.Fatalf("after reopen Get(%q) = %q, %v", k, v, err)
		}
	}
}

func TestBatchMisuse(t *testing.T) {
	s := openTest(t)
	defer s.Close()
	b := s.NewBatch()
	b.Set([]byte("a"), []byte("1"))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err == nil {
		t.Fatal("second Commit succeeded")
	}
	b.Close()
	b.Set([]byte("b"), []byte("2")) // ignored after Close
	if err := b.Commit(); err == nil {
		t.Fatal("Commit after Close succeeded")
	}
	if _, err := s.Get([]byte("b")); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("write after Close landed: %v", err)
	}
}

const (
	crashDirEnv  = "FERRY_META_CRASH_DIR"
	crashModeEnv = "FERRY_META_CRASH_MODE"
	crashKeys    = 400
)

// TestCrashDurability commits in a child process that dies without closing
// the store, then checks that every commit the child saw succeed survives.
func TestCrashDurability(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashChild(dir, os.Getenv(crashModeEnv))
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, mode := range []string{"exit", "kill"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDurability$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashModeEnv+"="+mode)
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var acked []string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if k, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
					acked = append(acked, k)
					if mode == "kill" && len(acked) == crashKeys/2 {
						cmd.Process.Kill()
					}
				}
			}
			err = cmd.Wait()
			if mode == "exit" && err != nil {
				t.Fatalf("child: %v", err)
			}
			if len(acked) < crashKeys/2 {
				t.Fatalf("child acknowledged only %d commits", len(acked))
			}
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, k := range acked {
				v, err := s.Get([]byte(k))
				if err != nil {
					t.Fatalf("committed key %q lost: %v", k, err)
				}
				if want := "v-" + k; string(v) != want {
					t.Fatalf("key %q = %q, want %q", k, v, want)
				}
				if _, err := s.Get([]byte("latest/" + k)); err != nil {
					t.Fatalf("second write of the batch for %q lost: %v", k, err)
				}
			}
			t.Logf("%d acknowledged commits survived", len(acked))
		})
	}
}

// crashChild commits from several goroutines, acknowledging each commit on
// stdout after Commit returns, and exits without closing the store.
func crashChild(dir, mode string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var (
		wg   sync.WaitGroup
		outM sync.Mutex
		next atomic.Int64
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if mode == "exit" && n > crashKeys {
					return
				}
				k := fmt.Sprintf("key-%06d", n)
				b := s.NewBatch()
				b.Set([]byte(k), []byte("v-"+k))
				b.Set([]byte("latest/"+k), []byte(k))
				if err := b.Commit(); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				b.Close()
				outM.Lock()
				fmt.Printf("ack %s\n", k)
				outM.Unlock()
			}
		}()
	}
	wg.Wait()
	os.Exit(0) // deliberately without s.Close
}

// value is a ~300-byte value, like an encoded object version row.
var value = bytes.Repeat([]byte("v"), 300)

// openBench opens a store with the default options.
func openBench(b *testing.B) *Store {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkPebbleCommitParallel(b *testing.B) {
	s := openBench(b)
	defer s.Close()
	var n atomic.Int64
	// 16 goroutines per core, like many concurrent PUTs on a small server.
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			bt := s.NewBatch()
			bt.Set(meta.NewKey('o').String(fmt.Sprintf("bucket/object-%09d", i)).Uint64(uint64(i)), value)
			bt.Set(meta.NewKey('l').String(fmt.Sprintf("bucket/object-%09d", i)), value)
			if err := bt.Commit(); err != nil {
				b.Error(err)
				return
			}
			bt.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// fill writes n keys "key-%09d" with ~300-byte values.
func fill(b *testing.B, s *Store, n int) {
	for i := 0; i < n; i += 1000 {
		bt := s.NewBatch()
		for j := i; j < i+1000 && j < n; j++ {
			bt.Set([]byte(fmt.Sprintf("key-%09d", j)), value)
		}
		if err := bt.Commit(); err != nil {
			b.Fatal(err)
		}
		bt.Close()
	}
}

func BenchmarkPebbleGet(b *testing.B) {
	const n = 100_000
	s := openBench(b)
	defer s.Close()
	fill(b, s, n)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := fmt.Appendf(nil, "key-%09d", rng.IntN(n))
		if _, err := s.Get(k); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPebbleScan1000(b *testing.B) {
	const n = 100_000
	s := openBench(b)
	defer s.Close()
	fill(b, s, n)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := fmt.Appendf(nil, "key-%09d", rng.IntN(n-1000))
		it, err := s.NewIterator(start, nil)
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for ok := it.First(); ok && got < 1000; ok = it.Next() {
			got += len(it.Value()) / len(value)
		}
		if err := it.Close(); err != nil {
			b.Fatal(err)
		}
		if got != 1000 {
			b.Fatalf("scanned %d keys", got)
		}
	}
}
