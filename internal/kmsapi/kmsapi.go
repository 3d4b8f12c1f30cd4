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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
)

// TargetPrefix starts the X-Amz-Target of every KMS operation.
const TargetPrefix = "TrentService."

// contentType is the media type of KMS requests and responses.
const contentType = "application/x-amz-json-1.1"

// maxBody bounds a request body; the largest KMS input (a 6 KiB ciphertext
// or a 32 KiB policy, base64) fits with room to spare.
const maxBody = 1 << 20

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
		in := new(In)
		if len(c.body) > 0 {
			if err := json.Unmarshal(c.body, in); err != nil {
				return nil, errSerialization(err)
			}
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

var handlers = map[string]handler{}

func register(name string, h handler) {
	if _, dup := handlers[name]; dup {
		panic("kmsapi: duplicate handler for " + name)
	}
	handlers[name] = h
}

// Operation returns the operation a request names, "" when it is not a KMS
// request.
func Operation(r *http.Request) string {
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	if !ok {
		return ""
	}
	return name
}

// Serve runs an authenticated KMS request. region is the SigV4 scope's
// region: the region whose keys the request addresses.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, p aws.Principal, region string, body io.Reader, reqID string) {
	w.Header().Set("x-amzn-RequestId", reqID)
	out, err := a.serve(r, p, region, body)
	if err != nil {
		a.WriteError(w, err)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		a.WriteError(w, fmt.Errorf("kmsapi: encode output: %w", err))
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (a *API) serve(r *http.Request, p aws.Principal, region string, body io.Reader) (any, error) {
	if r.Method != http.MethodPost {
		return nil, aws.New("UnknownOperationException", 400, "")
	}
	h, ok := handlers[Operation(r)]
	if !ok {
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
		return nil, aws.ErrKMSValidation("Request body is too large.")
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
	doc := map[string]string{"__type": e.Code}
	if e.Message != "" {
		doc["message"] = e.Message
	}
	b, _ := json.Marshal(doc)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	w.Write(b)
}

// authError renames the S3 authentication errors the SigV4 verifier
// returns to those of JSON-protocol services.
func authError(e *aws.Error) *aws.Error {
	switch e.Code {
	case "InvalidAccessKeyId", "InvalidToken":
		return aws.New("UnrecognizedClientException", 400, "The security token included in the request is invalid.")
	case "ExpiredToken":
		return aws.New("ExpiredTokenException", 400, "The security token included in the request is expired")
	case "SignatureDoesNotMatch", "XAmzContentSHA256Mismatch":
		return aws.New("InvalidSignatureException", 400, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	case "AccessDenied", "RequestTimeTooSkewed", "AuthorizationHeaderMalformed":
		return aws.New(e.Code, 400, e.Message)
	}
	return e
}

func errSerialization(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return aws.New("SerializationException", 400, "Start of structure or map found where not expected.").WithCause(err)
	}
	return aws.New("SerializationException", 400, "").WithCause(err)
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
