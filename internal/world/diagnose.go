package world

import (
	"errors"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/doctor"
	"github.com/ferrystore/ferry/internal/httpd"
	"github.com/ferrystore/ferry/internal/replication"
)

// diagnoseAPI serves the diagnostics as JSON to any signed caller, who sees
// the documents its credentials may read (the operator sees all):
//
//	GET /_ferry/doctor/replication?bucket=B              pre-flight check of B's rules
//	GET /_ferry/explain?bucket=B&key=K[&versionId=V]     why a version is FAILED or PENDING
//	GET /_ferry/events?bucket=B[&limit=N]                B's replication events
//
// The first two answers carry "ok" and a "text" rendering for people; the
// events are {"Records":[…]} as in an S3 event notification (events.go).
type diagnoseAPI struct{ d *doctor.Doctor }

func (a *diagnoseAPI) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	p, _ := httpd.FromContext(r.Context())
	q := r.URL.Query()
	if r.Method != http.MethodGet {
		jsonError(rw, http.StatusMethodNotAllowed, "use GET")
		return
	}
	if q.Get("bucket") == "" {
		jsonError(rw, http.StatusBadRequest, "the bucket parameter is required")
		return
	}
	switch r.URL.Path {
	case "/_ferry/doctor/replication":
		rep, err := a.d.Replication(r.Context(), p, q.Get("bucket"))
		if err != nil {
			diagnoseError(rw, err)
			return
		}
		writeJSON(rw, http.StatusOK, struct {
			*doctor.Report
			Text string `json:"text"`
		}{rep, rep.Text()})
	case "/_ferry/explain":
		if q.Get("key") == "" {
			jsonError(rw, http.StatusBadRequest, "the key parameter is required")
			return
		}
		ex, err := a.d.Explain(r.Context(), p, q.Get("bucket"), q.Get("key"), q.Get("versionId"))
		if err != nil {
			diagnoseError(rw, err)
			return
		}
		writeJSON(rw, http.StatusOK, struct {
			*doctor.Explanation
			OK   bool   `json:"ok"`
			Text string `json:"text"`
		}{ex, explained(ex), ex.Text()})
	case "/_ferry/events":
		a.events(rw, r, p)
	default:
		jsonError(rw, http.StatusNotFound, "no such diagnostic endpoint")
	}
}

// explained reports whether a version's replication is in good shape:
// every destination COMPLETED, or no replication at all.
func explained(ex *doctor.Explanation) bool {
	for _, d := range ex.Destinations {
		if d.Status != string(replication.StatusCompleted) {
			return false
		}
	}
	return true
}

// diagnoseError answers an S3 error (NoSuchBucket, AccessDenied, …) with
// its status, code and message.
func diagnoseError(rw http.ResponseWriter, err error) {
	if e, ok := aws.As(err); ok {
		writeJSON(rw, e.Status, map[string]string{"error": e.Code + ": " + e.Message, "code": e.Code})
		return
	}
	if errors.Is(err, doctor.ErrNoConfiguration) {
		writeJSON(rw, http.StatusNotFound, map[string]string{"error": err.Error(), "code": "ReplicationConfigurationNotFoundError"})
		return
	}
	jsonError(rw, http.StatusInternalServerError, err.Error())
}
