// Package kmsapi serves KMS's wire protocol, AWS JSON 1.1, over kms.Service:
// a POST whose X-Amz-Target header is "TrentService.<Operation>" and whose
// body is the operation's input as JSON. Inputs decode into the AWS SDK's
// own input types (github.com/aws/aws-sdk-go-v2/service/kms), so member names
// are exactly the API's; outputs use the same names, with timestamps as
// epoch seconds and binary members as base64. Errors are
// {"__type": code, "message": text} with the status of the error catalogue.
package kmsapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/awsjson"
	"github.com/ferrystore/ferry/internal/kms"
)

// TargetPrefix starts the X-Amz-Target of every KMS operation.
const TargetPrefix = "TrentService."

// contentType is the media type of KMS requests and responses.
const contentType = "application/x-amz-json-1.1"

// protocol is KMS's dialect of the AWS JSON protocol. A body is bounded at
// 1 MiB: the largest KMS input (a 6 KiB ciphertext or a 32 KiB policy,
// base64) fits with room to spare.
var protocol = awsjson.Protocol{TargetPrefix: TargetPrefix, ContentType: contentType, MaxBody: 1 << 20,
	TooLarge: func() error { return aws.ErrKMSValidation("Request body is too large.") }}

// API serves KMS for one kms.Service.
type API struct {
	KMS *kms.Service
	Log *slog.Logger
}

// call is one KMS request on its way through an operation.
type call struct {
	ctx    context.Context
	kms    *kms.Service
	p      aws.Principal
	region string
	body   []byte
}

// handler runs one operation and returns its output document.
type handler func(c *call) (any, error)

// op adapts an operation written against its SDK input type.
func op[In any](fn func(c *call, in *In) (any, error)) handler {
	return func(c *call) (any, error) {
		in, err := awsjson.Decode[In](c.body)
		if err != nil {
			return nil, err
		}
		if err := checkGrantTokens(in); err != nil {
			return nil, err
		}
		out, err := fn(c, in)
		if err == nil && dryRun(in) {
			return nil, errDryRun()
		}
		return out, err
	}
}

// dryRun reports whether an input's DryRun member is true. Operations with
// lasting effects check it before acting; the others run and then answer
// DryRunOperationException in place of their output.
func dryRun(in any) bool {
	f := reflect.ValueOf(in).Elem().FieldByName("DryRun")
	return f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Bool()
}

// checkGrantTokens refuses an input whose GrantTokens member holds a token
// Ferry did not issue. Valid tokens change nothing: a grant is effective as
// soon as CreateGrant returns.
func checkGrantTokens(in any) error {
	f := reflect.ValueOf(in).Elem().FieldByName("GrantTokens")
	if !f.IsValid() || f.Kind() != reflect.Slice {
		return nil
	}
	for i := 0; i < f.Len(); i++ {
		if _, _, err := parseGrantToken(f.Index(i).String()); err != nil {
			return err
		}
	}
	return nil
}

func errDryRun() error {
	return aws.New("DryRunOperationException", 400, "The request would have succeeded, but the DryRun option is set.")
}

var handlers = awsjson.Registry[handler]{}

func register(name string, h handler) { handlers.Register(name, h) }

// Operation returns the operation a request names, "" when it is not a KMS
// request.
func Operation(r *http.Request) string { return protocol.Operation(r) }

// Serve runs an authenticated KMS request. region is the SigV4 scope's
// region: the region whose keys the request addresses.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, p aws.Principal, region string, body io.Reader, reqID string) {
	out, err := a.serve(r, p, region, body)
	protocol.Reply(w, reqID, out, err, a.WriteError)
}

func (a *API) serve(r *http.Request, p aws.Principal, region string, body io.Reader) (any, error) {
	if r.Method != http.MethodPost {
		return nil, aws.New("UnknownOperationException", 400, "")
	}
	h, ok := handlers[Operation(r)]
	if !ok {
		return nil, aws.New("UnknownOperationException", 400, "")
	}
	raw, err := protocol.ReadBody(body)
	if err != nil {
		return nil, err
	}
	return h(&call{ctx: r.Context(), kms: a.KMS, p: p, region: region, body: raw})
}

// WriteError sends err as KMS does. Errors that are not AWS errors are
// KMSInternalException; S3-style authentication errors take KMS's names.
func (a *API) WriteError(w http.ResponseWriter, err error) {
	e, ok := aws.As(err)
	if !ok || e.Status >= 500 {
		if a.Log != nil {
			a.Log.Error("kms request failed", "err", err)
		}
		e = aws.ErrKMSInternal(err)
	}
	e = authError(e)
	w.Header().Set("x-amzn-ErrorType", e.Code)
	protocol.WriteError(w, e, e.Code)
}

// authError renames the S3 authentication errors the SigV4 verifier
// returns to KMS's; an AccessDenied from the verifier is a 400 in KMS.
func authError(e *aws.Error) *aws.Error {
	if renamed, ok := awsjson.AuthError(e); ok {
		return renamed
	}
	if e.Code == "AccessDenied" {
		return aws.New(e.Code, 400, e.Message)
	}
	return e
}

// required returns a required string member or the ValidationException AWS
// sends when it is missing.
func required(name string, v *string) (string, error) {
	if v == nil || *v == "" {
		return "", aws.ErrKMSValidation(fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", name))
	}
	return *v, nil
}

func str(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

func num(v *int32) int {
	if v == nil {
		return 0
	}
	return int(*v)
}

// empty is the output of operations that return nothing.
type empty struct{}
