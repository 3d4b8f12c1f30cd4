package aws

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
	"time"
)

// s3Case is one row of the S3 error catalogue (spec/errors.md §2) as a
// constructor must produce it. Messages are the catalogue's literal strings
// with placeholders filled in; fields are the extra elements in wire order.
type s3Case struct {
	name   string
	err    *Error
	code   string
	status int
	msg    string
	fields []Field
	// inf marks constructors with no (or only a partial) catalogue row: the
	// expectation pins Ferry's current wording so a change is deliberate.
	inf bool
}

func s3Field(name, value string) Field { return Field{name, value} }

func s3Cases() []s3Case {
	const (
		invalidPart = "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."
		notAllowed  = "The specified method is not allowed against this resource."
		notImpl     = "A header you provided implies functionality that is not implemented"
	)
	return []s3Case{
		// §2.1 Buckets, names, regions, redirects
		{name: "NoSuchBucket", err: ErrNoSuchBucket("bk"), code: "NoSuchBucket", status: 404,
			msg: "The specified bucket does not exist", fields: []Field{s3Field("BucketName", "bk")}},
		{name: "BucketAlreadyExists", err: ErrBucketAlreadyExists("bk"), code: "BucketAlreadyExists", status: 409,
			msg: "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", fields: []Field{s3Field("BucketName", "bk")}},
		{name: "BucketAlreadyOwnedByYou", err: ErrBucketAlreadyOwnedByYou("bk"), code: "BucketAlreadyOwnedByYou", status: 409,
			msg: "Your previous request to create the named bucket succeeded and you already own it.", fields: []Field{s3Field("BucketName", "bk")}},
		{name: "BucketNotEmpty", err: ErrBucketNotEmpty("bk", false), code: "BucketNotEmpty", status: 409,
			msg: "The bucket you tried to delete is not empty", fields: []Field{s3Field("BucketName", "bk")}},
		{name: "BucketNotEmpty versioned", err: ErrBucketNotEmpty("bk", true), code: "BucketNotEmpty", status: 409,
			msg: "The bucket you tried to delete is not empty. You must delete all versions in the bucket.", fields: []Field{s3Field("BucketName", "bk")}},
		{name: "InvalidBucketName", err: ErrInvalidBucketName("Bk"), code: "InvalidBucketName", status: 400,
			msg: "The specified bucket is not valid.", fields: []Field{s3Field("BucketName", "Bk")}},
		{name: "IllegalLocationConstraint", err: ErrIllegalLocationConstraint("us-east-1"), code: "IllegalLocationConstraintException", status: 400,
			msg: "The us-east-1 location constraint is incompatible for the region specific endpoint this request was sent to."},
		{name: "IllegalLocationConstraint unspecified", err: ErrIllegalLocationConstraint(""), code: "IllegalLocationConstraintException", status: 400,
			msg: "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."},
		{name: "IllegalLocationConstraint EU", err: ErrIllegalLocationConstraint("EU"), code: "IllegalLocationConstraintException", status: 400,
			msg: "The EU location constraint is incompatible for the region specific endpoint this request was sent to."},
		{name: "InvalidLocationConstraint", err: ErrInvalidLocationConstraint("us-east-1"), code: "InvalidLocationConstraint", status: 400,
			msg: "The specified location-constraint is not valid", fields: []Field{s3Field("LocationConstraint", "us-east-1")}},
		{name: "AuthorizationHeaderMalformed region", err: ErrAuthorizationHeaderMalformedRegion("us-east-1", "us-west-2"), code: "AuthorizationHeaderMalformed", status: 400,
			msg: "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'us-west-2'", fields: []Field{s3Field("Region", "us-west-2")}},
		{name: "AuthorizationHeaderMalformed empty key", err: ErrEmptyAccessKey(), code: "AuthorizationHeaderMalformed", status: 400,
			msg: "The authorization header is malformed; a non-empty Access Key (AKID) must be provided in the credential."},
		{name: "AuthorizationHeaderMalformed credential", err: ErrCredentialMalformed(), code: "AuthorizationHeaderMalformed", status: 400,
			msg: `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{name: "AuthorizationHeaderMalformed components", err: ErrAuthorizationHeaderComponents("AWS4-HMAC-SHA256 Credential=x"), code: "AuthorizationHeaderMalformed", status: 400,
			msg: "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.", inf: true},
		{name: "PermanentRedirect", err: ErrPermanentRedirect("bk", "us-west-2"), code: "PermanentRedirect", status: 301,
			msg:    "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
			fields: []Field{s3Field("Endpoint", "bk.s3-us-west-2.amazonaws.com"), s3Field("Bucket", "bk")}},
		{name: "PermanentRedirect us-east-1", err: ErrPermanentRedirect("bk", "us-east-1"), code: "PermanentRedirect", status: 301,
			msg:    "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
			fields: []Field{s3Field("Endpoint", "bk.s3.amazonaws.com"), s3Field("Bucket", "bk")}},
		{name: "InvalidArgument bucket-region", err: ErrInvalidBucketRegionFilter("eu-east-1"), code: "InvalidArgument", status: 400,
			msg: "Argument value eu-east-1 is not a valid AWS Region", fields: []Field{s3Field("ArgumentName", "bucket-region")}},
		{name: "InvalidBucketOwnerAWSAccountID", err: ErrInvalidBucketOwner("abcd"), code: "InvalidBucketOwnerAWSAccountID", status: 400,
			msg: "The value of the expected bucket owner parameter must be an AWS Account ID... [abcd]"},
		{name: "AccessDenied", err: ErrAccessDenied(), code: "AccessDenied", status: 403, msg: "Access Denied"},

		// §2.2 Authentication, signatures, credentials, presigned URLs
		{name: "InvalidAccessKeyId", err: ErrInvalidAccessKeyID("AKIDEXAMPLE"), code: "InvalidAccessKeyId", status: 403,
			msg: "The AWS Access Key Id you provided does not exist in our records.", fields: []Field{s3Field("AWSAccessKeyId", "AKIDEXAMPLE")}},
		{name: "SignatureDoesNotMatch", err: ErrSignatureDoesNotMatch("AK", "S\n", "sig", "C"), code: "SignatureDoesNotMatch", status: 403,
			msg: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
			fields: []Field{s3Field("AWSAccessKeyId", "AK"), s3Field("StringToSign", "S\n"), s3Field("SignatureProvided", "sig"),
				s3Field("StringToSignBytes", "53 0a"), s3Field("CanonicalRequest", "C"), s3Field("CanonicalRequestBytes", "43")}},
		{name: "RequestTimeTooSkewed", err: ErrRequestTimeTooSkewed("20250901T162148Z", "2025-09-03T16:21:50Z"), code: "RequestTimeTooSkewed", status: 403,
			msg:    "The difference between the request time and the current time is too large.",
			fields: []Field{s3Field("RequestTime", "20250901T162148Z"), s3Field("ServerTime", "2025-09-03T16:21:50Z"), s3Field("MaxAllowedSkewMilliseconds", "900000")}},
		{name: "XAmzContentSHA256Mismatch", err: ErrXAmzContentSHA256Mismatch("aa", "bb"), code: "XAmzContentSHA256Mismatch", status: 400,
			msg: "The provided 'x-amz-content-sha256' header does not match what was computed.", fields: []Field{s3Field("ClientComputedContentSHA256", "aa"), s3Field("S3ComputedContentSHA256", "bb")}},
		{name: "Request has expired", err: ErrRequestExpired("60", "2023-12-19T05:07:47Z", "2023-12-19T05:09:00Z"), code: "AccessDenied", status: 403,
			msg: "Request has expired", fields: []Field{s3Field("X-Amz-Expires", "60"), s3Field("Expires", "2023-12-19T05:07:47Z"), s3Field("ServerTime", "2023-12-19T05:09:00Z")}},
		{name: "X-Amz-Expires too long", err: ErrPresignTooLong(), code: "AuthorizationQueryParametersError", status: 400,
			msg: "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{name: "presign missing params", err: ErrPresignMissingParams(), code: "AuthorizationQueryParametersError", status: 400,
			msg: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."},
		{name: "presign credential", err: ErrPresignCredentialMalformed(), code: "AuthorizationQueryParametersError", status: 400,
			msg: `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`},
		{name: "HeadersNotSigned", err: ErrHeadersNotSigned("x-amz-date, x-amz-decoded-content-length"), code: "AccessDenied", status: 403,
			msg: "There were headers present in the request which were not signed", fields: []Field{s3Field("HeadersNotSigned", "x-amz-date, x-amz-decoded-content-length")}},
		{name: "unsupported auth", err: ErrUnsupportedAuth(), code: "InvalidRequest", status: 400,
			msg: "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."},
		{name: "ExpiredToken", err: ErrExpiredToken("tok"), code: "ExpiredToken", status: 400,
			msg: "The provided token has expired.", fields: []Field{s3Field("Token-0", "tok")}},
		{name: "InvalidToken", err: ErrInvalidToken("tok"), code: "InvalidToken", status: 400,
			msg: "The provided token is malformed or otherwise invalid.", fields: []Field{s3Field("Token-0", "tok")}},
		{name: "query region", err: ErrAuthorizationQueryRegion("us-east-1", "eu-west-1"), code: "AuthorizationQueryParametersError", status: 400,
			msg: "Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; expecting 'eu-west-1'", fields: []Field{s3Field("Region", "eu-west-1")}, inf: true},
		{name: "missing date", err: ErrMissingDateHeader(), code: "AccessDenied", status: 403,
			msg: "AWS authentication requires a valid Date or x-amz-date header", inf: true},
		{name: "credential date", err: ErrCredentialDateMismatch(), code: "AuthorizationHeaderMalformed", status: 400,
			msg: "The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.", inf: true},
		{name: "presign credential date", err: ErrPresignCredentialDateMismatch(), code: "AuthorizationQueryParametersError", status: 400,
			msg: "Error parsing the X-Amz-Credential parameter; Invalid credential date. Date is not the same as X-Amz-Date.", inf: true},
		{name: "presign bad date", err: ErrPresignBadDate(), code: "AuthorizationQueryParametersError", status: 400,
			msg: `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`, inf: true},
		{name: "presign expires NaN", err: ErrPresignExpiresNotNumber(), code: "AuthorizationQueryParametersError", status: 400,
			msg: "X-Amz-Expires should be a number", inf: true},
		{name: "presign expires negative", err: ErrPresignExpiresNegative(), code: "AuthorizationQueryParametersError", status: 400,
			msg: "X-Amz-Expires must be non-negative", inf: true},
		{name: "missing content sha256", err: ErrMissingContentSHA256(), code: "InvalidRequest", status: 400,
			msg: "Missing required header for this request: x-amz-content-sha256", inf: true},
		{name: "invalid content sha256", err: ErrInvalidContentSHA256("x"), code: "InvalidArgument", status: 400,
			msg:    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
			fields: []Field{s3Field("ArgumentName", "x-amz-content-sha256"), s3Field("ArgumentValue", "x")}, inf: true},
		{name: "decoded content length", err: ErrInvalidDecodedContentLength("-1"), code: "InvalidArgument", status: 400,
			msg: "Invalid x-amz-decoded-content-length", fields: []Field{s3Field("ArgumentName", "x-amz-decoded-content-length"), s3Field("ArgumentValue", "-1")}, inf: true},

		// §2.3 Objects, keys, versions, copy, ranges
		{name: "NoSuchKey", err: ErrNoSuchKey("a/b"), code: "NoSuchKey", status: 404,
			msg: "The specified key does not exist.", fields: []Field{s3Field("Key", "a/b")}},
		{name: "NoSuchVersion", err: ErrNoSuchVersion("test-delete", "v1"), code: "NoSuchVersion", status: 404,
			msg: "The specified version does not exist.", fields: []Field{s3Field("Key", "test-delete"), s3Field("VersionId", "v1")}},
		{name: "InvalidArgument versionId", err: ErrInvalidVersionID("bad"), code: "InvalidArgument", status: 400,
			msg: "Invalid version id specified", fields: []Field{s3Field("ArgumentName", "versionId"), s3Field("ArgumentValue", "bad")}},
		{name: "MethodNotAllowed delete marker", err: ErrMethodNotAllowedDeleteMarker("PUT"), code: "MethodNotAllowed", status: 405,
			msg: notAllowed, fields: []Field{s3Field("Method", "PUT"), s3Field("ResourceType", "DeleteMarker")}},
		{name: "MethodNotAllowed other", err: ErrMethodNotAllowed("POST", "OBJECT"), code: "MethodNotAllowed", status: 405,
			msg: notAllowed, fields: []Field{s3Field("Method", "POST"), s3Field("ResourceType", "OBJECT")}, inf: true},
		{name: "KeyTooLongError", err: ErrKeyTooLong(1025), code: "KeyTooLongError", status: 400,
			msg: "Your key is too long", fields: []Field{s3Field("Size", "1025"), s3Field("MaxSizeAllowed", "1024")}},
		{name: "MetadataTooLarge", err: ErrMetadataTooLarge(2049), code: "MetadataTooLarge", status: 400,
			msg: "Your metadata headers exceed the maximum allowed metadata size", fields: []Field{s3Field("Size", "2049"), s3Field("MaxSizeAllowed", "2048")}},
		{name: "EntityTooLarge", err: ErrEntityTooLarge(5368709121, 5368709120), code: "EntityTooLarge", status: 400,
			msg: "Your proposed upload exceeds the maximum allowed size", fields: []Field{s3Field("ProposedSize", "5368709121"), s3Field("MaxSizeAllowed", "5368709120")}},
		{name: "MissingContentLength", err: ErrMissingContentLength(), code: "MissingContentLength", status: 411,
			msg: "You must provide the Content-Length HTTP header."},
		{name: "IncompleteBody", err: ErrIncompleteBody(), code: "IncompleteBody", status: 400,
			msg: "You did not provide the number of bytes specified by the Content-Length HTTP header", inf: true},
		{name: "InvalidObjectState", err: ErrInvalidObjectState("DEEP_ARCHIVE"), code: "InvalidObjectState", status: 403,
			msg: "The operation is not valid for the object's storage class", fields: []Field{s3Field("StorageClass", "DEEP_ARCHIVE")}},
		{name: "InvalidStorageClass", err: ErrInvalidStorageClass("OUTPOSTS"), code: "InvalidStorageClass", status: 400,
			msg: "The storage class you specified is not valid", fields: []Field{s3Field("StorageClassRequested", "OUTPOSTS")}},
		{name: "copy to itself", err: ErrCopyToItself(), code: "InvalidRequest", status: 400,
			msg: "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."},
		{name: "invalid copy source", err: ErrInvalidCopySource(), code: "InvalidArgument", status: 400,
			msg: "Invalid copy source object key", fields: []Field{s3Field("ArgumentName", "x-amz-copy-source"), s3Field("ArgumentValue", "x-amz-copy-source")}},
		{name: "copy source delete marker", err: ErrCopySourceDeleteMarker(), code: "InvalidRequest", status: 400,
			msg: "The source of a copy request may not specifically refer to a delete marker by version id."},
		{name: "copy source range form", err: ErrInvalidCopySourceRange("0-8"), code: "InvalidArgument", status: 400,
			msg:    "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
			fields: []Field{s3Field("ArgumentName", "x-amz-copy-source-range"), s3Field("ArgumentValue", "0-8")}},
		{name: "copy source range end", err: ErrCopySourceRangeTooLarge(10, "bytes=0-100"), code: "InvalidArgument", status: 400,
			msg: "Range specified is not valid for source object of size: 10", fields: []Field{s3Field("ArgumentName", "x-amz-copy-source-range"), s3Field("ArgumentValue", "bytes=0-100")}},
		{name: "copy source range start", err: ErrCopySourceRangeStart(), code: "InvalidRequest", status: 400,
			msg: "The specified copy range is invalid for the source object size"},
		{name: "InvalidRange", err: ErrInvalidRange(10, "bytes=1024-4096"), code: "InvalidRange", status: 416,
			msg: "The requested range is not satisfiable", fields: []Field{s3Field("ActualObjectSize", "10"), s3Field("RangeRequested", "bytes=1024-4096")}},
		{name: "InvalidPartNumber", err: ErrInvalidPartNumber(1, 2), code: "InvalidPartNumber", status: 416,
			msg: "The requested partnumber is not satisfiable", fields: []Field{s3Field("ActualPartCount", "1"), s3Field("PartNumberRequested", "2")}},
		{name: "range and partNumber", err: ErrRangeAndPartNumber(), code: "InvalidRequest", status: 400,
			msg: "Cannot specify both Range header and partNumber query parameter"},
		{name: "empty versionId", err: ErrEmptyVersionID(), code: "InvalidArgument", status: 400,
			msg: "Version id cannot be the empty string", fields: []Field{s3Field("ArgumentName", "versionId"), s3Field("ArgumentValue", "")}, inf: true},
		{name: "empty copy-source versionId", err: ErrEmptyCopySourceVersionID(), code: "InvalidArgument", status: 400,
			msg: "Version id cannot be the empty string", fields: []Field{s3Field("ArgumentName", "x-amz-copy-source"), s3Field("ArgumentValue", "")}},
		{name: "anonymous overrides", err: ErrAnonymousResponseOverrides(), code: "InvalidRequest", status: 400,
			msg: "Request specific response headers cannot be used for anonymous GET requests.", inf: true},
		{name: "metadata directive", err: ErrUnknownMetadataDirective("MOVE"), code: "InvalidArgument", status: 400,
			msg: "Unknown metadata directive.", fields: []Field{s3Field("ArgumentName", "x-amz-metadata-directive"), s3Field("ArgumentValue", "MOVE")}, inf: true},
		{name: "tagging directive", err: ErrUnknownTaggingDirective("MOVE"), code: "InvalidArgument", status: 400,
			msg: "Unknown tagging directive.", fields: []Field{s3Field("ArgumentName", "x-amz-tagging-directive"), s3Field("ArgumentValue", "MOVE")}, inf: true},
		{name: "body too long", err: ErrBodyTooLong(), code: "InvalidRequest", status: 400,
			msg: "The request body is longer than its declared length.", inf: true},
		{name: "InvalidURI", err: ErrInvalidURI(), code: "InvalidURI", status: 400,
			msg: "Couldn't parse the specified URI.", inf: true},
		{name: "object attribute", err: ErrInvalidObjectAttribute("Foo"), code: "InvalidArgument", status: 400,
			msg: "Invalid attribute name specified.", fields: []Field{s3Field("ArgumentName", "x-amz-object-attributes"), s3Field("ArgumentValue", "Foo")}, inf: true},
		{name: "missing object attributes", err: ErrMissingObjectAttributes(), code: "InvalidRequest", status: 400,
			msg: "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty", inf: true},

		// §2.4 Multipart upload
		{name: "NoSuchUpload", err: ErrNoSuchUpload("up"), code: "NoSuchUpload", status: 404,
			msg: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", fields: []Field{s3Field("UploadId", "up")}},
		{name: "InvalidPart", err: ErrInvalidPart("up", 2, "abc"), code: "InvalidPart", status: 400,
			msg: invalidPart, fields: []Field{s3Field("UploadId", "up"), s3Field("PartNumber", "2"), s3Field("ETag", "abc")}},
		{name: "InvalidPartOrder", err: ErrInvalidPartOrder("up"), code: "InvalidPartOrder", status: 400,
			msg: "The list of parts was not in ascending order. Parts must be ordered by part number.", fields: []Field{s3Field("UploadId", "up")}},
		{name: "EntityTooSmall", err: ErrEntityTooSmall(5, 1, "abc"), code: "EntityTooSmall", status: 400,
			msg:    "Your proposed upload is smaller than the minimum allowed size",
			fields: []Field{s3Field("ProposedSize", "5"), s3Field("MinSizeAllowed", "5242880"), s3Field("PartNumber", "1"), s3Field("ETag", "abc")}},
		{name: "part number range", err: ErrPartNumberRange("10001"), code: "InvalidArgument", status: 400,
			msg: "Part number must be an integer between 1 and 10000, inclusive", fields: []Field{s3Field("ArgumentName", "partNumber"), s3Field("ArgumentValue", "10001")}},
		{name: "no parts", err: ErrNoParts(), code: "InvalidRequest", status: 400, msg: "You must specify at least one part"},
		{name: "upload-id-marker", err: ErrInvalidUploadIDMarker("x"), code: "InvalidArgument", status: 400,
			msg: "Invalid uploadId marker", fields: []Field{s3Field("ArgumentName", "upload-id-marker"), s3Field("ArgumentValue", "x")}},
		{name: "mp-object-size", err: ErrMPObjectSize("5", 4), code: "InvalidRequest", status: 400,
			msg: "The provided 'x-amz-mp-object-size' header value 5 does not match what was computed: 4"},
		{name: "copy source too large", err: ErrCopySourceTooLarge(), code: "InvalidRequest", status: 400,
			msg: "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120", inf: true},

		// §2.5 Digests and checksums
		{name: "InvalidDigest", err: ErrInvalidDigest("zz"), code: "InvalidDigest", status: 400,
			msg: "The Content-MD5 you specified was invalid.", fields: []Field{s3Field("Content-MD5", "zz")}},
		{name: "BadDigest MD5", err: ErrBadDigestMD5("00ff", "AP8="), code: "BadDigest", status: 400,
			msg: "The Content-MD5 you specified did not match what we received.", fields: []Field{s3Field("ExpectedDigest", "00ff"), s3Field("CalculatedDigest", "AP8=")}},
		{name: "BadDigest PutObject CRC32", err: ErrBadChecksum("CRC32"), code: "BadDigest", status: 400,
			msg: "The CRC32 you specified did not match the calculated checksum."},
		{name: "BadDigest PutObject CRC64NVME", err: ErrBadChecksum("CRC64NVME"), code: "BadDigest", status: 400,
			msg: "The CRC64NVME you specified did not match the calculated checksum."},
		{name: "BadDigest Complete full object", err: ErrBadCompleteChecksum("crc32c"), code: "BadDigest", status: 400,
			msg: "The crc32c you specified did not match the calculated checksum."},
		{name: "BadDigest Complete part", err: ErrBadPartChecksum("sha256", 1), code: "BadDigest", status: 400,
			msg: "The sha256 you specified for part 1 did not match what we received."},
		{name: "invalid checksum header", err: ErrInvalidChecksumHeader("crc64nvme"), code: "InvalidRequest", status: 400,
			msg: "Value for x-amz-checksum-crc64nvme header is invalid."},
		{name: "multiple checksums", err: ErrMultipleChecksums(), code: "InvalidRequest", status: 400,
			msg: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."},
		{name: "unsupported algorithm", err: ErrUnsupportedChecksumAlgorithm(), code: "InvalidRequest", status: 400,
			msg: "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"},
		{name: "checksum type mismatch", err: ErrChecksumTypeMismatch("sha256", "crc32"), code: "InvalidRequest", status: 400,
			msg: "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32"},
		{name: "type and algorithm", err: ErrChecksumTypeAlgorithm("COMPOSITE", "crc64nvme"), code: "InvalidRequest", status: 400,
			msg: "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm."},
		{name: "type and algorithm full", err: ErrChecksumTypeAlgorithm("FULL_OBJECT", "sha1"), code: "InvalidRequest", status: 400,
			msg: "The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm."},
		{name: "missing part checksum", err: ErrMissingPartChecksum("crc32", 2), code: "InvalidRequest", status: 400,
			msg: "The upload was created using a crc32 checksum. The complete request must include the checksum for each part. It was missing for part 2 in the request."},
		{name: "checksum mode", err: ErrChecksumModeMismatch("COMPOSITE"), code: "InvalidRequest", status: 400,
			msg: "The upload was created using the COMPOSITE checksum mode. The complete request must use the same checksum mode."},
		{name: "checksum mode null", err: ErrChecksumModeMismatch(""), code: "InvalidRequest", status: 400,
			msg: "The upload was created using the null checksum mode. The complete request must use the same checksum mode."},
		{name: "type without algorithm", err: ErrChecksumTypeWithoutAlgorithm(), code: "InvalidRequest", status: 400,
			msg: "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."},
		{name: "missing Content-MD5", err: ErrMissingContentMD5(), code: "InvalidRequest", status: 400,
			msg: "Missing required header for this request: Content-MD5"},
		{name: "invalid checksum type", err: ErrInvalidChecksumType(), code: "InvalidRequest", status: 400,
			msg: "Value for x-amz-checksum-type header is invalid.", inf: true},

		// §2.7 Conditional requests
		{name: "PreconditionFailed", err: ErrPreconditionFailed("If-Match"), code: "PreconditionFailed", status: 412,
			msg: "At least one of the pre-conditions you specified did not hold", fields: []Field{s3Field("Condition", "If-Match")}},
		{name: "If-None-Match value", err: ErrIfNoneMatchNotImplemented(), code: "NotImplemented", status: 501,
			msg: notImpl, fields: []Field{s3Field("Header", "If-None-Match"), s3Field("additionalMessage", "We don't accept the provided value of If-None-Match header for this API")}},
		{name: "NotImplemented", err: ErrNotImplemented(), code: "NotImplemented", status: 501, msg: notImpl},

		// §2.8 Configuration validation
		{name: "MalformedXML", err: ErrMalformedXML(), code: "MalformedXML", status: 400,
			msg: "The XML you provided was not well-formed or did not validate against our published schema"},
		{name: "IllegalVersioningConfiguration", err: ErrIllegalVersioningConfiguration(), code: "IllegalVersioningConfigurationException", status: 400,
			msg: "The Versioning element must be specified"},
		{name: "MFA delete", err: ErrMFADeleteUnsupported(), code: "InvalidRequest", status: 400,
			msg: "MFA delete is not supported by this server", inf: true},

		// §2.9 Tagging, ACLs, Object Ownership
		{name: "InvalidTag key", err: ErrInvalidTagKey("k\x00"), code: "InvalidTag", status: 400,
			msg: "The TagKey you have provided is invalid", fields: []Field{s3Field("TagKey", "k\x00")}},
		{name: "InvalidTag value", err: ErrInvalidTagValue("k", "v\x00"), code: "InvalidTag", status: 400,
			msg: "The TagValue you have provided is invalid", fields: []Field{s3Field("TagKey", "k"), s3Field("TagValue", "v\x00")}},
		{name: "InvalidTag duplicate", err: ErrDuplicateTagKey("k"), code: "InvalidTag", status: 400,
			msg: "Cannot provide multiple Tags with the same key", fields: []Field{s3Field("TagKey", "k")}},
		{name: "InvalidTag object aws:", err: ErrObjectTagAWSPrefix("aws:k"), code: "InvalidTag", status: 400,
			msg: "Your TagKey cannot be prefixed with aws:", fields: []Field{s3Field("TagKey", "aws:k")}},
		{name: "x-amz-tagging", err: ErrBadTaggingHeader("a=1&a=2"), code: "InvalidArgument", status: 400,
			msg:    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
			fields: []Field{s3Field("ArgumentName", "x-amz-tagging"), s3Field("ArgumentValue", "a=1&a=2")}},
		{name: "too many tags", err: ErrTooManyTags(), code: "BadRequest", status: 400,
			msg: "Object tags cannot be greater than 10", inf: true},
		{name: "InvalidBucketAclWithObjectOwnership", err: ErrInvalidBucketAclWithObjectOwnership(), code: "InvalidBucketAclWithObjectOwnership", status: 400,
			msg: "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"},
		{name: "invalid canned ACL", err: ErrInvalidCannedACL("bogus"), code: "InvalidArgument", status: 400,
			msg: "", fields: []Field{s3Field("ArgumentName", "x-amz-acl"), s3Field("ArgumentValue", "bogus")}},
		{name: "conditional request conflict", err: ErrConditionalRequestConflict("k"), code: "ConditionalRequestConflict", status: 409,
			msg:    "The conditional request cannot succeed due to a conflicting operation against this resource.",
			fields: []Field{s3Field("Condition", "If-None-Match"), s3Field("Key", "k")}},
		{name: "malformed ACL", err: ErrMalformedACL(), code: "MalformedACLError", status: 400,
			msg: "The XML you provided was not well-formed or did not validate against our published schema"},
		{name: "service unavailable", err: ErrServiceUnavailable(), code: "ServiceUnavailable", status: 503,
			msg: "Service is unable to handle request."},
		{name: "ownership controls not found", err: ErrOwnershipControlsNotFound("b"), code: "OwnershipControlsNotFoundError", status: 404,
			msg: "The bucket ownership controls were not found", fields: []Field{s3Field("BucketName", "b")}},
		{name: "object ownership", err: ErrInvalidObjectOwnership("RandomValue"), code: "InvalidArgument", status: 400,
			msg: "Invalid x-amz-object-ownership header: RandomValue", fields: []Field{s3Field("ArgumentName", "x-amz-object-ownership")}},
		{name: "object ownership empty", err: ErrInvalidObjectOwnership(""), code: "InvalidArgument", status: 400,
			msg: "Invalid x-amz-object-ownership header: ", fields: []Field{s3Field("ArgumentName", "x-amz-object-ownership")}},

		// §2.10 Listing
		{name: "max-keys", err: ErrInvalidMaxKeys("abc"), code: "InvalidArgument", status: 400,
			msg: "Provided max-keys not an integer or within integer range", fields: []Field{s3Field("ArgumentName", "max-keys"), s3Field("ArgumentValue", "abc")}},
		{name: "encoding-type", err: ErrInvalidEncodingType("xml"), code: "InvalidArgument", status: 400,
			msg: "Invalid Encoding Method specified in Request", fields: []Field{s3Field("ArgumentName", "encoding-type"), s3Field("ArgumentValue", "xml")}},
		{name: "continuation token", err: ErrInvalidContinuationToken(), code: "InvalidArgument", status: 400,
			msg: "The continuation token provided is incorrect", fields: []Field{s3Field("ArgumentName", "continuation-token")}},
		{name: "version-id-marker without key", err: ErrVersionIDMarkerWithoutKey("v"), code: "InvalidArgument", status: 400,
			msg: "A version-id marker cannot be specified without a key marker.", fields: []Field{s3Field("ArgumentName", "version-id-marker"), s3Field("ArgumentValue", "v")}},
		{name: "version-id-marker empty", err: ErrVersionIDMarkerEmpty(), code: "InvalidArgument", status: 400,
			msg: "A version-id marker cannot be empty.", fields: []Field{s3Field("ArgumentName", "version-id-marker"), s3Field("ArgumentValue", "")}},
		{name: "version-id-marker malformed", err: ErrInvalidVersionIDMarker("zz"), code: "InvalidArgument", status: 400,
			msg: "Invalid version id specified", fields: []Field{s3Field("ArgumentName", "version-id-marker"), s3Field("ArgumentValue", "zz")}},
		{name: "integer argument", err: ErrInvalidIntegerArgument("max-uploads", "x"), code: "InvalidArgument", status: 400,
			msg: "Provided max-uploads not an integer or within integer range", fields: []Field{s3Field("ArgumentName", "max-uploads"), s3Field("ArgumentValue", "x")}, inf: true},
		{name: "integer range", err: ErrIntegerArgumentRange("max-parts", "-1"), code: "InvalidArgument", status: 400,
			msg: "Argument max-parts must be an integer between 0 and 2147483647", fields: []Field{s3Field("ArgumentName", "max-parts"), s3Field("ArgumentValue", "-1")}, inf: true},

		// §2.8 Object Lock
		{name: "ObjectLockConfigurationNotFound", err: ErrObjectLockConfigurationNotFound("b"), code: "ObjectLockConfigurationNotFoundError", status: 404,
			msg: "Object Lock configuration does not exist for this bucket", fields: []Field{s3Field("BucketName", "b")}},
		{name: "NoSuchObjectLockConfiguration", err: ErrNoSuchObjectLockConfiguration(), code: "NoSuchObjectLockConfiguration", status: 404,
			msg: "The specified object does not have a ObjectLock configuration"},
		{name: "object lock needs versioning", err: ErrObjectLockNeedsVersioning(), code: "InvalidBucketState", status: 409,
			msg: "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration"},
		{name: "object lock versioning locked", err: ErrObjectLockVersioningLocked(), code: "InvalidBucketState", status: 409,
			msg: "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."},
		{name: "bucket missing object lock", err: ErrBucketMissingObjectLock(), code: "InvalidRequest", status: 400,
			msg: "Bucket is missing Object Lock Configuration"},
		{name: "object locked", err: ErrObjectLocked(), code: "AccessDenied", status: 403,
			msg: "Access Denied because object protected by object lock."},
		{name: "lock headers both", err: ErrLockHeadersBoth("x-amz-object-lock-mode"), code: "InvalidArgument", status: 400,
			msg: "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied", fields: []Field{s3Field("ArgumentName", "x-amz-object-lock-mode")}},
		{name: "unknown worm mode", err: ErrUnknownWormMode("FOO"), code: "InvalidArgument", status: 400,
			msg: "Unknown wormMode directive.", fields: []Field{s3Field("ArgumentName", "x-amz-object-lock-mode"), s3Field("ArgumentValue", "FOO")}},
		{name: "retain until past", err: ErrRetainUntilPast("RetainUntilDate", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), code: "InvalidArgument", status: 400,
			msg: "The retain until date must be in the future!", fields: []Field{s3Field("ArgumentName", "RetainUntilDate"), s3Field("ArgumentValue", "Wed Jan 01 00:00:00 UTC 2020")}},
		{name: "bypass on non-lock bucket", err: ErrBypassNotLockBucket(), code: "InvalidArgument", status: 400,
			msg: "x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.", fields: []Field{s3Field("ArgumentName", "x-amz-bypass-governance-retention")}},
		{name: "lock content md5", err: ErrLockContentMD5(), code: "InvalidRequest", status: 400,
			msg: "Content-MD5 HTTP header is required for Put Object requests with Object Lock parameters"},
		{name: "legal hold header", err: ErrInvalidLegalHoldHeader("MAYBE"), code: "InvalidArgument", status: 400,
			msg: "Legal Hold must be either of 'ON' or 'OFF'", fields: []Field{s3Field("ArgumentName", "x-amz-object-lock-legal-hold"), s3Field("ArgumentValue", "MAYBE")}, inf: true},
		{name: "retain until header", err: ErrInvalidRetainUntilHeader("soon"), code: "InvalidArgument", status: 400,
			msg: "The retain until date must be provided in ISO 8601 format", fields: []Field{s3Field("ArgumentName", "x-amz-object-lock-retain-until-date"), s3Field("ArgumentValue", "soon")}, inf: true},
		{name: "default retention period", err: ErrDefaultRetentionPeriod("Days"), code: "InvalidArgument", status: 400,
			msg: "Default retention period must be a positive integer value.", fields: []Field{s3Field("ArgumentName", "Days")}, inf: true},
		{name: "default retention too long", err: ErrDefaultRetentionTooLong("Years"), code: "InvalidArgument", status: 400,
			msg: "Default retention period is too large.", fields: []Field{s3Field("ArgumentName", "Years")}, inf: true},

		// §2.12 Throttling, server errors
		{name: "RequestTimeout", err: ErrRequestTimeout(), code: "RequestTimeout", status: 400,
			msg: "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."},
		{name: "InternalError", err: ErrInternalError(), code: "InternalError", status: 500,
			msg: "We encountered an internal error. Please try again."},
	}
}

func TestS3ErrorsMatchCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, tt := range s3Cases() {
		if seen[tt.name] {
			t.Fatalf("duplicate case %q", tt.name)
		}
		seen[tt.name] = true
		t.Run(tt.name, func(t *testing.T) {
			e := tt.err
			if e.Code != tt.code {
				t.Errorf("code %q, want %q", e.Code, tt.code)
			}
			if e.Status != tt.status {
				t.Errorf("status %d, want %d", e.Status, tt.status)
			}
			if e.Message != tt.msg {
				t.Errorf("message\n got %q\nwant %q", e.Message, tt.msg)
			}
			if got, want := fieldString(e.Fields), fieldString(tt.fields); got != want {
				t.Errorf("extra elements\n got %s\nwant %s", got, want)
			}
		})
	}
}

func fieldString(fs []Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s=%q", f.Name, f.Value)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestS3ErrorHeaders checks the response headers that travel with errors.
func TestS3ErrorHeaders(t *testing.T) {
	tests := []struct {
		err          *Error
		header, want string
	}{
		{ErrPermanentRedirect("bk", "us-west-2"), "x-amz-bucket-region", "us-west-2"},
		{ErrAuthorizationHeaderMalformedRegion("us-east-1", "us-west-2"), "x-amz-bucket-region", "us-west-2"},
		{ErrAuthorizationQueryRegion("us-east-1", "us-west-2"), "x-amz-bucket-region", "us-west-2"},
	}
	for _, tt := range tests {
		if got := tt.err.Header.Get(tt.header); got != tt.want {
			t.Errorf("%s: %s = %q, want %q", tt.err.Code, tt.header, got, tt.want)
		}
	}
}

// TestEveryS3ConstructorIsTabled makes sure a constructor added to
// s3errors.go gets a row above: each exported function must be called in
// this file. The generic builders take their message from the caller.
func TestEveryS3ConstructorIsTabled(t *testing.T) {
	generic := map[string]bool{"ErrInvalidRequest": true, "InvalidArgument": true}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "s3errors.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("s3errors_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || !fn.Name.IsExported() || generic[fn.Name.Name] {
			continue
		}
		if !strings.Contains(string(src), fn.Name.Name+"(") {
			t.Errorf("%s has no row in s3Cases", fn.Name.Name)
		}
	}
}

// TestInfRowsAreMarked: a row tagged inf (no catalogue row) must call a
// constructor whose doc comment carries the "[Inf]" mark, so uncatalogued
// wording stays visible until it is verified.
func TestInfRowsAreMarked(t *testing.T) {
	fset := token.NewFileSet()
	lib, err := parser.ParseFile(fset, "s3errors.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	marked := map[string]bool{}
	for _, d := range lib.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Doc != nil {
			marked[fn.Name.Name] = strings.Contains(fn.Doc.Text(), "[Inf]")
		}
	}
	tests, err := parser.ParseFile(fset, "s3errors_test.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	ast.Inspect(tests, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		var ctor string
		inf := false
		for _, el := range lit.Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			switch key, _ := kv.Key.(*ast.Ident); {
			case key == nil:
			case key.Name == "err":
				if call, ok := kv.Value.(*ast.CallExpr); ok {
					if id, ok := call.Fun.(*ast.Ident); ok {
						ctor = id.Name
					}
				}
			case key.Name == "inf":
				id, _ := kv.Value.(*ast.Ident)
				inf = id != nil && id.Name == "true"
			}
		}
		if inf {
			rows++
			if !marked[ctor] {
				t.Errorf("%s is tabled as inf but its doc comment lacks [Inf]", ctor)
			}
		}
		return true
	})
	if rows == 0 {
		t.Fatal("found no inf rows: the test no longer reads the table")
	}
}
