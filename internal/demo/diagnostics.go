package demo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ferrystore/ferry/internal/ferryapi"
)

// Diagnostics endpoints of a Ferry server.
const (
	DoctorPath  = "/_ferry/doctor/replication"
	ExplainPath = "/_ferry/explain"
)

// ErrNoDiagnostics says the server has no such diagnostics endpoint (404).
var ErrNoDiagnostics = errors.New("diagnostics not available on this server")

// Diagnosis is a diagnostics endpoint's answer: whether all is well, a
// human-readable rendering, and for explain the §6.2 failure reason when
// the server gives one.
type Diagnosis struct {
	OK   bool   `json:"ok"`
	Text string `json:"text"`
	// Destinations are explain's per-destination records.
	Destinations []struct {
		Reason string `json:"reason"`
	} `json:"destinations,omitempty"`
}

// FailureReasonOf returns the first failure reason the diagnosis names,
// if any.
func (g *Diagnosis) FailureReasonOf() string {
	for _, d := range g.Destinations {
		if d.Reason != "" {
			return d.Reason
		}
	}
	return ""
}

// Diagnose calls GET endpoint+path?query, signed with SigV4 (service
// "ferry", region us-east-1) with creds, and decodes the JSON answer. A 404
// returns ErrNoDiagnostics.
func Diagnose(ctx context.Context, client *http.Client, endpoint string, creds Credentials, path string, query url.Values) (*Diagnosis, error) {
	c := ferryapi.Client{Endpoint: endpoint, HTTP: client,
		Credentials: aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}}
	var g Diagnosis
	err := c.JSON(ctx, http.MethodGet, path, query, nil, &g)
	var e *ferryapi.Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		return nil, ErrNoDiagnostics
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &g, nil
}

// diagnose asks an endpoint as account A and prints its text indented, or
// one line saying why there is none. It returns the diagnosis (nil if none).
func (d *demo) diagnose(ctx context.Context, path string, params map[string]string) *Diagnosis {
	q := url.Values{}
	for k, v := range params {
		if v != "" {
			q.Set(k, v)
		}
	}
	g, err := Diagnose(ctx, d.o.HTTPClient, d.o.Endpoint, d.o.diagnostician(), path, q)
	switch {
	case errors.Is(err, ErrNoDiagnostics):
		d.printf("    (diagnostics not available on this server)\n")
		return nil
	case err != nil:
		d.printf("    (diagnostics failed: %v)\n", err)
		return nil
	}
	text := strings.TrimRight(g.Text, "\n")
	if text == "" {
		text = fmt.Sprintf("ok: %v", g.OK)
	}
	for _, line := range strings.Split(text, "\n") {
		d.printf("    %s\n", line)
	}
	return g
}

// diagnostician is who asks for diagnostics: the operator when the demo
// has its key (it sees both accounts' documents), else account A, which
// sees only its own.
func (o *Options) diagnostician() Credentials {
	if o.Operator.AccessKeyID != "" {
		return o.Operator
	}
	return o.A
}
