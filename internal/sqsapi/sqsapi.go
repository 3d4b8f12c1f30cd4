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
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/awsjson"
	"github.com/ferrystore/ferry/internal/sqs"
)

// TargetPrefix starts the X-Amz-Target of every SQS operation.
const TargetPrefix = "AmazonSQS."

const contentType = "application/x-amz-json-1.0"

// protocol is SQS's dialect of the AWS JSON protocol. A body is bounded at
// 12 MiB: ten 1 MiB messages and their attributes. [Inf] SQS's answer to a
// longer body.
var protocol = awsjson.Protocol{TargetPrefix: TargetPrefix, ContentType: contentType, MaxBody: 12 << 20,
	TooLarge: func() error { return sqs.ErrInvalidParameterValue("Request body is too large.") }}

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
		in, err := awsjson.Decode[In](c.body)
		if err != nil {
			return nil, err
		}
		return fn(c, in)
	}
}

var handlers = awsjson.Registry[handler]{}

func register(name string, h handler) { handlers.Register(name, h) }

// Operation returns the operation a request names, "" when it is not an
// SQS JSON request.
func Operation(r *http.Request) string { return protocol.Operation(r) }

// Serve runs an authenticated SQS request; region is the SigV4 scope's.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, p aws.Principal, region string, body io.Reader, reqID string) {
	out, err := a.serve(r, p, region, body)
	protocol.Reply(w, reqID, out, err, a.WriteError)
}

func (a *API) serve(r *http.Request, p aws.Principal, region string, body io.Reader) (any, error) {
	h, ok := handlers[Operation(r)]
	if r.Method != http.MethodPost || !ok {
		// [Inf] SQS's answer to an unknown target.
		return nil, aws.New("UnknownOperationException", 400, "")
	}
	raw, err := protocol.ReadBody(body)
	if err != nil {
		return nil, err
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
	protocol.WriteError(w, e, typeOf(e.Code))
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
// returns to those of JSON-protocol services, with the Query protocol's
// code in x-amzn-query-error as SQS sends it.
func authError(e *aws.Error) *aws.Error {
	renamed, ok := awsjson.AuthError(e)
	if !ok {
		return e
	}
	return renamed.WithHeader(sqs.QueryErrorHeader, queryCode(renamed.Code)+";Sender")
}

// queryCode is the Query-protocol code of an authentication error.
func queryCode(code string) string {
	switch code {
	case "UnrecognizedClientException":
		return "InvalidClientTokenId"
	case "InvalidSignatureException":
		return "SignatureDoesNotMatch"
	case "ExpiredTokenException":
		return "ExpiredToken"
	}
	return code
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
