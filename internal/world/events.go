package world

import (
	"net/http"
	"strconv"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
)

// MaxEventsLimit caps the limit parameter of /_ferry/events.
const MaxEventsLimit = replication.DefaultEventRetention

// events answers GET /_ferry/events?bucket=B[&limit=N]: the newest
// replication events of source bucket B (at most N, 100 by default),
// oldest first, as {"Records":[…]} in S3's event message structure. The
// caller must be a principal of B's owner allowed s3:GetBucketNotification
// on B, or the operator (s3.Service.EventsBucket). Each record's s3.configurationId names the configuration of
// B's current notification configuration that matches it, "" when none.
// The log keeps every event; the SQS destinations that match receive them
// too (internal/notification).
func (a *diagnoseAPI) events(rw http.ResponseWriter, r *http.Request, p aws.Principal) {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxEventsLimit {
			jsonError(rw, http.StatusBadRequest, "limit must be a number from 1 to "+strconv.Itoa(MaxEventsLimit))
			return
		}
		limit = n
	}
	b, err := a.d.S3.EventsBucket(r.Context(), p, q.Get("bucket"))
	if err != nil {
		diagnoseError(rw, err)
		return
	}
	records, err := a.d.Engine.Events().Read(b.Name, limit)
	if err != nil {
		jsonError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	// A deleted bucket's records stay until newer ones push them out: a
	// bucket of the same name in another account must not see them.
	kept := []replication.Event{}
	for _, ev := range records {
		if ev.S3.Bucket.OwnerIdentity.PrincipalID != string(b.Account) {
			continue
		}
		ev.S3.ConfigurationID = b.Notification.Match(ev.EventName, ev.ObjectKey())
		kept = append(kept, ev)
	}
	records = kept
	writeJSON(rw, http.StatusOK, struct {
		Records []replication.Event `json:"Records"`
	}{records})
}
