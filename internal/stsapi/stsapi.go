// Package stsapi is STS's Query-protocol front over sts.Service.
package stsapi

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/query"
	"github.com/ferrystore/ferry/internal/sts"
)

// API serves STS in every region (STS is global; regional endpoints answer
// the same).
type API struct {
	q *query.API
}

// New returns the STS API over svc.
func New(svc *sts.Service, log *slog.Logger) *API {
	m := query.STS
	h := map[string]query.Handler{
		"AssumeRole":        query.Op(m, "AssumeRole", svc.AssumeRole),
		"GetCallerIdentity": query.Op(m, "GetCallerIdentity", svc.GetCallerIdentity),
		"GetSessionToken":   query.Op(m, "GetSessionToken", svc.GetSessionToken),
	}
	return &API{q: &query.API{Model: m, Handlers: h, Log: log}}
}

// Serve answers an authenticated STS request (body is the verified body)
// and returns the action.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, p aws.Principal, body io.Reader) string {
	return a.q.Serve(w, r, p, body)
}

// WriteError answers with err as an STS error.
func (a *API) WriteError(w http.ResponseWriter, err error) {
	a.q.WriteError(w, err, query.NewRequestID())
}
