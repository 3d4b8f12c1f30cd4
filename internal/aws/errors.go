// Package aws holds the vocabulary every Ferry service shares: AWS API errors,
// account ids, regions, principals, request ids and the clock.
package aws

import (
	"errors"
	"fmt"
	"net/http"
)

// Field is one extra element of an S3 error body, written after Message in
// the order the fields were added (for example BucketName or Key).
type Field struct {
	Name  string
	Value string
}

// Error is an AWS API error: the wire code, the exact message, the HTTP status
// and any extra elements. It may wrap an internal cause, which is logged but
// never sent to the client.
type Error struct {
	Code    string
	Message string
	Status  int
	Fields  []Field
	// Header holds response headers that travel with the error (for example
	// x-amz-bucket-region or x-amz-delete-marker).
	Header http.Header
	// Cause is an internal error kept for logs; it is never sent on the wire.
	Cause error
}

// Error implements the error interface.
func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Cause }

// With returns a copy of e with an extra element appended.
func (e *Error) With(name, value string) *Error {
	c := *e
	c.Fields = append(append([]Field(nil), e.Fields...), Field{name, value})
	return &c
}

// WithHeader returns a copy of e that carries a response header.
func (e *Error) WithHeader(name, value string) *Error {
	c := *e
	c.Header = e.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Set(name, value)
	return &c
}

// WithCause returns a copy of e wrapping an internal cause.
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.Cause = err
	return &c
}

// Field returns the value of the named extra element, or "".
func (e *Error) Field(name string) string {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// New builds an error from a code, status and message.
func New(code string, status int, message string) *Error {
	return &Error{Code: code, Status: status, Message: message}
}

// Newf builds an error whose message is formatted.
func Newf(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// As returns the *Error inside err, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// IsCode reports whether err is an AWS error with the given code.
func IsCode(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

// Internal wraps an unexpected failure as S3's InternalError, keeping the cause
// for the logs.
func Internal(cause error) *Error {
	return ErrInternalError().WithCause(cause)
}
