package remote

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ferrystore/ferry/internal/meta"
)

// Handler serves a store to Store clients, for the keys under Prefixes
// only: any key, range or scan outside them is refused (403). The caller
// must have authenticated the request (Ferry serves it to the operator's
// admin key only).
type Handler struct {
	Store meta.Store
	// Prefixes are the key prefixes clients may read and write.
	Prefixes [][]byte
}

// maxRequest bounds a request body (a batch).
const maxRequest = 64 << 20

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, errors.New("POST only"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(body) > maxRequest {
		writeError(w, http.StatusBadRequest, errors.New("unreadable or oversized request"))
		return
	}
	var out any
	switch strings.TrimPrefix(r.URL.Path, Path) {
	case "get":
		out, err = h.get(body)
	case "scan":
		out, err = h.scan(body)
	case "commit":
		out, err = h.commit(body)
	default:
		writeError(w, http.StatusNotFound, errors.New("no such metadata operation"))
		return
	}
	var re *requestError
	switch {
	case errors.As(err, &re):
		writeError(w, re.status, re)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}
}

type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(err error) error {
	return &requestError{http.StatusBadRequest, "bad request: " + err.Error()}
}

func forbidden(what string, key []byte) error {
	return &requestError{http.StatusForbidden, fmt.Sprintf("%s %q is outside the shared keyspaces", what, key)}
}

func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

// rangeAllowed reports whether [lower, upper) lies inside one prefix.
func (h *Handler) rangeAllowed(lower, upper []byte) bool {
	p, ok := meta.MatchPrefix(h.Prefixes, lower)
	return ok && meta.RangeInPrefix(p, lower, upper)
}

func (h *Handler) get(body []byte) (any, error) {
	var in getRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badRequest(err)
	}
	if _, ok := meta.MatchPrefix(h.Prefixes, in.Key); !ok {
		return nil, forbidden("key", in.Key)
	}
	v, err := h.Store.Get(in.Key)
	if errors.Is(err, meta.ErrNotFound) {
		return getAnswer{}, nil
	}
	if err != nil {
		return nil, err
	}
	return getAnswer{Found: true, Value: nonNil(v)}, nil
}

func (h *Handler) scan(body []byte) (any, error) {
	var in scanRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badRequest(err)
	}
	if !h.rangeAllowed(in.Lower, in.Upper) {
		return nil, forbidden("range from", in.Lower)
	}
	it, err := h.Store.NewIterator(in.Lower, in.Upper)
	if err != nil {
		return nil, err
	}
	out := scanAnswer{Pairs: []pair{}}
	size := 0
	for ok := it.First(); ok; ok = it.Next() {
		size += len(it.Key()) + len(it.Value())
		if size > MaxScanBytes {
			it.Close()
			return nil, &requestError{http.StatusRequestEntityTooLarge, "range too large for one scan"}
		}
		out.Pairs = append(out.Pairs, pair{K: bytes.Clone(it.Key()), V: bytes.Clone(it.Value())})
	}
	return out, it.Close()
}

func (h *Handler) commit(body []byte) (any, error) {
	var in commitRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, badRequest(err)
	}
	b := h.Store.NewBatch()
	defer b.Close()
	for _, o := range in.Ops {
		switch o.Op {
		case "set", "del":
			if _, ok := meta.MatchPrefix(h.Prefixes, o.K); !ok {
				return nil, forbidden("key", o.K)
			}
			if o.Op == "set" {
				b.Set(o.K, nonNil(o.V))
			} else {
				b.Delete(o.K)
			}
		case "range":
			if !h.rangeAllowed(o.K, o.End) {
				return nil, forbidden("range from", o.K)
			}
			b.DeleteRange(o.K, o.End)
		default:
			return nil, badRequest(fmt.Errorf("unknown operation %q", o.Op))
		}
	}
	if err := b.Commit(); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}
