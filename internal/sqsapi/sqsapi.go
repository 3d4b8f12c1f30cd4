// Package sqsapi serves SQS's wire protocol, AWS JSON 1.0, over
// sqs.Service: a POST whose X-Amz-Target header is "AmazonSQS.<Operation>"
// and whose body is the operation's input as JSON (member names of the API
// model). Errors are {"__type": "com.amazonaws.sqs#Code", "message": …}
// with the x-amzn-query-error header ("AWS.SimpleQueueService.…;Sender")
// SQS sends so that clients of its older Query protocol see their codes.
//
// Queue URLs are http(s)://<endpoint>/<account-id>/<queue-name>: Ferry
// serves every region from one endpoint, and the region is the one in the
// request's signature.
package sqsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/sqs"
)

// TargetPrefix starts the X-Amz-Target of every SQS operation.
const TargetPrefix = "AmazonSQS."

const contentType = "application/x-amz-json-1.0"

// maxBody bounds a request body: ten 1 MiB messages and their attributes.
const maxBody = 12 << 20

// API serves SQS for one sqs.Service.
type API struct {
	SQS *sqs.Service
	Log *slog.Logger
}

// call is one request on its way through an operation.
type call struct {
	ctx    context.Context
	sqs    *sqs.Service
	p      aws.Principal
	region string
	// base is the endpoint queue URLs are built on (scheme://host).
	base string
	body []byte
}

type handler func(c *call) (any, error)

// op adapts an operation written against its input type.
func op[In any](fn func(c *call, in *In) (any, error)) handler {
	return func(c *call) (any, error) {
		in := new(In)
		if len(c.body) > 0 {
			if err := json.Unmarshal(c.body, in); err != nil {
				return nil, errSerialization(err)
			}
		}
		return fn(c, in)
	}
}

var handlers = map[string]handler{}

func register(name string, h handler) {
	if _, dup := handlers[name]; dup {
		panic("sqsapi: duplicate handler for " + name)
	}
	handlers[name] = h
}

// Operation returns the operation a request names, "" when it is not an
// SQS JSON request.
func Operation(r *http.Request) string {
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	if !ok {
		return ""
	}
	return name
}

// Serve runs an authenticated SQS request; region is the SigV4 scope's.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, p aws.Principal, region string, body io.Reader, reqID string) {
	w.Header().Set("x-amzn-RequestId", reqID)
	out, err := a.serve(r, p, region, body)
	if err != nil {
		a.WriteError(w, err)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		a.WriteError(w, fmt.Errorf("sqsapi: encode output: %w", err))
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (a *API) serve(r *http.Request, p aws.Principal, region string, body io.Reader) (any, error) {
	h, ok := handlers[Operation(r)]
	if r.Method != http.MethodPost || !ok {
		// [Inf] SQS's answer to an unknown target.
		return nil, aws.New("UnknownOperationException", 400, "")
	}
	raw, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	if e, ok := aws.As(err); ok {
		return nil, e // the verified body failed its payload hash
	}
	if err != nil {
		return nil, errSerialization(err)
	}
	if len(raw) > maxBody {
		return nil, sqs.ErrInvalidParameterValue("Request body is too large.")
	}
	return h(&call{ctx: r.Context(), sqs: a.SQS, p: p, region: region, base: baseURL(r), body: raw})
}

// baseURL is the endpoint the client called.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// WriteError sends err as SQS does. Errors that are not AWS errors are
// InternalFailure; S3-style authentication errors take the JSON services'
// names.
func (a *API) WriteError(w http.ResponseWriter, err error) {
	e, ok := aws.As(err)
	if !ok || e.Status >= 500 {
		if a.Log != nil {
			a.Log.Error("sqs request failed", "err", err)
		}
		if !ok || e.Code == "InternalError" {
			e = sqs.ErrInternal(err)
		}
	}
	e = authError(e)
	doc := map[string]string{"__type": typeOf(e.Code)}
	if e.Message != "" {
		doc["message"] = e.Message
	}
	b, _ := json.Marshal(doc)
	for k, v := range e.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(e.Status)
	w.Write(b)
}

// typeOf is the __type of an error code: the model's namespace for SQS's
// own errors. [Inf] for the codes SQS's model does not define.
func typeOf(code string) string {
	switch code {
	case "AccessDenied":
		return "com.amazon.coral.service#AccessDeniedException"
	case "MissingAuthenticationToken":
		return "com.amazon.coral.service#MissingAuthenticationTokenException"
	case "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature", "ExpiredTokenException",
		"UnknownOperationException", "SerializationException", "InternalFailure", "RequestTimeTooSkewed":
		return "com.amazon.coral.service#" + code
	}
	return "com.amazonaws.sqs#" + code
}

// authError renames the S3 authentication errors the SigV4 verifier
// returns to those of JSON-protocol services.
func authError(e *aws.Error) *aws.Error {
	with := func(code string, status int, msg string) *aws.Error {
		return aws.New(code, status, msg).WithHeader(sqs.QueryErrorHeader, queryCode(code)+";Sender")
	}
	switch e.Code {
	case "InvalidAccessKeyId", "InvalidToken":
		return with("UnrecognizedClientException", 400, "The security token included in the request is invalid.")
	case "ExpiredToken":
		return with("ExpiredTokenException", 400, "The security token included in the request is expired")
	case "SignatureDoesNotMatch", "XAmzContentSHA256Mismatch":
		return with("InvalidSignatureException", 400, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	case "RequestTimeTooSkewed", "AuthorizationHeaderMalformed":
		return with(e.Code, 400, e.Message)
	}
	return e
}

// queryCode is the Query-protocol code of an authentication error.
func queryCode(code string) string {
	switch code {
	case "UnrecognizedClientException", "InvalidSignatureException":
		return map[string]string{"UnrecognizedClientException": "InvalidClientTokenId", "InvalidSignatureException": "SignatureDoesNotMatch"}[code]
	case "ExpiredTokenException":
		return "ExpiredToken"
	}
	return code
}

func errSerialization(err error) error {
	var se *json.SyntaxError
	msg := ""
	if errors.As(err, &se) {
		msg = "Start of structure or map found where not expected."
	}
	return aws.New("SerializationException", 400, msg).WithCause(err)
}

// queueRef reads a QueueUrl: its path is /ACCOUNT/NAME; the region is the
// request's.
func (c *call) queueRef(queueURL *string) (sqs.Ref, error) {
	if queueURL == nil || *queueURL == "" {
		return sqs.Ref{}, sqs.ErrMissingParameter("QueueUrl")
	}
	u, err := url.Parse(*queueURL)
	if err != nil {
		return sqs.Ref{}, sqs.ErrInvalidAddress(*queueURL)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || !aws.AccountID(parts[0]).Valid() || parts[1] == "" {
		return sqs.Ref{}, sqs.ErrInvalidAddress(*queueURL)
	}
	return sqs.Ref{Account: aws.AccountID(parts[0]), Region: c.region, Name: parts[1]}, nil
}

// queueURL is the URL of a queue at the endpoint the client called.
func (c *call) queueURL(q *sqs.Queue) string { return c.base + q.Path() }

func str(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

func intOf(v *int32) *int {
	if v == nil {
		return nil
	}
	i := int(*v)
	return &i
}

// empty is the output of operations that return nothing.
type empty struct{}
