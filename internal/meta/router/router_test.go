package router_test

import (
	"errors"
	"testing"

	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/meta/metatest"
	"github.com/ferrystore/ferry/internal/meta/router"
)

func newRouter() (*router.Store, *meta.Memory, *meta.Memory) {
	local, shared := meta.NewMemory(), meta.NewMemory()
	return &router.Store{Local: local, Shared: shared, Prefixes: [][]byte{{'i'}, {'t'}}}, local, shared
}

// With no shared prefixes the router is its local store, and must behave
// as any store does.
func TestConformanceLocal(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		return &router.Store{Local: meta.NewMemory(), Shared: meta.NewMemory()}
	})
}

func TestRouting(t *testing.T) {
	r, local, shared := newRouter()
	for _, k := range []string{"iam-user", "tsession", "Bbucket", "kkey", "j"} {
		b := r.NewBatch()
		b.Set([]byte(k), []byte(k))
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		b.Close()
	}
	tests := []struct {
		key    string
		shared bool
	}{
		{"iam-user", true}, {"tsession", true}, {"Bbucket", false}, {"kkey", false}, {"j", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			in, out := meta.Store(local), meta.Store(shared)
			if tt.shared {
				in, out = out, in
			}
			if _, err := in.Get([]byte(tt.key)); err != nil {
				t.Fatalf("not where it belongs: %v", err)
			}
			if _, err := out.Get([]byte(tt.key)); !errors.Is(err, meta.ErrNotFound) {
				t.Fatalf("also on the other side: %v", err)
			}
			if v, err := r.Get([]byte(tt.key)); err != nil || string(v) != tt.key {
				t.Fatalf("router Get: %q %v", v, err)
			}
		})
	}
}

func TestSpanningIsAnError(t *testing.T) {
	r, local, shared := newRouter()
	ranges := []struct {
		name         string
		lower, upper string
		nilUpper     bool
		ok           bool
	}{
		{"inside shared", "i", "j", false, true},
		{"inside local", "j", "t", false, true},
		{"local before shared", "A", "i", false, true},
		{"shared into local", "i", "k", false, false},
		{"local into shared", "h", "ia", false, false},
		{"unbounded local", "u", "", true, true},
		{"unbounded from local reaching shared", "a", "", true, false},
		{"unbounded shared", "t", "", true, false},
	}
	for _, tt := range ranges {
		t.Run(tt.name, func(t *testing.T) {
			upper := []byte(tt.upper)
			if tt.nilUpper {
				upper = nil
			}
			it, err := r.NewIterator([]byte(tt.lower), upper)
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if it != nil {
				it.Close()
			}
		})
	}
	b := r.NewBatch()
	b.Set([]byte("iam"), []byte("1"))
	b.Set([]byte("Bucket"), []byte("1"))
	if err := b.Commit(); !errors.Is(err, router.ErrSpansStores) {
		t.Fatalf("mixed batch: %v", err)
	}
	b.Close()
	for _, s := range []meta.Store{local, shared} {
		for _, k := range []string{"iam", "Bucket"} {
			if _, err := s.Get([]byte(k)); !errors.Is(err, meta.ErrNotFound) {
				t.Fatalf("a refused batch wrote %s", k)
			}
		}
	}
}
