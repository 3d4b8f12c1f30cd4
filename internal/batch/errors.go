package batch

import (
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
)

// The S3 Control errors of the job operations (shapes of the s3control
// model). AWS's API reference lists HTTP 400 for all of them (500 for
// InternalServiceException); their messages are Ferry's wording, AWS's
// are not published.

// ErrBadRequest is a request that fails validation.
func ErrBadRequest(msg string) *aws.Error {
	return aws.New("BadRequestException", http.StatusBadRequest, msg)
}

// ErrInvalidRequest is ListJobs' (and the account header's) validation error.
func ErrInvalidRequest(msg string) *aws.Error {
	return aws.New("InvalidRequestException", http.StatusBadRequest, msg)
}

// ErrNotFound is an unknown job id.
func ErrNotFound(id string) *aws.Error {
	return aws.New("NotFoundException", http.StatusBadRequest, "Job not found: "+id)
}

// ErrIdempotency is a ClientRequestToken reused with another request.
func ErrIdempotency() *aws.Error {
	return aws.New("IdempotencyException", http.StatusBadRequest,
		"The ClientRequestToken was already used for a different CreateJob request")
}

// ErrJobStatus is a status change the job's current status does not allow.
func ErrJobStatus(msg string) *aws.Error {
	return aws.New("JobStatusException", http.StatusBadRequest, msg)
}

// ErrInvalidNextToken is a ListJobs NextToken that names no job.
func ErrInvalidNextToken() *aws.Error {
	return aws.New("InvalidNextTokenException", http.StatusBadRequest, "The NextToken is not valid")
}
