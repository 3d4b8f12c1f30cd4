package query

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
)

// ErrInvalidAction: the Action parameter names no operation of the service
// (version is the request's Version parameter, if any).
func ErrInvalidAction(action, version string) *aws.Error {
	if version == "" {
		version = "NO_VERSION_SPECIFIED"
	}
	return aws.New("InvalidAction", http.StatusBadRequest, "Could not find operation "+action+" for version "+version)
}

// ErrMissingAction: the request has no Action parameter.
func ErrMissingAction() *aws.Error {
	return aws.New("MissingAction", http.StatusBadRequest, "Missing Action")
}

// ErrValidation is a ValidationError with a free-form message.
func ErrValidation(message string) *aws.Error {
	return aws.New("ValidationError", http.StatusBadRequest, message)
}

// validationError joins constraint violations as AWS does:
// "1 validation error detected: A" or "2 validation errors detected: A; B".
func validationError(violations []string) error {
	switch len(violations) {
	case 0:
		return nil
	case 1:
		return ErrValidation("1 validation error detected: " + violations[0])
	}
	return ErrValidation(strconv.Itoa(len(violations)) + " validation errors detected: " + strings.Join(violations, "; "))
}

// The authentication errors of the Query services. IAM and STS word them
// differently from S3, which is what internal/sigv4 produces.
var (
	errInvalidClientTokenID = aws.New("InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid.")
	errExpiredToken         = aws.New("ExpiredToken", http.StatusForbidden, "The security token included in the request is expired")
	errSignature            = aws.New("SignatureDoesNotMatch", http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
)

// ErrSessionTokenRefused is IAM's answer to credentials from
// GetSessionToken without MFA ("You cannot call any IAM API operations
// unless MFA authentication information is included in the request"): the
// same InvalidClientTokenId as an unknown token. [Inf] The code and message
// of this refusal are not in the catalogue of observed answers.
func ErrSessionTokenRefused() error { return errInvalidClientTokenID }

// AuthError translates an authentication failure from internal/sigv4 (worded
// for S3) into what IAM and STS answer: an unknown or inactive access key and
// a missing or wrong session token are InvalidClientTokenId, an expired
// session is ExpiredToken (403), a bad signature has the Query-service text,
// and a skewed clock is SignatureDoesNotMatch "Signature expired: …".
func AuthError(err error, now time.Time) error {
	e, ok := aws.As(err)
	if !ok {
		return err
	}
	switch e.Code {
	case "InvalidAccessKeyId", "InvalidToken":
		return errInvalidClientTokenID
	case "ExpiredToken":
		return errExpiredToken
	case "SignatureDoesNotMatch":
		return errSignature
	case "RequestTimeTooSkewed":
		return skewError(e.Field("RequestTime"), now)
	}
	return &aws.Error{Code: e.Code, Message: e.Message, Status: e.Status, Cause: e.Cause}
}

// skewError words a request time outside the 15-minute window as IAM and
// STS do, e.g. "Signature expired: 20220127T001427Z is now earlier than
// 20220127T014428Z (20220127T015928Z - 15 min.)".
func skewError(sent string, now time.Time) *aws.Error {
	const layout = "20060102T150405Z"
	now = now.UTC()
	if t, err := time.Parse(layout, sent); err == nil && t.After(now) {
		return aws.New("SignatureDoesNotMatch", http.StatusForbidden, "Signature not yet current: "+sent+" is still later than "+
			now.Add(15*time.Minute).Format(layout)+" ("+now.Format(layout)+" + 15 min.)")
	}
	return aws.New("SignatureDoesNotMatch", http.StatusForbidden, "Signature expired: "+sent+" is now earlier than "+
		now.Add(-15*time.Minute).Format(layout)+" ("+now.Format(layout)+" - 15 min.)")
}

// errorType is Sender for client errors and Receiver for server faults.
func errorType(status int) string {
	if status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// asAWS returns err as an *aws.Error, wrapping anything else as an internal
// failure whose cause stays in the logs.
func asAWS(err error) *aws.Error {
	if e, ok := aws.As(err); ok && e.Status < 500 {
		return e
	}
	return &aws.Error{Code: "ServiceFailure", Status: http.StatusInternalServerError,
		Message: "The request processing has failed because of an unknown error, exception or failure.", Cause: err}
}

// ErrMissingAuthentication: an unsigned request to IAM or STS.
func ErrMissingAuthentication() *aws.Error {
	return aws.New("MissingAuthenticationToken", http.StatusForbidden, "Request is missing Authentication Token")
}
