package world

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/meta/remote"
)

// adminAPI serves /_ferry/admin/: JSON endpoints for the operator. The HTTP
// front has already authenticated the request as the admin principal.
type adminAPI struct {
	w *World
}

var accountName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,49}$`)

func (a *adminAPI) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_ferry/admin/accounts" && r.Method == http.MethodGet:
		list, err := a.w.Summaries()
		if err != nil {
			jsonError(rw, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(rw, http.StatusOK, list)
	case r.URL.Path == "/_ferry/admin/accounts" && r.Method == http.MethodPost:
		a.createAccount(rw, r)
	case r.URL.Path == "/_ferry/admin/decisions" && r.Method == http.MethodGet:
		a.decisions(rw, r)
	case strings.HasPrefix(r.URL.Path, remote.Path) && !a.w.Follower():
		// The shared keyspaces, for followers (signed with this admin key).
		(&remote.Handler{Store: a.w.Store, Prefixes: SharedPrefixes}).ServeHTTP(rw, r)
	default:
		jsonError(rw, http.StatusNotFound, "no such admin endpoint")
	}
}

func (a *adminAPI) createAccount(rw http.ResponseWriter, r *http.Request) {
	if a.w.Follower() {
		jsonError(rw, http.StatusConflict, "accounts are created on the IAM home, "+a.w.Config.IAMHome.Endpoint)
		return
	}
	var in struct {
		Name string `json:"name"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil || json.Unmarshal(body, &in) != nil {
		jsonError(rw, http.StatusBadRequest, "the body must be JSON: {\"name\": \"...\"}")
		return
	}
	if !accountName.MatchString(in.Name) {
		jsonError(rw, http.StatusBadRequest, "account names are 1 to 50 lower-case letters, digits and hyphens")
		return
	}
	acct, key, err := a.w.IAM.CreateAccount(in.Name)
	if errors.Is(err, iam.ErrAccountExists) {
		jsonError(rw, http.StatusConflict, "an account named "+in.Name+" already exists")
		return
	}
	if err != nil {
		jsonError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	admin, _ := ReadAdmin(a.w.Config.DataDir)
	if err := a.w.WriteClientFiles(admin.Endpoint); err != nil {
		a.w.Config.Logger.Warn("could not rewrite client files", "err", err)
	}
	writeJSON(rw, http.StatusCreated, AccountSummary{ID: acct.ID, Name: acct.Name, Profile: ProfileName(acct.Name), AccessKeyID: key.ID, SecretAccessKey: key.Secret})
}

// Decision is one recent authorization decision as the admin API shows it.
type Decision struct {
	Time        time.Time `json:"time"`
	RequestID   string    `json:"requestId,omitempty"`
	Allowed     bool      `json:"allowed"`
	Principal   string    `json:"principal"`
	Action      string    `json:"action"`
	Resource    string    `json:"resource,omitempty"`
	Explanation string    `json:"explanation"`
	// Suggestions are statements that would allow an implicitly denied request.
	Suggestions []string `json:"suggestions,omitempty"`
}

// decisions lists the latest authorization decisions, newest first
// (?denied=true for denials only).
func (a *adminAPI) decisions(rw http.ResponseWriter, r *http.Request) {
	entries := a.w.Authz.Recent(r.URL.Query().Get("denied") == "true")
	out := make([]Decision, 0, len(entries))
	for _, e := range entries {
		d := e.Decision
		out = append(out, Decision{Time: e.Time, RequestID: e.RequestID, Allowed: d.Allowed, Principal: d.Request.Principal.Display(),
			Action: d.Request.Action, Resource: d.Request.Resource, Explanation: d.Explain(), Suggestions: d.MissingStatements()})
	}
	writeJSON(rw, http.StatusOK, out)
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	enc := json.NewEncoder(rw)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func jsonError(rw http.ResponseWriter, status int, msg string) {
	writeJSON(rw, status, map[string]string{"error": msg})
}
