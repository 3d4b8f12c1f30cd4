// Package metatest is the conformance suite every meta.Store backend must
// pass. A backend's tests call Run with a function that opens a fresh, empty
// store; Run closes each store it opens.
package metatest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"

	"github.com/ferrystore/ferry/internal/meta"
	"pgregory.net/rapid"
)

// Run runs the conformance suite against stores returned by open. Each
// subtest opens its own store, so open must return an empty one each time.
func Run(t *testing.T, open func(t *testing.T) meta.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s meta.Store)
	}{
		{"GetNotFound", testGetNotFound},
		{"SetGetDelete", testSetGetDelete},
		{"BatchOrder", testBatchOrder},
		{"BatchClose", testBatchClose},
		{"BatchAtomicity", testBatchAtomicity},
		{"IteratorBounds", testIteratorBounds},
		{"IteratorSeek", testIteratorSeek},
		{"IteratorSnapshot", testIteratorSnapshot},
		{"ValuesAreCopies", testValuesAreCopies},
		{"BinaryKeys", testBinaryKeys},
		{"ManyKeysOrdered", testManyKeysOrdered},
		{"ConcurrentBatches", testConcurrentBatches},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			defer closeStore(t, s)
			tt.fn(t, s)
		})
	}
	t.Run("StateMachine", func(t *testing.T) { testStateMachine(t, open) })
}

func closeStore(t testing.TB, s meta.Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// commit applies ops in one batch and fails the test if Commit fails.
func commit(t testing.TB, s meta.Store, ops ...func(meta.Batch)) {
	t.Helper()
	b := s.NewBatch()
	defer b.Close()
	for _, op := range ops {
		op(b)
	}
	if err := b.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func set(k, v string) func(meta.Batch) {
	return func(b meta.Batch) { b.Set([]byte(k), []byte(v)) }
}

func del(k string) func(meta.Batch) {
	return func(b meta.Batch) { b.Delete([]byte(k)) }
}

func delRange(start, end string) func(meta.Batch) {
	return func(b meta.Batch) { b.DeleteRange([]byte(start), []byte(end)) }
}

// pair is one key-value pair read from a store.
type pair struct{ k, v string }

// fataler is the part of testing.TB and rapid.T that the helpers use.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// scan returns every pair in [lower, upper), copying keys and values.
func scan(t fataler, s meta.Store, lower, upper []byte) []pair {
	t.Helper()
	it, err := s.NewIterator(lower, upper)
	if err != nil {
		t.Fatalf("NewIterator: %v", err)
	}
	var out []pair
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, pair{string(it.Key()), string(it.Value())})
	}
	if err := it.Close(); err != nil {
		t.Fatalf("iterator Close: %v", err)
	}
	return out
}

func wantGet(t testing.TB, s meta.Store, k, want string) {
	t.Helper()
	v, err := s.Get([]byte(k))
	if err != nil {
		t.Fatalf("Get(%q): %v, want %q", k, err, want)
	}
	if string(v) != want {
		t.Fatalf("Get(%q) = %q, want %q", k, v, want)
	}
}

func wantMissing(t testing.TB, s meta.Store, k string) {
	t.Helper()
	v, err := s.Get([]byte(k))
	if !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("Get(%q) = %q, %v; want ErrNotFound", k, v, err)
	}
}

func testGetNotFound(t *testing.T, s meta.Store) {
	wantMissing(t, s, "absent")
	wantMissing(t, s, "")
	commit(t, s, set("a", "1"))
	wantMissing(t, s, "b")
	wantMissing(t, s, "a\x00")
}

func testSetGetDelete(t *testing.T, s meta.Store) {
	commit(t, s, set("a", "1"), set("b", "2"))
	wantGet(t, s, "a", "1")
	wantGet(t, s, "b", "2")
	commit(t, s, set("a", "3"))
	wantGet(t, s, "a", "3")
	commit(t, s, set("empty", ""))
	wantGet(t, s, "empty", "")
	commit(t, s, del("a"), del("never-existed"))
	wantMissing(t, s, "a")
	wantGet(t, s, "b", "2")
	commit(t, s, set("k1", "x"), set("k2", "x"), set("k3", "x"), set("k4", "x"))
	commit(t, s, delRange("k2", "k4"))
	got := scan(t, s, []byte("k"), []byte("l"))
	want := []pair{{"k1", "x"}, {"k4", "x"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after DeleteRange: %q, want %q", got, want)
	}
}

// testBatchOrder checks that the writes of one batch apply in order.
func testBatchOrder(t *testing.T, s meta.Store) {
	commit(t, s, set("a", "1"), set("a", "2"))
	wantGet(t, s, "a", "2")
	commit(t, s, set("b", "1"), del("b"))
	wantMissing(t, s, "b")
	commit(t, s, del("c"), set("c", "1"))
	wantGet(t, s, "c", "1")
	commit(t, s, set("r1", "1"), set("r2", "2"), delRange("r", "s"))
	wantMissing(t, s, "r1")
	wantMissing(t, s, "r2")
	commit(t, s, delRange("r", "s"), set("r3", "3"))
	wantGet(t, s, "r3", "3")
}

func testBatchClose(t *testing.T, s meta.Store) {
	commit(t, s, set("keep", "1"))
	b := s.NewBatch()
	b.Set([]byte("a"), []byte("1"))
	b.Delete([]byte("keep"))
	b.DeleteRange([]byte(""), []byte("\xff"))
	b.Close()
	wantMissing(t, s, "a")
	wantGet(t, s, "keep", "1")

	// Writes staged in a batch are invisible until it commits.
	b = s.NewBatch()
	defer b.Close()
	b.Set([]byte("pending"), []byte("1"))
	wantMissing(t, s, "pending")
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	wantGet(t, s, "pending", "1")
}

// testBatchAtomicity has a writer rewrite a group of keys with Set, Delete
// and DeleteRange in single batches while readers check that every scan and
// every pair of reads sees one whole batch, never a mix.
func testBatchAtomicity(t *testing.T, s meta.Store) {
	const nkeys = 16
	key := func(i int) string { return fmt.Sprintf("atom/%02d", i) }
	writeGen := func(gen int) []func(meta.Batch) {
		// Even generations set every key; odd ones clear the range and
		// set every other key, so a reader sees a fixed pattern per gen.
		ops := []func(meta.Batch){}
		if gen%2 == 1 {
			ops = append(ops, delRange("atom/", "atom0"))
		}
		for i := 0; i < nkeys; i++ {
			switch {
			case gen%2 == 0:
				ops = append(ops, set(key(i), fmt.Sprint(gen)))
			case i%2 == 0:
				ops = append(ops, set(key(i), fmt.Sprint(gen)))
			default:
				ops = append(ops, del(key(i)))
			}
		}
		return ops
	}
	commit(t, s, writeGen(0)...)

	const gens = 200
	var wg sync.WaitGroup
	done := make(chan struct{})
	errc := make(chan error, 4)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for gen := 1; gen <= gens; gen++ {
			b := s.NewBatch()
			for _, op := range writeGen(gen) {
				op(b)
			}
			err := b.Commit()
			b.Close()
			if err != nil {
				errc <- fmt.Errorf("commit gen %d: %w", gen, err)
				return
			}
		}
	}()
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := checkGeneration(s, nkeys, key); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if err := checkGeneration(s, nkeys, key); err != nil {
		t.Fatal(err)
	}
	wantGet(t, s, key(0), fmt.Sprint(gens))
}

// checkGeneration scans the atom/ keys and verifies they form one generation.
func checkGeneration(s meta.Store, nkeys int, key func(int) string) error {
	it, err := s.NewIterator([]byte("atom/"), []byte("atom0"))
	if err != nil {
		return err
	}
	var keys, vals []string
	for ok := it.First(); ok; ok = it.Next() {
		keys = append(keys, string(it.Key()))
		vals = append(vals, string(it.Value()))
	}
	if err := it.Close(); err != nil {
		return err
	}
	if len(vals) == 0 {
		return fmt.Errorf("atomicity: scan saw no keys")
	}
	var gen int
	if _, err := fmt.Sscan(vals[0], &gen); err != nil {
		return fmt.Errorf("atomicity: bad value %q", vals[0])
	}
	var want []string
	for i := 0; i < nkeys; i++ {
		if gen%2 == 0 || i%2 == 0 {
			want = append(want, key(i))
		}
	}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		return fmt.Errorf("atomicity: generation %d shows keys %q, want %q", gen, keys, want)
	}
	for i, v := range vals {
		if v != vals[0] {
			return fmt.Errorf("atomicity: mixed generations: %s=%s but %s=%s", keys[0], vals[0], keys[i], v)
		}
	}
	return nil
}

func testIteratorBounds(t *testing.T, s meta.Store) {
	commit(t, s, set("a", "1"), set("b", "2"), set("c", "3"), set("d", "4"), set("d\x00", "5"))
	tests := []struct {
		name         string
		lower, upper []byte
		want         string
	}{
		{"all with nil bounds", nil, nil, "a b c d d\x00"},
		{"nil upper", []byte("b"), nil, "b c d d\x00"},
		{"upper exclusive", []byte("a"), []byte("c"), "a b"},
		{"lower between keys", []byte("a\x00"), []byte("c\x00"), "b c"},
		{"prefix end", []byte("d"), meta.PrefixEnd([]byte("d")), "d d\x00"},
		{"empty range", []byte("b"), []byte("b"), ""},
		{"beyond last", []byte("e"), nil, ""},
		{"before first", []byte(""), []byte("a"), ""},
		{"empty lower", []byte{}, []byte("b"), "a"},
		{"empty upper is a bound", nil, []byte{}, ""},
		{"empty lower and upper", []byte{}, []byte{}, ""},
		{"inverted", []byte("c"), []byte("b"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var keys []string
			for _, p := range scan(t, s, tt.lower, tt.upper) {
				keys = append(keys, p.k)
			}
			if got := fmt.Sprint(keys); got != "["+tt.want+"]" {
				t.Fatalf("keys %q, want [%s]", got, tt.want)
			}
		})
	}
}

func testIteratorSeek(t *testing.T, s meta.Store) {
	commit(t, s, set("b", "1"), set("d", "2"), set("f", "3"), set("h", "4"))
	it, err := s.NewIterator([]byte("c"), []byte("g"))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	steps := []struct {
		name  string
		move  func() bool
		valid bool
		key   string
	}{
		{"First", it.First, true, "d"},
		{"Next", it.Next, true, "f"},
		{"Next past upper", it.Next, false, ""},
		{"SeekGE exact", func() bool { return it.SeekGE([]byte("f")) }, true, "f"},
		{"SeekGE between", func() bool { return it.SeekGE([]byte("d\x00")) }, true, "f"},
		{"SeekGE below lower", func() bool { return it.SeekGE([]byte("a")) }, true, "d"},
		{"SeekGE at upper", func() bool { return it.SeekGE([]byte("g")) }, false, ""},
		{"First again", it.First, true, "d"},
		{"SeekGE past last in range", func() bool { return it.SeekGE([]byte("f\x00")) }, false, ""},
	}
	for _, st := range steps {
		ok := st.move()
		if ok != st.valid || it.Valid() != st.valid {
			t.Fatalf("%s: returned %v, Valid %v; want %v", st.name, ok, it.Valid(), st.valid)
		}
		if ok && string(it.Key()) != st.key {
			t.Fatalf("%s: at %q, want %q", st.name, it.Key(), st.key)
		}
	}
	if err := it.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	empty, err := s.NewIterator([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if empty.First() || empty.Valid() || empty.SeekGE([]byte("a")) {
		t.Fatal("iterator over an empty range is positioned")
	}
	if err := empty.Close(); err != nil {
		t.Fatal(err)
	}
}

func testIteratorSnapshot(t *testing.T, s meta.Store) {
	commit(t, s, set("a", "1"), set("b", "2"), set("c", "3"))
	it, err := s.NewIterator(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	commit(t, s, set("a", "changed"), del("b"), set("bb", "new"), set("d", "new"))
	commit(t, s, delRange("c", "z"))
	var got []pair
	for ok := it.First(); ok; ok = it.Next() {
		got = append(got, pair{string(it.Key()), string(it.Value())})
	}
	want := []pair{{"a", "1"}, {"b", "2"}, {"c", "3"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("iterator saw later writes: %q, want %q", got, want)
	}
	if !it.SeekGE([]byte("bb")) || string(it.Key()) != "c" {
		t.Fatalf("SeekGE after writes: valid %v", it.Valid())
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	got = scan(t, s, nil, nil)
	want = []pair{{"a", "changed"}, {"bb", "new"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("new iterator: %q, want %q", got, want)
	}
}

func testValuesAreCopies(t *testing.T, s meta.Store) {
	k, v := []byte("key"), []byte("value")
	b := s.NewBatch()
	b.Set(k, v)
	// The batch must have copied its arguments.
	k[0], v[0] = 'X', 'X'
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	b.Close()
	wantGet(t, s, "key", "value")
	wantMissing(t, s, "Xey")

	got, err := s.Get([]byte("key"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = '!'
	}
	_ = append(got[:0:len(got)], "ZZZZZZZZ"...)
	wantGet(t, s, "key", "value")

	// The key passed to Get may be reused by the caller afterwards.
	q := []byte("key")
	got1, _ := s.Get(q)
	q[0] = 'Q'
	if string(got1) != "value" {
		t.Fatalf("value changed with the query key: %q", got1)
	}
}

func testBinaryKeys(t *testing.T, s meta.Store) {
	keys := []string{
		"", "\x00", "\x00\x00", "\x00\x01", "\x00\xff", "\x01",
		"a", "a\x00", "a\x00b", "a\xff", "\xff", "\xff\x00", "\xff\xff", "\xff\xff\xff",
	}
	ops := make([]func(meta.Batch), 0, len(keys))
	for i, k := range keys {
		ops = append(ops, set(k, fmt.Sprintf("v%d\x00\xff", i)))
	}
	commit(t, s, ops...)
	for i, k := range keys {
		wantGet(t, s, k, fmt.Sprintf("v%d\x00\xff", i))
	}
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	var got []string
	for _, p := range scan(t, s, nil, nil) {
		got = append(got, p.k)
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", sorted) {
		t.Fatalf("scan order %q, want %q", got, sorted)
	}
	// Bounds made of binary keys.
	got = got[:0]
	for _, p := range scan(t, s, []byte("\x00"), []byte("\x00\xff")) {
		got = append(got, p.k)
	}
	if want := []string{"\x00", "\x00\x00", "\x00\x01"}; fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("binary bounds: %q, want %q", got, want)
	}
	got = got[:0]
	for _, p := range scan(t, s, []byte("\xff"), nil) {
		got = append(got, p.k)
	}
	if want := []string{"\xff", "\xff\x00", "\xff\xff", "\xff\xff\xff"}; fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("0xFF bounds: %q, want %q", got, want)
	}
	commit(t, s, delRange("\x00", "\xff"))
	got = got[:0]
	for _, p := range scan(t, s, nil, nil) {
		got = append(got, p.k)
	}
	if want := []string{"", "\xff", "\xff\x00", "\xff\xff", "\xff\xff\xff"}; fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("after binary DeleteRange: %q, want %q", got, want)
	}
}

func testManyKeysOrdered(t *testing.T, s meta.Store) {
	rng := rand.New(rand.NewPCG(1, 2))
	model := map[string]string{}
	for batch := 0; batch < 20; batch++ {
		var ops []func(meta.Batch)
		for i := 0; i < 250; i++ {
			k := make([]byte, 1+rng.IntN(12))
			for j := range k {
				k[j] = byte(rng.IntN(256))
			}
			v := fmt.Sprintf("%d/%d", batch, i)
			model[string(k)] = v
			ops = append(ops, set(string(k), v))
		}
		commit(t, s, ops...)
	}
	var want []string
	for k := range model {
		want = append(want, k)
	}
	sort.Strings(want)
	got := scan(t, s, nil, nil)
	if len(got) != len(want) {
		t.Fatalf("scan returned %d keys, want %d", len(got), len(want))
	}
	for i, p := range got {
		if p.k != want[i] || p.v != model[p.k] {
			t.Fatalf("entry %d: %q=%q, want %q=%q", i, p.k, p.v, want[i], model[want[i]])
		}
	}
	// A sub-range through SeekGE.
	lo, hi := want[len(want)/3], want[2*len(want)/3]
	it, err := s.NewIterator([]byte(lo), []byte(hi))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for ok := it.SeekGE([]byte(lo)); ok; ok = it.Next() {
		if string(it.Key()) != want[len(want)/3+n] {
			t.Fatalf("sub-range entry %d: %q, want %q", n, it.Key(), want[len(want)/3+n])
		}
		n++
	}
	if n != 2*len(want)/3-len(want)/3 {
		t.Fatalf("sub-range returned %d keys, want %d", n, 2*len(want)/3-len(want)/3)
	}
}

func testConcurrentBatches(t *testing.T, s meta.Store) {
	const workers, perWorker = 32, 50
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				b := s.NewBatch()
				b.Set([]byte(fmt.Sprintf("obj/%02d/%03d", w, i)), []byte(fmt.Sprint(i)))
				b.Set([]byte(fmt.Sprintf("latest/%02d", w)), []byte(fmt.Sprint(i)))
				err := b.Commit()
				b.Close()
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("concurrent Commit: %v", err)
	}
	if got := len(scan(t, s, []byte("obj/"), []byte("obj0"))); got != workers*perWorker {
		t.Fatalf("found %d object rows, want %d", got, workers*perWorker)
	}
	for w := 0; w < workers; w++ {
		wantGet(t, s, fmt.Sprintf("latest/%02d", w), fmt.Sprint(perWorker-1))
		wantGet(t, s, fmt.Sprintf("obj/%02d/%03d", w, perWorker-1), fmt.Sprint(perWorker-1))
	}
}

// testStateMachine drives a store with random batches, reads and scans and
// compares every observation with a map model.
func testStateMachine(t *testing.T, open func(t *testing.T) meta.Store) {
	// A small alphabet makes keys collide and ranges overlap often.
	keyGen := rapid.Custom(func(t *rapid.T) string {
		b := rapid.SliceOfN(rapid.SampledFrom([]byte{0x00, 0x01, 'a', 'b', 0xFF}), 0, 3).Draw(t, "keybytes")
		return string(b)
	})
	rapid.Check(t, func(rt *rapid.T) {
		s := open(t)
		defer closeStore(t, s)
		model := map[string]string{}
		seq := 0

		rt.Repeat(map[string]func(*rapid.T){
			"batch": func(rt *rapid.T) {
				n := rapid.IntRange(1, 6).Draw(rt, "ops")
				commitIt := rapid.IntRange(0, 9).Draw(rt, "commit") > 0
				b := s.NewBatch()
				next := maps(model)
				for i := 0; i < n; i++ {
					switch rapid.IntRange(0, 2).Draw(rt, "kind") {
					case 0:
						k := keyGen.Draw(rt, "key")
						seq++
						v := fmt.Sprintf("v%d", seq)
						b.Set([]byte(k), []byte(v))
						next[k] = v
					case 1:
						k := keyGen.Draw(rt, "key")
						b.Delete([]byte(k))
						delete(next, k)
					case 2:
						lo, hi := keyGen.Draw(rt, "start"), keyGen.Draw(rt, "end")
						b.DeleteRange([]byte(lo), []byte(hi))
						for k := range next {
							if k >= lo && k < hi {
								delete(next, k)
							}
						}
					}
				}
				if commitIt {
					if err := b.Commit(); err != nil {
						rt.Fatalf("Commit: %v", err)
					}
					model = next
				}
				b.Close()
			},
			"get": func(rt *rapid.T) {
				k := keyGen.Draw(rt, "key")
				v, err := s.Get([]byte(k))
				want, ok := model[k]
				switch {
				case !ok && !errors.Is(err, meta.ErrNotFound):
					rt.Fatalf("Get(%q) = %q, %v; want ErrNotFound", k, v, err)
				case ok && (err != nil || string(v) != want):
					rt.Fatalf("Get(%q) = %q, %v; want %q", k, v, err, want)
				}
			},
			"scan": func(rt *rapid.T) {
				lower := []byte(keyGen.Draw(rt, "lower"))
				var upper []byte
				if rapid.Bool().Draw(rt, "bounded") {
					upper = []byte(keyGen.Draw(rt, "upper"))
				}
				got := scan(rt, s, lower, upper)
				want := modelRange(model, lower, upper)
				if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
					rt.Fatalf("scan [%q, %q) = %q, want %q", lower, upper, got, want)
				}
			},
			"seek": func(rt *rapid.T) {
				target := keyGen.Draw(rt, "target")
				it, err := s.NewIterator(nil, nil)
				if err != nil {
					rt.Fatal(err)
				}
				defer it.Close()
				want := modelRange(model, []byte(target), nil)
				ok := it.SeekGE([]byte(target))
				if ok != (len(want) > 0) || (ok && string(it.Key()) != want[0].k) {
					rt.Fatalf("SeekGE(%q): valid %v, want %q", target, ok, want)
				}
			},
			"": func(rt *rapid.T) {
				got := scan(rt, s, nil, nil)
				want := modelRange(model, nil, nil)
				if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
					rt.Fatalf("store %q, model %q", got, want)
				}
			},
		})
	})
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func modelRange(m map[string]string, lower, upper []byte) []pair {
	var out []pair
	for k, v := range m {
		if bytes.Compare([]byte(k), lower) >= 0 && (upper == nil || bytes.Compare([]byte(k), upper) < 0) {
			out = append(out, pair{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].k < out[j].k })
	return out
}
