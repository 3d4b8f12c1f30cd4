// Package awsjson is what Ferry's services on the AWS JSON protocol (KMS
// on JSON 1.1, SQS on JSON 1.0) share: an operation named by the
// X-Amz-Target header and served by a registered handler, a bounded body
// decoded into the operation's input, a JSON output, and the protocol's
// names for the errors of the SigV4 verifier, which speaks S3's.
package awsjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// Protocol is one service's dialect of the protocol.
type Protocol struct {
	// TargetPrefix starts every X-Amz-Target ("TrentService.").
	TargetPrefix string
	// ContentType is the media type of requests and responses.
	ContentType string
	// MaxBody bounds a request body; TooLarge is the error for a longer one.
	MaxBody  int
	TooLarge func() error
}

// Operation returns the operation a request names, "" when it names none
// of this protocol's.
func (p Protocol) Operation(r *http.Request) string {
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), p.TargetPrefix)
	if !ok {
		return ""
	}
	return name
}

// ReadBody reads a request body of at most MaxBody bytes. An AWS error
// from body (the verifier's payload-hash check) comes back as it is.
func (p Protocol) ReadBody(body io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(body, int64(p.MaxBody)+1))
	if e, ok := aws.As(err); ok {
		return nil, e
	}
	if err != nil {
		return nil, SerializationError(err)
	}
	if len(raw) > p.MaxBody {
		return nil, p.TooLarge()
	}
	return raw, nil
}

// WriteOutput sends out as a 200 response; it returns the error of
// encoding it, having sent nothing.
func (p Protocol) WriteOutput(w http.ResponseWriter, out any) error {
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", p.ContentType)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return nil
}

// Reply sends an operation's answer: with the request id header, out as
// JSON, or err through writeErr (also when out cannot be encoded).
func (p Protocol) Reply(w http.ResponseWriter, reqID string, out any, err error, writeErr func(http.ResponseWriter, error)) {
	w.Header().Set("x-amzn-RequestId", reqID)
	if err == nil {
		if err = p.WriteOutput(w, out); err != nil {
			err = fmt.Errorf("awsjson: encode output: %w", err)
		}
	}
	if err != nil {
		writeErr(w, err)
	}
}

// WriteError sends e as {"__type": typ, "message": …} with e's status and
// headers.
func (p Protocol) WriteError(w http.ResponseWriter, e *aws.Error, typ string) {
	doc := map[string]string{"__type": typ}
	if e.Message != "" {
		doc["message"] = e.Message
	}
	b, _ := json.Marshal(doc)
	for k, v := range e.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", p.ContentType)
	w.WriteHeader(e.Status)
	w.Write(b)
}

// Registry holds a service's operation handlers by name.
type Registry[H any] map[string]H

// Register adds the handler of an operation; a second one for the same
// name is a programming error.
func (r Registry[H]) Register(name string, h H) {
	if _, dup := r[name]; dup {
		panic("awsjson: duplicate handler for " + name)
	}
	r[name] = h
}

// Decode decodes an operation's input; an empty body is the zero input.
func Decode[In any](body []byte) (*In, error) {
	in := new(In)
	if len(body) > 0 {
		if err := json.Unmarshal(body, in); err != nil {
			return nil, SerializationError(err)
		}
	}
	return in, nil
}

// SerializationError is the protocol's answer to a body that is not the
// operation's input.
func SerializationError(err error) error {
	var se *json.SyntaxError
	msg := ""
	if errors.As(err, &se) {
		msg = "Start of structure or map found where not expected."
	}
	return aws.New("SerializationException", 400, msg).WithCause(err)
}

// AuthError renames an authentication error of the SigV4 verifier (S3's
// codes) to the JSON services' own, all with status 400; ok is false for
// any other error.
func AuthError(e *aws.Error) (renamed *aws.Error, ok bool) {
	switch e.Code {
	case "InvalidAccessKeyId", "InvalidToken":
		return aws.New("UnrecognizedClientException", 400, "The security token included in the request is invalid."), true
	case "ExpiredToken":
		return aws.New("ExpiredTokenException", 400, "The security token included in the request is expired"), true
	case "SignatureDoesNotMatch", "XAmzContentSHA256Mismatch":
		return aws.New("InvalidSignatureException", 400, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."), true
	case "RequestTimeTooSkewed", "AuthorizationHeaderMalformed":
		return aws.New(e.Code, 400, e.Message), true
	}
	return e, false
}
