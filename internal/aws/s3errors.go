package aws

import (
	"fmt"
	"strconv"
	"time"
)

// This file is S3's error table: codes, HTTP statuses and messages exactly as
// AWS sends them (see the project's error catalogue, spec/errors.md §2). Extra
// elements are added by the constructors' arguments, in AWS's order. A
// constructor whose doc comment says "[Inf] not in the catalogue" sends
// wording the catalogue has no row for; verify it before relying on it.
// s3errors_test.go pins every constructor to the catalogue's literal strings.

// ErrInternalError is S3's generic server fault.
func ErrInternalError() *Error {
	return New("InternalError", 500, "We encountered an internal error. Please try again.")
}

// ErrNotImplemented is S3's NotImplemented (catalogue §2.7: the message AWS
// sends for an unsupported header). [Inf] not in the catalogue when it
// answers an operation Ferry does not implement (no row for that situation).
func ErrNotImplemented() *Error {
	return New("NotImplemented", 501, "A header you provided implies functionality that is not implemented")
}

// ErrAccessDenied is the plain S3 Access Denied.
func ErrAccessDenied() *Error { return New("AccessDenied", 403, "Access Denied") }

// ErrNoSuchBucket: the bucket does not exist (no final period, as AWS).
func ErrNoSuchBucket(bucket string) *Error {
	return New("NoSuchBucket", 404, "The specified bucket does not exist").With("BucketName", bucket)
}

// ErrBucketAlreadyExists: the name is owned by another account. The
// BucketName element is [Inf] in the catalogue (not captured).
func ErrBucketAlreadyExists(bucket string) *Error {
	return New("BucketAlreadyExists", 409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.").With("BucketName", bucket)
}

// ErrBucketAlreadyOwnedByYou: the caller already owns the bucket.
func ErrBucketAlreadyOwnedByYou(bucket string) *Error {
	return New("BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", bucket)
}

// ErrBucketNotEmpty: DeleteBucket on a bucket that still holds objects.
func ErrBucketNotEmpty(bucket string, versioned bool) *Error {
	msg := "The bucket you tried to delete is not empty"
	if versioned {
		msg = "The bucket you tried to delete is not empty. You must delete all versions in the bucket."
	}
	return New("BucketNotEmpty", 409, msg).With("BucketName", bucket)
}

// ErrInvalidBucketName: an illegal bucket name.
func ErrInvalidBucketName(bucket string) *Error {
	return New("InvalidBucketName", 400, "The specified bucket is not valid.").With("BucketName", bucket)
}

// ErrIllegalLocationConstraint: the constraint does not match the endpoint's
// region; constraint "" gives AWS's "unspecified" wording.
func ErrIllegalLocationConstraint(constraint string) *Error {
	if constraint == "" {
		constraint = "unspecified"
	}
	return Newf("IllegalLocationConstraintException", 400, "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", constraint)
}

// ErrInvalidLocationConstraint: us-east-1 sent explicitly (the catalogue's
// row), or a constraint naming a region Ferry does not serve ([Inf] not in the
// catalogue for that situation).
func ErrInvalidLocationConstraint(constraint string) *Error {
	return New("InvalidLocationConstraint", 400, "The specified location-constraint is not valid").With("LocationConstraint", constraint)
}

// ErrAuthorizationHeaderMalformedRegion: the credential scope names the wrong region.
func ErrAuthorizationHeaderMalformedRegion(sent, actual string) *Error {
	return Newf("AuthorizationHeaderMalformed", 400, "The authorization header is malformed; the region '%s' is wrong; expecting '%s'", sent, actual).
		With("Region", actual).WithHeader("x-amz-bucket-region", actual)
}

// ErrAuthorizationQueryRegion: a presigned URL's credential names the wrong region.
// [Inf] not in the catalogue.
func ErrAuthorizationQueryRegion(sent, actual string) *Error {
	return Newf("AuthorizationQueryParametersError", 400, "Error parsing the X-Amz-Credential parameter; the region '%s' is wrong; expecting '%s'", sent, actual).
		With("Region", actual).WithHeader("x-amz-bucket-region", actual)
}

// ErrPermanentRedirect: an unsigned request reached the wrong regional
// endpoint. Endpoint is {bucket}.s3-{region}.amazonaws.com (dash form, as in
// AWS's capture) or {bucket}.s3.amazonaws.com for us-east-1; then Bucket.
func ErrPermanentRedirect(bucket, region string) *Error {
	endpoint := bucket + ".s3.amazonaws.com"
	if region != "us-east-1" {
		endpoint = bucket + ".s3-" + region + ".amazonaws.com"
	}
	return New("PermanentRedirect", 301, "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.").
		With("Endpoint", endpoint).With("Bucket", bucket).WithHeader("x-amz-bucket-region", region)
}

// ErrInvalidAccessKeyID: the access key is unknown.
func ErrInvalidAccessKeyID(akid string) *Error {
	return New("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.").With("AWSAccessKeyId", akid)
}

// ErrSignatureDoesNotMatch: the SigV4 signature is wrong. The extras let a
// client compare its own string to sign with ours.
func ErrSignatureDoesNotMatch(akid, stringToSign, provided, canonicalRequest string) *Error {
	return New("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method.").
		With("AWSAccessKeyId", akid).
		With("StringToSign", stringToSign).
		With("SignatureProvided", provided).
		With("StringToSignBytes", hexBytes(stringToSign)).
		With("CanonicalRequest", canonicalRequest).
		With("CanonicalRequestBytes", hexBytes(canonicalRequest))
}

func hexBytes(s string) string {
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, fmt.Sprintf("%02x", s[i])...)
	}
	return string(b)
}

// ErrRequestTimeTooSkewed: x-amz-date is more than 15 minutes off.
func ErrRequestTimeTooSkewed(requestTime, serverTime string) *Error {
	return New("RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large.").
		With("RequestTime", requestTime).With("ServerTime", serverTime).With("MaxAllowedSkewMilliseconds", "900000")
}

// ErrXAmzContentSHA256Mismatch: the body does not hash to x-amz-content-sha256.
func ErrXAmzContentSHA256Mismatch(client, computed string) *Error {
	return New("XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed.").
		With("ClientComputedContentSHA256", client).With("S3ComputedContentSHA256", computed)
}

// ErrRequestExpired: a presigned URL past its expiry.
func ErrRequestExpired(expiresSeconds, expires, serverTime string) *Error {
	return New("AccessDenied", 403, "Request has expired").
		With("X-Amz-Expires", expiresSeconds).With("Expires", expires).With("ServerTime", serverTime)
}

// ErrPresignTooLong: X-Amz-Expires above one week (status 400 is Inf in the
// catalogue; code and message are observed).
func ErrPresignTooLong() *Error {
	return New("AuthorizationQueryParametersError", 400, "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
}

// ErrPresignMissingParams: a presigned URL lacks a required X-Amz-* parameter.
func ErrPresignMissingParams() *Error {
	return New("AuthorizationQueryParametersError", 400, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
}

// ErrPresignCredentialMalformed: X-Amz-Credential cannot be parsed.
func ErrPresignCredentialMalformed() *Error {
	return New("AuthorizationQueryParametersError", 400, `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
}

// ErrCredentialMalformed: the Authorization header's Credential cannot be parsed.
func ErrCredentialMalformed() *Error {
	return New("AuthorizationHeaderMalformed", 400, `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
}

// ErrAuthorizationHeaderComponents: the Authorization header lacks a component.
// The catalogue gives only the start of the message (up to "Credential,
// SignedHeaders,"); the ending " and Signature." is [Inf] not in the catalogue.
func ErrAuthorizationHeaderComponents(header string) *Error {
	return New("AuthorizationHeaderMalformed", 400, "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.")
}

// ErrEmptyAccessKey: the credential has an empty access key id.
func ErrEmptyAccessKey() *Error {
	return New("AuthorizationHeaderMalformed", 400, "The authorization header is malformed; a non-empty Access Key (AKID) must be provided in the credential.")
}

// ErrUnsupportedAuth: an authorization mechanism other than SigV4 (the
// catalogue's row is SigV2; its use for a presigned URL whose X-Amz-Algorithm
// is not AWS4-HMAC-SHA256 is [Inf] not in the catalogue).
func ErrUnsupportedAuth() *Error {
	return New("InvalidRequest", 400, "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
}

// ErrHeadersNotSigned: x-amz-* headers present but not signed.
func ErrHeadersNotSigned(list string) *Error {
	return New("AccessDenied", 403, "There were headers present in the request which were not signed").With("HeadersNotSigned", list)
}

// ErrMissingDateHeader: a signed request with neither a valid X-Amz-Date nor
// a valid Date header. [Inf] not in the catalogue.
func ErrMissingDateHeader() *Error {
	return New("AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header")
}

// ErrCredentialDateMismatch: the Credential's date differs from X-Amz-Date's.
// [Inf] not in the catalogue.
func ErrCredentialDateMismatch() *Error {
	return New("AuthorizationHeaderMalformed", 400, "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.")
}

// ErrPresignCredentialDateMismatch: X-Amz-Credential's date differs from X-Amz-Date's.
// [Inf] not in the catalogue.
func ErrPresignCredentialDateMismatch() *Error {
	return New("AuthorizationQueryParametersError", 400, "Error parsing the X-Amz-Credential parameter; Invalid credential date. Date is not the same as X-Amz-Date.")
}

// ErrPresignBadDate: X-Amz-Date of a presigned URL cannot be parsed.
// [Inf] not in the catalogue.
func ErrPresignBadDate() *Error {
	return New("AuthorizationQueryParametersError", 400, `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
}

// ErrPresignExpiresNotNumber: X-Amz-Expires is not a number.
// [Inf] not in the catalogue.
func ErrPresignExpiresNotNumber() *Error {
	return New("AuthorizationQueryParametersError", 400, "X-Amz-Expires should be a number")
}

// ErrPresignExpiresNegative: X-Amz-Expires is below zero.
// [Inf] not in the catalogue.
func ErrPresignExpiresNegative() *Error {
	return New("AuthorizationQueryParametersError", 400, "X-Amz-Expires must be non-negative")
}

// ErrMissingContentSHA256: a header-signed S3 request without x-amz-content-sha256.
// [Inf] not in the catalogue.
func ErrMissingContentSHA256() *Error {
	return New("InvalidRequest", 400, "Missing required header for this request: x-amz-content-sha256")
}

// ErrInvalidContentSHA256: an x-amz-content-sha256 value that is neither a
// known keyword nor a SHA-256 hex digest. [Inf] not in the catalogue.
func ErrInvalidContentSHA256(value string) *Error {
	return InvalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.", "x-amz-content-sha256", value)
}

// ErrExpiredToken: an expired session token.
func ErrExpiredToken(token string) *Error {
	return New("ExpiredToken", 400, "The provided token has expired.").With("Token-0", token)
}

// ErrInvalidToken: a malformed session token.
func ErrInvalidToken(token string) *Error {
	return New("InvalidToken", 400, "The provided token is malformed or otherwise invalid.").With("Token-0", token)
}

// ErrNoSuchKey: the key does not exist (final period, as AWS).
func ErrNoSuchKey(key string) *Error {
	return New("NoSuchKey", 404, "The specified key does not exist.").With("Key", key)
}

// ErrNoSuchVersion: a well-formed but unknown version id.
func ErrNoSuchVersion(key, versionID string) *Error {
	return New("NoSuchVersion", 404, "The specified version does not exist.").With("Key", key).With("VersionId", versionID)
}

// ErrInvalidVersionID: a malformed version id.
func ErrInvalidVersionID(versionID string) *Error {
	return InvalidArgument("Invalid version id specified", "versionId", versionID)
}

// ErrMethodNotAllowedDeleteMarker: an operation addressed at a delete marker.
func ErrMethodNotAllowedDeleteMarker(method string) *Error {
	return New("MethodNotAllowed", 405, "The specified method is not allowed against this resource.").
		With("Method", method).With("ResourceType", "DeleteMarker")
}

// ErrMethodNotAllowed: the method is not allowed on this resource. Only
// ResourceType=DeleteMarker is in the catalogue (use
// ErrMethodNotAllowedDeleteMarker); other resource types are [Inf] not in the
// catalogue.
func ErrMethodNotAllowed(method, resourceType string) *Error {
	return New("MethodNotAllowed", 405, "The specified method is not allowed against this resource.").
		With("Method", method).With("ResourceType", resourceType)
}

// ErrKeyTooLong: a key over 1024 bytes.
func ErrKeyTooLong(size int) *Error {
	return New("KeyTooLongError", 400, "Your key is too long").With("Size", strconv.Itoa(size)).With("MaxSizeAllowed", "1024")
}

// ErrMetadataTooLarge: user metadata over 2 KB.
func ErrMetadataTooLarge(size int) *Error {
	return New("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size").
		With("Size", strconv.Itoa(size)).With("MaxSizeAllowed", "2048")
}

// ErrEntityTooLarge: a PutObject or UploadPart over the allowed size. Its use
// by sigv4 for an oversized non-S3 (KMS, IAM, STS) request body is [Inf] not
// in the catalogue.
func ErrEntityTooLarge(proposed, max int64) *Error {
	return New("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size").
		With("ProposedSize", strconv.FormatInt(proposed, 10)).With("MaxSizeAllowed", strconv.FormatInt(max, 10))
}

// ErrEntityTooSmall: a non-last multipart part under 5 MiB.
func ErrEntityTooSmall(proposed int64, partNumber int, etag string) *Error {
	return New("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed size").
		With("ProposedSize", strconv.FormatInt(proposed, 10)).With("MinSizeAllowed", "5242880").
		With("PartNumber", strconv.Itoa(partNumber)).With("ETag", etag)
}

// ErrMissingContentLength: a body without Content-Length.
func ErrMissingContentLength() *Error {
	return New("MissingContentLength", 411, "You must provide the Content-Length HTTP header.")
}

// ErrIncompleteBody: the body ended before Content-Length bytes.
// [Inf] not in the catalogue.
func ErrIncompleteBody() *Error {
	return New("IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header")
}

// ErrInvalidStorageClass: an unsupported storage class.
func ErrInvalidStorageClass(requested string) *Error {
	return New("InvalidStorageClass", 400, "The storage class you specified is not valid").With("StorageClassRequested", requested)
}

// ErrCopyToItself: CopyObject onto itself with nothing changed.
func ErrCopyToItself() *Error {
	return New("InvalidRequest", 400, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
}

// ErrInvalidCopySource: x-amz-copy-source without a key.
func ErrInvalidCopySource() *Error {
	return InvalidArgument("Invalid copy source object key", "x-amz-copy-source", "x-amz-copy-source")
}

// ErrCopySourceDeleteMarker: the copy source names a delete marker by version.
func ErrCopySourceDeleteMarker() *Error {
	return New("InvalidRequest", 400, "The source of a copy request may not specifically refer to a delete marker by version id.")
}

// ErrInvalidCopySourceRange: a malformed x-amz-copy-source-range.
func ErrInvalidCopySourceRange(value string) *Error {
	return InvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "x-amz-copy-source-range", value)
}

// ErrCopySourceRangeTooLarge: the copy range ends past the source.
func ErrCopySourceRangeTooLarge(size int64, value string) *Error {
	return InvalidArgument(fmt.Sprintf("Range specified is not valid for source object of size: %d", size), "x-amz-copy-source-range", value)
}

// ErrCopySourceRangeStart: the copy range starts past the source.
func ErrCopySourceRangeStart() *Error {
	return New("InvalidRequest", 400, "The specified copy range is invalid for the source object size")
}

// ErrInvalidRange: a Range that starts past the object's end.
func ErrInvalidRange(size int64, requested string) *Error {
	return New("InvalidRange", 416, "The requested range is not satisfiable").
		With("ActualObjectSize", strconv.FormatInt(size, 10)).With("RangeRequested", requested)
}

// ErrInvalidPartNumber: partNumber beyond the object's part count.
func ErrInvalidPartNumber(count, requested int) *Error {
	return New("InvalidPartNumber", 416, "The requested partnumber is not satisfiable").
		With("ActualPartCount", strconv.Itoa(count)).With("PartNumberRequested", strconv.Itoa(requested))
}

// ErrRangeAndPartNumber: both Range and partNumber on one GET.
func ErrRangeAndPartNumber() *Error {
	return New("InvalidRequest", 400, "Cannot specify both Range header and partNumber query parameter")
}

// ErrNoSuchUpload: an unknown, completed or aborted upload id.
func ErrNoSuchUpload(uploadID string) *Error {
	return New("NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", uploadID)
}

// ErrInvalidPart: Complete names a missing part or a wrong ETag (double space as AWS).
func ErrInvalidPart(uploadID string, partNumber int, etag string) *Error {
	return New("InvalidPart", 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.").
		With("UploadId", uploadID).With("PartNumber", strconv.Itoa(partNumber)).With("ETag", etag)
}

// ErrInvalidPartOrder: Complete lists parts out of order.
func ErrInvalidPartOrder(uploadID string) *Error {
	return New("InvalidPartOrder", 400, "The list of parts was not in ascending order. Parts must be ordered by part number.").With("UploadId", uploadID)
}

// ErrPartNumberRange: an UploadPart part number outside 1..10000 (the
// catalogue's row). Its use for GetObject/HeadObject ?partNumber= out of range
// is [Inf] not in the catalogue.
func ErrPartNumberRange(value string) *Error {
	return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", value)
}

// ErrNoParts: Complete with no parts.
func ErrNoParts() *Error {
	return New("InvalidRequest", 400, "You must specify at least one part")
}

// ErrInvalidUploadIDMarker: upload-id-marker without a matching key-marker.
func ErrInvalidUploadIDMarker(value string) *Error {
	return InvalidArgument("Invalid uploadId marker", "upload-id-marker", value)
}

// ErrMPObjectSize: x-amz-mp-object-size differs from the computed size.
func ErrMPObjectSize(sent string, actual int64) *Error {
	return Newf("InvalidRequest", 400, "The provided 'x-amz-mp-object-size' header value %s does not match what was computed: %d", sent, actual)
}

// ErrInvalidDigest: Content-MD5 is not 16 base64 bytes.
func ErrInvalidDigest(sent string) *Error {
	return New("InvalidDigest", 400, "The Content-MD5 you specified was invalid.").With("Content-MD5", sent)
}

// ErrBadDigestMD5: Content-MD5 does not match (expected in hex, calculated in base64, as AWS).
func ErrBadDigestMD5(expectedHex, calculatedB64 string) *Error {
	return New("BadDigest", 400, "The Content-MD5 you specified did not match what we received.").
		With("ExpectedDigest", expectedHex).With("CalculatedDigest", calculatedB64)
}

// ErrBadChecksum: a PutObject/UploadPart x-amz-checksum-* value that does not
// match; algo in upper case (CRC32, CRC32C, CRC64NVME, SHA1, SHA256). For
// CompleteMultipartUpload use ErrBadCompleteChecksum (lower case).
func ErrBadChecksum(algoUpper string) *Error {
	return Newf("BadDigest", 400, "The %s you specified did not match the calculated checksum.", algoUpper)
}

// ErrBadPartChecksum: a Complete part checksum that does not match; algo in lower case.
func ErrBadPartChecksum(algoLower string, part int) *Error {
	return Newf("BadDigest", 400, "The %s you specified for part %d did not match what we received.", algoLower, part)
}

// ErrInvalidChecksumHeader: an x-amz-checksum-* value that is not well-formed.
func ErrInvalidChecksumHeader(algoLower string) *Error {
	return Newf("InvalidRequest", 400, "Value for x-amz-checksum-%s header is invalid.", algoLower)
}

// ErrMultipleChecksums: more than one x-amz-checksum-* header.
func ErrMultipleChecksums() *Error {
	return New("InvalidRequest", 400, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
}

// ErrUnsupportedChecksumAlgorithm: an unknown x-amz-checksum-algorithm.
func ErrUnsupportedChecksumAlgorithm() *Error {
	return New("InvalidRequest", 400, "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
}

// ErrChecksumTypeMismatch: a part's checksum algorithm differs from the upload's.
func ErrChecksumTypeMismatch(expected, actual string) *Error {
	return Newf("InvalidRequest", 400, "Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s", expected, actual)
}

// ErrBadCompleteChecksum: CompleteMultipartUpload with a whole-object
// checksum that does not match; algo in lower case, unlike ErrBadChecksum.
// The catalogue observes it for FULL_OBJECT uploads; a COMPOSITE upload's
// whole-object mismatch is [Inf] not in the catalogue.
func ErrBadCompleteChecksum(algoLower string) *Error {
	return Newf("BadDigest", 400, "The %s you specified did not match the calculated checksum.", algoLower)
}

// ErrChecksumTypeAlgorithm: CreateMultipartUpload with an x-amz-checksum-type
// that cannot be used with the algorithm (type upper case, algo lower case).
func ErrChecksumTypeAlgorithm(typ, algoLower string) *Error {
	return Newf("InvalidRequest", 400, "The %s checksum type cannot be used with the %s checksum algorithm.", typ, algoLower)
}

// ErrChecksumTypeWithoutAlgorithm: x-amz-checksum-type without
// x-amz-checksum-algorithm on CreateMultipartUpload.
func ErrChecksumTypeWithoutAlgorithm() *Error {
	return New("InvalidRequest", 400, "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
}

// ErrInvalidChecksumType: an x-amz-checksum-type other than COMPOSITE or
// FULL_OBJECT. [Inf] not in the catalogue.
func ErrInvalidChecksumType() *Error {
	return New("InvalidRequest", 400, "Value for x-amz-checksum-type header is invalid.")
}

// ErrMissingPartChecksum: a COMPOSITE Complete that omits a part's checksum;
// algo in lower case.
func ErrMissingPartChecksum(algoLower string, part int) *Error {
	return Newf("InvalidRequest", 400, "The upload was created using a %s checksum. The complete request must include the checksum for each part. It was missing for part %d in the request.", algoLower, part)
}

// ErrChecksumModeMismatch: Complete with an x-amz-checksum-type other than the
// upload's; mode "" (the upload had none) is written as null, as AWS does.
func ErrChecksumModeMismatch(mode string) *Error {
	if mode == "" {
		mode = "null"
	}
	return Newf("InvalidRequest", 400, "The upload was created using the %s checksum mode. The complete request must use the same checksum mode.", mode)
}

// ErrConditionalRequestConflict: CompleteMultipartUpload with If-None-Match
// when the key was written or deleted while the upload was in progress.
func ErrConditionalRequestConflict(key string) *Error {
	return New("ConditionalRequestConflict", 409, "The conditional request cannot succeed due to a conflicting operation against this resource.").
		With("Condition", "If-None-Match").With("Key", key)
}

// ErrServiceUnavailable: the request depends on another Ferry process that
// did not answer. [Inf] S3's code and status; the message is not in the
// catalogue.
func ErrServiceUnavailable() *Error {
	return New("ServiceUnavailable", 503, "Service is unable to handle request.")
}

// ErrPreconditionFailed: an If-Match / If-Unmodified-Since condition failed.
func ErrPreconditionFailed(condition string) *Error {
	return New("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold").With("Condition", condition)
}

// ErrMalformedXML: a request body that is not the expected XML.
func ErrMalformedXML() *Error {
	return New("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema")
}

// ErrIllegalVersioningConfiguration: a versioning status other than Enabled/Suspended.
func ErrIllegalVersioningConfiguration() *Error {
	return New("IllegalVersioningConfigurationException", 400, "The Versioning element must be specified")
}

// ErrInvalidTagKey: an illegal tag key.
func ErrInvalidTagKey(key string) *Error {
	return New("InvalidTag", 400, "The TagKey you have provided is invalid").With("TagKey", key)
}

// ErrInvalidTagValue: an illegal tag value.
func ErrInvalidTagValue(key, value string) *Error {
	return New("InvalidTag", 400, "The TagValue you have provided is invalid").With("TagKey", key).With("TagValue", value)
}

// ErrDuplicateTagKey: the same tag key twice in a Tagging document.
func ErrDuplicateTagKey(key string) *Error {
	return New("InvalidTag", 400, "Cannot provide multiple Tags with the same key").With("TagKey", key)
}

// ErrObjectTagAWSPrefix: an object tag key starting with aws:.
func ErrObjectTagAWSPrefix(key string) *Error {
	return New("InvalidTag", 400, "Your TagKey cannot be prefixed with aws:").With("TagKey", key)
}

// ErrBadTaggingHeader: x-amz-tagging that cannot be parsed or repeats a key.
func ErrBadTaggingHeader(value string) *Error {
	return InvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", value)
}

// ErrTooManyTags: more than 10 tags on an object.
// [Inf] not in the catalogue.
func ErrTooManyTags() *Error {
	return New("BadRequest", 400, "Object tags cannot be greater than 10")
}

// ErrInvalidMaxKeys: max-keys is not an integer.
func ErrInvalidMaxKeys(value string) *Error {
	return InvalidArgument("Provided max-keys not an integer or within integer range", "max-keys", value)
}

// ErrInvalidEncodingType: encoding-type other than url.
func ErrInvalidEncodingType(value string) *Error {
	return InvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", value)
}

// ErrInvalidContinuationToken: a continuation token Ferry did not issue.
func ErrInvalidContinuationToken() *Error {
	return New("InvalidArgument", 400, "The continuation token provided is incorrect").With("ArgumentName", "continuation-token")
}

// ErrVersionIDMarkerWithoutKey: version-id-marker given without key-marker.
func ErrVersionIDMarkerWithoutKey(value string) *Error {
	return InvalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", value)
}

// ErrInvalidBucketOwner: x-amz-expected-bucket-owner that is not an account id.
func ErrInvalidBucketOwner(value string) *Error {
	return Newf("InvalidBucketOwnerAWSAccountID", 400, "The value of the expected bucket owner parameter must be an AWS Account ID... [%s]", value)
}

// ErrRequestTimeout: the client stopped sending the body.
func ErrRequestTimeout() *Error {
	return New("RequestTimeout", 400, "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.")
}

// ErrInvalidRequest is S3's InvalidRequest with a message.
func ErrInvalidRequest(message string) *Error { return New("InvalidRequest", 400, message) }

// InvalidArgument is S3's InvalidArgument with ArgumentName and ArgumentValue.
func InvalidArgument(message, name, value string) *Error {
	return New("InvalidArgument", 400, message).With("ArgumentName", name).With("ArgumentValue", value)
}

// ErrMissingContentMD5: an operation that requires a body digest (for
// example DeleteObjects) arrived without Content-MD5 or x-amz-checksum-*.
func ErrMissingContentMD5() *Error {
	return New("InvalidRequest", 400, "Missing required header for this request: Content-MD5")
}

// ErrAnonymousResponseOverrides: response-* query overrides on an unsigned GET.
// [Inf] not in the catalogue.
func ErrAnonymousResponseOverrides() *Error {
	return New("InvalidRequest", 400, "Request specific response headers cannot be used for anonymous GET requests.")
}

// ErrEmptyVersionID: a versionId query parameter with no value.
// [Inf] not in the catalogue.
func ErrEmptyVersionID() *Error {
	return InvalidArgument("Version id cannot be the empty string", "versionId", "")
}

// ErrEmptyCopySourceVersionID: x-amz-copy-source naming "?versionId=" with
// no value; AWS names the header as the argument.
func ErrEmptyCopySourceVersionID() *Error {
	return InvalidArgument("Version id cannot be the empty string", "x-amz-copy-source", "")
}

// ErrVersionIDMarkerEmpty: an empty version-id-marker with a key-marker.
func ErrVersionIDMarkerEmpty() *Error {
	return InvalidArgument("A version-id marker cannot be empty.", "version-id-marker", "")
}

// ErrInvalidObjectState: reading an archived (GLACIER, DEEP_ARCHIVE) object
// that has not been restored.
func ErrInvalidObjectState(storageClass string) *Error {
	return New("InvalidObjectState", 403, "The operation is not valid for the object's storage class").With("StorageClass", storageClass)
}

// ErrIfNoneMatchNotImplemented: PutObject/CopyObject with an If-None-Match
// value other than "*".
func ErrIfNoneMatchNotImplemented() *Error {
	return ErrNotImplemented().With("Header", "If-None-Match").
		With("additionalMessage", "We don't accept the provided value of If-None-Match header for this API")
}

// ErrInvalidBucketAclWithObjectOwnership: CreateBucket with x-amz-acl when
// ownership is BucketOwnerEnforced.
func ErrInvalidBucketAclWithObjectOwnership() *Error {
	return New("InvalidBucketAclWithObjectOwnership", 400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
}

// ErrMalformedACL: PutBucketAcl/PutObjectAcl with an AccessControlPolicy
// body that does not parse or names an unknown grantee type or permission.
func ErrMalformedACL() *Error {
	return New("MalformedACLError", 400, "The XML you provided was not well-formed or did not validate against our published schema")
}

// ErrOwnershipControlsNotFound: GetBucketOwnershipControls on a bucket
// whose ownership controls were deleted.
func ErrOwnershipControlsNotFound(bucket string) *Error {
	return New("OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found").With("BucketName", bucket)
}

// ErrInvalidObjectOwnership: CreateBucket with a bad x-amz-object-ownership.
// AWS sends ArgumentName only (no ArgumentValue); an empty value leaves a
// trailing space in the message.
func ErrInvalidObjectOwnership(value string) *Error {
	return New("InvalidArgument", 400, "Invalid x-amz-object-ownership header: "+value).With("ArgumentName", "x-amz-object-ownership")
}

// ErrInvalidBucketRegionFilter: ListBuckets with a bucket-region that is not
// an AWS region. AWS sends ArgumentName only (no ArgumentValue).
func ErrInvalidBucketRegionFilter(value string) *Error {
	return New("InvalidArgument", 400, "Argument value "+value+" is not a valid AWS Region").With("ArgumentName", "bucket-region")
}

// ErrInvalidVersionIDMarker: ListObjectVersions with a malformed non-empty
// version-id-marker.
func ErrInvalidVersionIDMarker(value string) *Error {
	return InvalidArgument("Invalid version id specified", "version-id-marker", value)
}

// ErrInvalidURI: a request path Ferry cannot split into bucket and key. The
// catalogue's only InvalidURI row is S3 Control's (with a URI element); its
// use for S3 paths, without URI, is [Inf] not in the catalogue.
func ErrInvalidURI() *Error {
	return New("InvalidURI", 400, "Couldn't parse the specified URI.")
}

// ErrCopySourceTooLarge: UploadPartCopy from a source over 5 GiB.
// [Inf] not in the catalogue.
func ErrCopySourceTooLarge() *Error {
	return New("InvalidRequest", 400, "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
}

// ErrUnknownMetadataDirective: x-amz-metadata-directive other than COPY or
// REPLACE. [Inf] not in the catalogue.
func ErrUnknownMetadataDirective(value string) *Error {
	return InvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", value)
}

// ErrUnknownTaggingDirective: x-amz-tagging-directive other than COPY or
// REPLACE. [Inf] not in the catalogue.
func ErrUnknownTaggingDirective(value string) *Error {
	return InvalidArgument("Unknown tagging directive.", "x-amz-tagging-directive", value)
}

// ErrBodyTooLong: a body longer than its Content-Length or
// x-amz-decoded-content-length. [Inf] not in the catalogue.
func ErrBodyTooLong() *Error {
	return New("InvalidRequest", 400, "The request body is longer than its declared length.")
}

// ErrMFADeleteUnsupported: PutBucketVersioning with MfaDelete (a Ferry
// limitation). [Inf] not in the catalogue.
func ErrMFADeleteUnsupported() *Error {
	return New("InvalidRequest", 400, "MFA delete is not supported by this server")
}

// ErrInvalidIntegerArgument: a numeric query parameter (max-buckets,
// max-uploads, max-parts, part-number-marker…) that is not an integer. Only
// max-keys is in the catalogue (ErrInvalidMaxKeys); the others are [Inf] not in
// the catalogue.
func ErrInvalidIntegerArgument(name, value string) *Error {
	return InvalidArgument("Provided "+name+" not an integer or within integer range", name, value)
}

// ErrIntegerArgumentRange: a numeric query parameter outside 0..2147483647.
// [Inf] not in the catalogue.
func ErrIntegerArgumentRange(name, value string) *Error {
	return InvalidArgument("Argument "+name+" must be an integer between 0 and 2147483647", name, value)
}

// ErrInvalidObjectAttribute: an unknown name in x-amz-object-attributes.
// [Inf] not in the catalogue.
func ErrInvalidObjectAttribute(name string) *Error {
	return InvalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", name)
}

// ErrMissingObjectAttributes: GetObjectAttributes without
// x-amz-object-attributes. [Inf] not in the catalogue.
func ErrMissingObjectAttributes() *Error {
	return New("InvalidRequest", 400, "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty")
}

// ErrInvalidDecodedContentLength: an x-amz-decoded-content-length that is not
// a non-negative integer. [Inf] not in the catalogue.
func ErrInvalidDecodedContentLength(value string) *Error {
	return InvalidArgument("Invalid x-amz-decoded-content-length", "x-amz-decoded-content-length", value)
}

// ErrInvalidCannedACL: an x-amz-acl value that is not a canned ACL. AWS sends
// the Message element empty.
func ErrInvalidCannedACL(value string) *Error {
	return InvalidArgument("", "x-amz-acl", value)
}

// Object Lock (catalogue §2.8 and §2.5).

// ErrObjectLockConfigurationNotFound: GetObjectLockConfiguration on a bucket
// without Object Lock.
func ErrObjectLockConfigurationNotFound(bucket string) *Error {
	return New("ObjectLockConfigurationNotFoundError", 404, "Object Lock configuration does not exist for this bucket").With("BucketName", bucket)
}

// ErrNoSuchObjectLockConfiguration: GetObjectRetention (or GetObjectLegalHold)
// on a version that was never given one ("a ObjectLock", as AWS writes it).
func ErrNoSuchObjectLockConfiguration() *Error {
	return New("NoSuchObjectLockConfiguration", 404, "The specified object does not have a ObjectLock configuration")
}

// ErrObjectLockNeedsVersioning: PutObjectLockConfiguration on a bucket whose
// versioning is not Enabled.
func ErrObjectLockNeedsVersioning() *Error {
	return New("InvalidBucketState", 409, "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
}

// ErrObjectLockVersioningLocked: suspending versioning on an Object Lock bucket.
func ErrObjectLockVersioningLocked() *Error {
	return New("InvalidBucketState", 409, "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
}

// ErrBucketMissingObjectLock: an Object Lock operation or header on a bucket
// without Object Lock. The catalogue's row is for Put/GetObjectRetention
// and LegalHold; [Inf] for the lock headers of a write.
func ErrBucketMissingObjectLock() *Error {
	return ErrInvalidRequest("Bucket is missing Object Lock Configuration")
}

// ErrObjectLocked: deleting a version, or shortening or removing its
// retention, while Object Lock protects it.
func ErrObjectLocked() *Error {
	return New("AccessDenied", 403, "Access Denied because object protected by object lock.")
}

// ErrLockHeadersBoth: a write with only one of x-amz-object-lock-mode and
// x-amz-object-lock-retain-until-date; missing names the absent header.
func ErrLockHeadersBoth(missing string) *Error {
	return New("InvalidArgument", 400, "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied").
		With("ArgumentName", missing)
}

// ErrUnknownWormMode: an x-amz-object-lock-mode other than GOVERNANCE or COMPLIANCE.
func ErrUnknownWormMode(sent string) *Error {
	return InvalidArgument("Unknown wormMode directive.", "x-amz-object-lock-mode", sent)
}

// ErrRetainUntilPast: a retain-until date that is not in the future. The
// value is printed as AWS does, Java's Date.toString() form. The catalogue's
// row is PutObjectRetention (name RetainUntilDate); [Inf] for the header
// of a write (name x-amz-object-lock-retain-until-date).
func ErrRetainUntilPast(name string, until time.Time) *Error {
	return InvalidArgument("The retain until date must be in the future!", name, until.UTC().Format("Mon Jan 02 15:04:05 MST 2006"))
}

// ErrBypassNotLockBucket: x-amz-bypass-governance-retention on a bucket
// without Object Lock.
func ErrBypassNotLockBucket() *Error {
	return New("InvalidArgument", 400, "x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.").
		With("ArgumentName", "x-amz-bypass-governance-retention")
}

// ErrLockContentMD5: a write with Object Lock headers and no body digest.
func ErrLockContentMD5() *Error {
	return ErrInvalidRequest("Content-MD5 HTTP header is required for Put Object requests with Object Lock parameters")
}

// ErrInvalidLegalHoldHeader: x-amz-object-lock-legal-hold other than ON or
// OFF. [Inf] not in the catalogue.
func ErrInvalidLegalHoldHeader(sent string) *Error {
	return InvalidArgument("Legal Hold must be either of 'ON' or 'OFF'", "x-amz-object-lock-legal-hold", sent)
}

// ErrInvalidRetainUntilHeader: an x-amz-object-lock-retain-until-date that
// is not an ISO 8601 date. [Inf] not in the catalogue.
func ErrInvalidRetainUntilHeader(sent string) *Error {
	return InvalidArgument("The retain until date must be provided in ISO 8601 format", "x-amz-object-lock-retain-until-date", sent)
}

// ErrDefaultRetentionPeriod: a default retention of zero or fewer days or
// years; arg is the element given ("Days" or "Years"). [Inf] not in the
// catalogue; the message and ArgumentName as S3 answered a zero.
func ErrDefaultRetentionPeriod(arg string) *Error {
	return New("InvalidArgument", 400, "Default retention period must be a positive integer value.").With("ArgumentName", arg)
}

// ErrDefaultRetentionTooLong: a default retention over S3's maximum of
// 100 years (36,500 days or 100 years). [Inf] neither code nor message is
// in the catalogue.
func ErrDefaultRetentionTooLong(arg string) *Error {
	return New("InvalidArgument", 400, "Default retention period is too large.").With("ArgumentName", arg)
}
