package query

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ferrystore/ferry/internal/aws"
)

// maxBody bounds a request's form body (policy documents are at most a few
// KiB; AWS rejects larger requests long before this).
const maxBody = 1 << 20

// Handler runs one operation for a caller: it decodes the parameters and
// calls the service.
type Handler func(ctx context.Context, p aws.Principal, params url.Values) (any, error)

// Op adapts a service method taking an SDK input struct into a Handler.
func Op[I, O any](m *Model, action string, f func(context.Context, aws.Principal, *I) (*O, error)) Handler {
	if _, ok := m.Operations[action]; !ok {
		panic("query: operation " + action + " is not in the model")
	}
	return func(ctx context.Context, p aws.Principal, params url.Values) (any, error) {
		in := new(I)
		if err := m.Decode(action, params, in); err != nil {
			return nil, err
		}
		return f(ctx, p, in)
	}
}

// API serves one Query-protocol service.
type API struct {
	Model    *Model
	Handlers map[string]Handler
	Log      *slog.Logger
	// Refuse, when set, may turn a signed caller away before any action
	// runs (IAM refuses GetSessionToken credentials).
	Refuse func(p aws.Principal) error
}

// Serve answers a request whose signature has been verified (body is the
// verified request body) and returns the action it named, if known. IAM and
// STS take no anonymous calls: MissingAuthenticationToken.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, p aws.Principal, body io.Reader) string {
	reqID := NewRequestID()
	if p.IsAnonymous() {
		a.WriteError(w, ErrMissingAuthentication(), reqID)
		return ""
	}
	if a.Refuse != nil {
		if err := a.Refuse(p); err != nil {
			a.WriteError(w, err, reqID)
			return ""
		}
	}
	params, err := Params(r, body)
	if err != nil {
		a.WriteError(w, err, reqID)
		return ""
	}
	action := params.Get("Action")
	if action == "" {
		a.WriteError(w, ErrMissingAction(), reqID)
		return ""
	}
	h, ok := a.Handlers[action]
	if !ok {
		a.WriteError(w, ErrInvalidAction(action, params.Get("Version")), reqID)
		return ""
	}
	out, err := h(r.Context(), p, params)
	if err != nil {
		a.WriteError(w, err, reqID)
		return action
	}
	doc, err := a.Model.Encode(action, out, reqID)
	if err != nil {
		a.WriteError(w, aws.Internal(err), reqID)
		return action
	}
	a.write(w, http.StatusOK, doc, reqID)
	return action
}

// WriteError sends err as a Query error body; failures that are not AWS
// errors are logged and answered as a server fault.
func (a *API) WriteError(w http.ResponseWriter, err error, reqID string) {
	e := asAWS(err)
	if e.Status >= 500 && a.Log != nil {
		a.Log.Error("query request failed", "error", err, "request_id", reqID)
	}
	a.write(w, e.Status, a.Model.EncodeError(e.Code, e.Message, e.Status, reqID), reqID)
}

func (a *API) write(w http.ResponseWriter, status int, body []byte, reqID string) {
	h := w.Header() // httpd has already dropped S3's request headers
	h.Set("x-amzn-RequestId", reqID)
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// Params returns a request's parameters: the URL query merged with a
// form-encoded body (the SDKs and the CLI POST the form).
func Params(r *http.Request, body io.Reader) (url.Values, error) {
	params := r.URL.Query()
	if r.Method != http.MethodPost {
		return params, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, aws.New("InvalidParameterValue", http.StatusBadRequest, "Unsupported Content-Type: "+ct)
		}
	}
	raw, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	if err != nil {
		if e, ok := aws.As(err); ok {
			return nil, e
		}
		return nil, aws.New("IncompleteSignature", http.StatusBadRequest, "The request body could not be read").WithCause(err)
	}
	if len(raw) > maxBody {
		return nil, aws.New("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "Request body exceeds the maximum size")
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, aws.New("MalformedQueryString", http.StatusBadRequest, "The query string is malformed").WithCause(err)
	}
	for k, v := range form {
		params[k] = append(params[k], v...)
	}
	return params, nil
}

// NewRequestID returns a random (version 4) UUID, the request id form of
// IAM and STS.
func NewRequestID() string { return aws.NewUUID() }
