package aws

// This file holds S3's server-side encryption errors (spec/errors.md §2.6),
// kept apart from s3errors.go so the encryption code can grow on its own.

const sseHeader = "x-amz-server-side-encryption"

func sseArgument(message string) *Error {
	return New("InvalidArgument", 400, message).With("ArgumentName", sseHeader)
}

// ErrSSECMissingAlgorithm: an SSE-C key header without the algorithm header.
func ErrSSECMissingAlgorithm() *Error {
	return sseArgument("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.")
}

// ErrSSECMissingKey: the SSE-C algorithm header without a key.
func ErrSSECMissingKey() *Error {
	return sseArgument("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.")
}

// ErrSSECKeyMD5Mismatch: the key's MD5 header does not match the key.
func ErrSSECKeyMD5Mismatch() *Error {
	return sseArgument("The calculated MD5 hash of the key did not match the hash that was provided.")
}

// ErrSSECInvalidKey: the key is not 256 bits, or its MD5 header is missing.
func ErrSSECInvalidKey() *Error {
	return sseArgument("The secret key was invalid for the specified algorithm.")
}

// ErrSSECWithSSE: both x-amz-server-side-encryption and SSE-C headers.
func ErrSSECWithSSE(sse string) *Error {
	return sseArgument("Server Side Encryption with Customer provided key is incompatible with the encryption method specified").With("ArgumentValue", sse)
}

// ErrSSECAlgorithm: an SSE-C algorithm other than AES256.
func ErrSSECAlgorithm(sent string) *Error {
	return New("InvalidEncryptionAlgorithmError", 400, "The Encryption request you specified is not valid. Supported value: AES256.").
		With("ArgumentName", sseHeader).With("ArgumentValue", sent)
}

// ErrSSECRequired: reading an SSE-C object without the SSE-C headers.
func ErrSSECRequired() *Error {
	return New("InvalidRequest", 400, "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
}

// ErrSSECWrongKey: reading an SSE-C object with another key.
func ErrSSECWrongKey() *Error {
	return New("AccessDenied", 403, "Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.")
}

// ErrSSECNotApplicable: SSE-C headers on a read of an object that is not
// SSE-C encrypted (Inf: wording not in the catalogue).
func ErrSSECNotApplicable() *Error {
	return New("InvalidRequest", 400, "The encryption parameters are not applicable to this object.")
}

// ErrSSECParamsMismatch: UploadPart with another SSE-C key than
// CreateMultipartUpload.
func ErrSSECParamsMismatch() *Error {
	return New("InvalidRequest", 400, "The provided encryption parameters did not match the ones used originally.")
}

// ErrSSEInvalidValue: an x-amz-server-side-encryption value S3 does not know
// (Inf: modelled on InvalidArgument's other header errors).
func ErrSSEInvalidValue(sent string) *Error {
	return New("InvalidArgument", 400, "Server Side Encryption with the provided algorithm is not supported.").
		With("ArgumentName", sseHeader).With("ArgumentValue", sent)
}

// KMSForS3 turns an error from KMS into the error S3 sends: the KMS code
// prefixed "KMS." with status 400, except AccessDeniedException, which S3
// sends as its own AccessDenied (403) keeping KMS's wording. Other errors
// pass unchanged.
func KMSForS3(err error) error {
	e, ok := As(err)
	if !ok {
		return err
	}
	switch {
	case e.Code == "AccessDeniedException":
		return New("AccessDenied", 403, e.Message).WithCause(err)
	case e.Status >= 500:
		return Internal(err)
	}
	return New("KMS."+e.Code, 400, e.Message).WithCause(err)
}

// ErrSSECPartRequired: UploadPart without SSE-C headers on an SSE-C upload.
func ErrSSECPartRequired() *Error {
	return New("InvalidRequest", 400, "The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.")
}
