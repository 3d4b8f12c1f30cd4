package peer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/sts"
)

// Acceptor runs the destination hops (replication.Engine implements it).
type Acceptor interface {
	Accept(ctx context.Context, session aws.Principal, t *replication.Task, src, replica *replication.ObjectVersion, body io.Reader) error
	AcceptTags(ctx context.Context, session aws.Principal, t *replication.Task, src *replication.ObjectVersion) error
}

// Handler is the destination side: it serves Path to callers the HTTP
// front has authenticated (the principal comes from Principal).
type Handler struct {
	Engine Acceptor
	// Buckets describes this process's buckets.
	Buckets interface {
		ReplicationBucket(ctx context.Context, name string) (replication.BucketInfo, error)
	}
	// AccountBuckets lists an account's buckets in this process (nil: the
	// listing endpoint answers 404).
	AccountBuckets func(account aws.AccountID) ([]s3.BucketSummary, error)
	// Session returns the STS session behind a temporary principal.
	Session func(p aws.Principal) (*sts.Session, error)
	// Principal returns the authenticated caller of a request.
	Principal func(ctx context.Context) (aws.Principal, bool)
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := h.Principal(r.Context())
	if !ok {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "unauthenticated"})
		return
	}
	switch op := r.URL.Path[len(Path):]; {
	case op == "bucket" && r.Method == http.MethodGet:
		h.bucket(w, r, p)
	case op == "buckets" && r.Method == http.MethodGet && h.AccountBuckets != nil:
		h.buckets(w, r, p)
	case (op == "object" || op == "tags") && r.Method == http.MethodPut:
		h.replicate(w, r, p, op == "tags")
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such replica endpoint"})
	}
}

// bucket answers a peer's lookup: only another Ferry process (signing with
// its admin key) may ask.
func (h *Handler) bucket(w http.ResponseWriter, r *http.Request, p aws.Principal) {
	if p.Type != aws.PrincipalAdmin {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "bucket lookups are for Ferry processes"})
		return
	}
	info, err := h.Buckets.ReplicationBucket(r.Context(), r.URL.Query().Get("name"))
	switch {
	case errors.Is(err, replication.ErrBucketNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
	default:
		writeJSON(w, http.StatusOK, info)
	}
}

// buckets lists an account's buckets for a peer's ListBuckets: only
// another Ferry process may ask (it has authorized its caller).
func (h *Handler) buckets(w http.ResponseWriter, r *http.Request, p aws.Principal) {
	if p.Type != aws.PrincipalAdmin {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "bucket listings are for Ferry processes"})
		return
	}
	list, err := h.AccountBuckets(aws.AccountID(r.URL.Query().Get("account")))
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	if list == nil {
		list = []s3.BucketSummary{}
	}
	writeJSON(w, http.StatusOK, list)
}

// replicate runs the destination hops of a replica (or tag update) sent by
// a source process, as the role session that signed it.
func (h *Handler) replicate(w http.ResponseWriter, r *http.Request, p aws.Principal, tags bool) {
	if p.Type != aws.PrincipalAssumedRole { // before reading anything
		writeJSON(w, http.StatusForbidden, map[string]string{"error": p.ARN + " is not a replication role session"})
		return
	}
	env, err := readEnvelope(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if err := h.replicationSession(p, &env.Task); err != nil {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": err.Error()})
		return
	}
	if tags {
		err = h.Engine.AcceptTags(r.Context(), p, &env.Task, &env.Source)
	} else {
		if env.Replica == nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "no replica in the envelope"})
			return
		}
		var body io.Reader
		if !env.Replica.DeleteMarker && env.Replica.Size > 0 {
			body = io.LimitReader(r.Body, env.Replica.Size)
		}
		err = h.Engine.Accept(r.Context(), p, &env.Task, &env.Source, env.Replica, body)
	}
	var f *replication.Failure
	switch {
	case errors.As(err, &f):
		writeJSON(w, http.StatusConflict, failure{Reason: f.Reason, Error: fmt.Sprint(f.Err)})
	case err != nil:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
	default:
		writeJSON(w, http.StatusOK, struct{}{})
	}
}

// replicationSession admits only a role session S3 assumed for this
// task's replication: the configuration's role, assumed as
// s3.amazonaws.com for the task's source bucket and account. Nobody else
// may write replicas (which keep a version id of the sender's choosing).
func (h *Handler) replicationSession(p aws.Principal, t *replication.Task) error {
	deny := fmt.Errorf("%s may not replicate into %s: only a replication role session of the source may", p.ARN, t.Destination)
	if p.Type != aws.PrincipalAssumedRole || p.RoleARN != t.Role {
		return deny
	}
	sess, err := h.Session(p)
	if err != nil {
		return fmt.Errorf("%w (%v)", deny, err)
	}
	if sess.SourceAccount == "" || sess.SourceAccount != string(t.SourceAccount) || sess.SourceARN != t.SourceARN() {
		return deny
	}
	return nil
}

// readEnvelope reads and checks the envelope at the start of the body
// against its signed length and hash.
func readEnvelope(r *http.Request) (*Envelope, error) {
	n, err := strconv.Atoi(r.Header.Get(HeaderEnvelopeLength))
	if err != nil || n <= 0 || n > maxEnvelope {
		return nil, errors.New("missing or bad " + HeaderEnvelopeLength)
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(r.Body, raw); err != nil {
		return nil, fmt.Errorf("read envelope: %w", err)
	}
	sum := sha256.Sum256(raw)
	want, err := hex.DecodeString(r.Header.Get(HeaderEnvelopeSHA256))
	if err != nil || !bytes.Equal(sum[:], want) {
		return nil, errors.New("the envelope does not match " + HeaderEnvelopeSHA256)
	}
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("decode envelope: %w", err)
	}
	return &env, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
