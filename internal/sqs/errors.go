package sqs

import (
	"fmt"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
)

// QueryErrorHeader carries an error's code in SQS's older Query protocol
// ("Code;Sender"): SQS sends it with every JSON error so that clients
// written for either protocol see the same codes.
const QueryErrorHeader = "x-amzn-query-error"

// newError is an SQS error: code is the shape name in the API model (the
// JSON protocol's __type), query the awsQueryError code of the model.
func newError(code string, status int, query, message string) *aws.Error {
	return aws.New(code, status, message).WithHeader(QueryErrorHeader, query+";Sender")
}

// ErrQueueDoesNotExist is the answer for a queue that is not there (or that
// the caller may not know of).
func ErrQueueDoesNotExist() *aws.Error {
	return newError("QueueDoesNotExist", http.StatusBadRequest, "AWS.SimpleQueueService.NonExistentQueue",
		"The specified queue does not exist.")
}

// ErrQueueNameExists is CreateQueue's answer for an existing queue whose
// attributes differ from the request's. [Inf] wording.
func ErrQueueNameExists(attribute string) *aws.Error {
	return newError("QueueNameExists", http.StatusBadRequest, "QueueAlreadyExists",
		"A queue already exists with the same name and a different value for attribute "+attribute)
}

// ErrQueueDeletedRecently refuses a queue of a name deleted less than 60
// seconds ago.
func ErrQueueDeletedRecently() *aws.Error {
	return newError("QueueDeletedRecently", http.StatusBadRequest, "AWS.SimpleQueueService.QueueDeletedRecently",
		"You must wait 60 seconds after deleting a queue before you can create another with the same name.")
}

// ErrInvalidAttributeName names an attribute SQS does not know.
func ErrInvalidAttributeName(name string) *aws.Error {
	return newError("InvalidAttributeName", http.StatusBadRequest, "InvalidAttributeName", "Unknown Attribute "+name+".")
}

// ErrInvalidAttributeValue is a known attribute with a value out of range.
// [Inf] wording after the Policy one.
func ErrInvalidAttributeValue(name, reason string) *aws.Error {
	msg := "Invalid value for the parameter " + name + "."
	if reason != "" {
		msg = "Invalid value for the parameter " + name + ". Reason: " + reason
	}
	return newError("InvalidAttributeValue", http.StatusBadRequest, "InvalidAttributeValue", msg)
}

// ErrInvalidParameterValue is a request parameter out of its range. [Inf]
// SQS's JSON protocol does not model this code.
func ErrInvalidParameterValue(message string) *aws.Error {
	return newError("InvalidParameterValue", http.StatusBadRequest, "InvalidParameterValue", message)
}

// ErrMissingParameter is a required parameter left out. [Inf] not modelled.
func ErrMissingParameter(name string) *aws.Error {
	return newError("MissingParameter", http.StatusBadRequest, "MissingParameter",
		"The request must contain the parameter "+name+".")
}

// ErrInvalidAddress is a QueueUrl Ferry cannot read. [Inf] wording.
func ErrInvalidAddress(url string) *aws.Error {
	return newError("InvalidAddress", http.StatusNotFound, "InvalidAddress",
		fmt.Sprintf("The address %s is not valid for this endpoint.", url))
}

// ErrReceiptHandleIsInvalid is a receipt handle Ferry did not issue.
func ErrReceiptHandleIsInvalid(handle string) *aws.Error {
	return newError("ReceiptHandleIsInvalid", http.StatusNotFound, "ReceiptHandleIsInvalid",
		fmt.Sprintf("The input receipt handle %q is not a valid receipt handle.", handle))
}

// ErrMessageNotInflight answers ChangeMessageVisibility for a message that
// is not in flight under that receipt handle. [Inf] wording.
func ErrMessageNotInflight() *aws.Error {
	return newError("MessageNotInflight", http.StatusBadRequest, "AWS.SimpleQueueService.MessageNotInflight",
		"Message does not exist or is not available for visibility timeout change.")
}

// ErrInvalidMessageContents is a body with characters SQS refuses or over
// the queue's maximum size. [Inf] wording.
func ErrInvalidMessageContents(reason string) *aws.Error {
	return newError("InvalidMessageContents", http.StatusBadRequest, "InvalidMessageContents", reason)
}

// ErrPurgeQueueInProgress refuses a purge within 60 seconds of the last.
func ErrPurgeQueueInProgress(arn string) *aws.Error {
	return newError("PurgeQueueInProgress", http.StatusForbidden, "AWS.SimpleQueueService.PurgeQueueInProgress",
		"Only one PurgeQueue operation on "+arn+" is allowed every 60 seconds.")
}

// ErrEmptyBatchRequest is a batch without entries; entry names the
// operation's entry type (SendMessageBatchRequestEntry, …).
func ErrEmptyBatchRequest(entry string) *aws.Error {
	return newError("EmptyBatchRequest", http.StatusBadRequest, "AWS.SimpleQueueService.EmptyBatchRequest",
		"There should be at least one "+entry+" in the request.")
}

// ErrTooManyEntriesInBatchRequest is a batch of more than ten entries.
func ErrTooManyEntriesInBatchRequest(n int) *aws.Error {
	return newError("TooManyEntriesInBatchRequest", http.StatusBadRequest,
		"AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
		fmt.Sprintf("Maximum number of entries per request are 10. You have sent %d.", n))
}

// ErrBatchEntryIdsNotDistinct is a batch with a repeated entry id.
func ErrBatchEntryIdsNotDistinct(id string) *aws.Error {
	return newError("BatchEntryIdsNotDistinct", http.StatusBadRequest,
		"AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id "+id+" repeated.")
}

// ErrInvalidBatchEntryID is an entry id with characters SQS refuses.
func ErrInvalidBatchEntryID() *aws.Error {
	return newError("InvalidBatchEntryId", http.StatusBadRequest, "AWS.SimpleQueueService.InvalidBatchEntryId",
		"A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
}

// ErrBatchRequestTooLong is a batch whose bodies together are too large.
func ErrBatchRequestTooLong(size, limit int) *aws.Error {
	return newError("BatchRequestTooLong", http.StatusBadRequest, "AWS.SimpleQueueService.BatchRequestTooLong",
		fmt.Sprintf("Batch requests cannot be longer than %d bytes. You have sent %d bytes.", limit, size))
}

// ErrUnsupportedOperation is a feature Ferry's SQS does not have.
func ErrUnsupportedOperation(message string) *aws.Error {
	return newError("UnsupportedOperation", http.StatusBadRequest, "AWS.SimpleQueueService.UnsupportedOperation", message)
}

// ErrAccessDenied is SQS's denial; message is the policy engine's
// "User: … is not authorized to perform: …" sentence.
func ErrAccessDenied(message string) *aws.Error {
	return newError("AccessDenied", http.StatusForbidden, "AccessDenied", message)
}

// ErrMissingAuthenticationToken answers an unsigned request: Ferry's SQS
// serves signed requests only. [Inf] wording and status.
func ErrMissingAuthenticationToken() *aws.Error {
	return newError("MissingAuthenticationToken", http.StatusForbidden, "MissingAuthenticationToken",
		"Request is missing Authentication Token")
}

// ErrInternal is a failure inside Ferry, with its cause for the logs.
func ErrInternal(cause error) *aws.Error {
	return aws.New("InternalFailure", http.StatusInternalServerError,
		"The request processing has failed because of an unknown error, exception or failure.").
		WithHeader(QueryErrorHeader, "InternalFailure;Receiver").WithCause(cause)
}
