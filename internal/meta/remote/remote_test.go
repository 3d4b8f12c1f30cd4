package remote_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/meta/metatest"
	"github.com/ferrystore/ferry/internal/meta/remote"
)

// caller posts to a test server (the signing is ferryapi's, tested there).
type caller struct{ base string }

func (c caller) Do(ctx context.Context, method, path string, _ url.Values, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%d: %s", resp.StatusCode, raw)
	}
	return raw, err
}

func serve(t *testing.T, h *remote.Handler) *remote.Store {
	mux := http.NewServeMux()
	mux.Handle(remote.Path, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return remote.New(caller{srv.URL})
}

// The remote store passes the conformance suite against a home serving
// every key.
func TestConformance(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		return serve(t, &remote.Handler{Store: meta.NewMemory(), Prefixes: [][]byte{{}}})
	})
}

// Outside its prefixes the handler refuses every operation and writes
// nothing, even in a batch that also touches allowed keys.
func TestHandlerRefusesOtherKeys(t *testing.T) {
	home := meta.NewMemory()
	s := serve(t, &remote.Handler{Store: home, Prefixes: [][]byte{{'i'}, {'t'}}})
	b := s.NewBatch()
	b.Set([]byte("i-ok"), []byte("v"))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
	}{
		{"get", func() error { _, err := s.Get([]byte("B-bucket")); return err }},
		{"scan outside", func() error { _, err := s.NewIterator([]byte("B"), []byte("C")); return err }},
		{"scan spanning", func() error { _, err := s.NewIterator([]byte("i"), []byte("k")); return err }},
		{"scan unbounded", func() error { _, err := s.NewIterator([]byte("t"), nil); return err }},
		{"set", func() error {
			return commitOps(s, func(b meta.Batch) { b.Set([]byte("i-x"), nil); b.Set([]byte("k-x"), nil) })
		}},
		{"delete", func() error { return commitOps(s, func(b meta.Batch) { b.Delete([]byte("V")) }) }},
		{"delete range", func() error { return commitOps(s, func(b meta.Batch) { b.DeleteRange([]byte("i"), []byte("z")) }) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err == nil {
				t.Fatal("allowed")
			}
		})
	}
	if _, err := home.Get([]byte("i-x")); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("a refused batch wrote part of itself: %v", err)
	}
	if v, err := s.Get([]byte("i-ok")); err != nil || string(v) != "v" {
		t.Fatalf("allowed key: %q %v", v, err)
	}
	it, err := s.NewIterator([]byte("i"), []byte("j"))
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if !it.First() || string(it.Key()) != "i-ok" || it.Next() {
		t.Fatal("scan of the allowed prefix")
	}
}

func commitOps(s meta.Store, ops func(meta.Batch)) error {
	b := s.NewBatch()
	defer b.Close()
	ops(b)
	return b.Commit()
}
