package aws

import "fmt"

// This file is KMS's error table. KMS speaks JSON 1.1: the code is the
// "__type" of the body and every client error is HTTP 400, AccessDenied
// included. Messages are exactly those of the project's error catalogue
// (spec/errors.md §4); an empty Message means AWS sends no message field.
// Constructors marked "Inf" use wording the catalogue could not confirm.

// ErrKMSNotFound: a well-formed key id or ARN that names no key. The message
// always shows the key's full ARN, even when a bare id was sent.
func ErrKMSNotFound(keyARN string) *Error {
	return Newf("NotFoundException", 400, "Key '%s' does not exist", keyARN)
}

// ErrKMSInvalidKeyID: a key reference that is neither a key id, a key ARN,
// an alias name nor an alias ARN.
func ErrKMSInvalidKeyID(sent string) *Error {
	return Newf("NotFoundException", 400, "Invalid keyId '%s'", sent)
}

// ErrKMSInvalidARNRegion: a key or alias ARN whose region is not the
// endpoint's region.
func ErrKMSInvalidARNRegion(arnRegion string) *Error {
	return Newf("NotFoundException", 400, "Invalid arn %s", arnRegion)
}

// ErrKMSAliasNotFound: an alias name or ARN that names no alias.
func ErrKMSAliasNotFound(aliasARN string) *Error {
	return Newf("NotFoundException", 400, "Alias %s is not found.", aliasARN)
}

// ErrKMSDisabled: the key is disabled.
func ErrKMSDisabled(keyARN string) *Error {
	return Newf("DisabledException", 400, "%s is disabled.", keyARN)
}

// ErrKMSPendingDeletion: the key is scheduled for deletion.
func ErrKMSPendingDeletion(keyARN string) *Error {
	return Newf("KMSInvalidStateException", 400, "%s is pending deletion.", keyARN)
}

// ErrKMSNotPendingDeletion: CancelKeyDeletion on a key that is not
// scheduled for deletion (Inf).
func ErrKMSNotPendingDeletion(keyARN string) *Error {
	return Newf("KMSInvalidStateException", 400, "%s is not pending deletion.", keyARN)
}

// ErrKMSInvalidCiphertext: a corrupted or foreign ciphertext, or the wrong
// encryption context. AWS sends no message.
func ErrKMSInvalidCiphertext() *Error { return New("InvalidCiphertextException", 400, "") }

// ErrKMSIncorrectKey: Decrypt with a KeyId other than the key that encrypted
// the ciphertext.
func ErrKMSIncorrectKey() *Error {
	return New("IncorrectKeyException", 400, "The key ID in the request does not identify a CMK that can perform this operation.")
}

// ErrKMSValidation is a ValidationException with the given message.
func ErrKMSValidation(message string) *Error { return New("ValidationException", 400, message) }

// ErrKMSPlaintextTooLong: symmetric Encrypt of more than 4096 bytes.
func ErrKMSPlaintextTooLong() *Error {
	return ErrKMSValidation("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
}

// ErrKMSNumberOfBytesRange: NumberOfBytes outside 1..1024 (GenerateRandom,
// GenerateDataKey).
func ErrKMSNumberOfBytesRange(n int) *Error {
	if n < 1 {
		return ErrKMSValidation(fmt.Sprintf("1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1", n))
	}
	return ErrKMSValidation(fmt.Sprintf("1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024", n))
}

// ErrKMSNumberOfBytesRequired: GenerateRandom without NumberOfBytes.
func ErrKMSNumberOfBytesRequired() *Error { return ErrKMSValidation("NumberOfBytes is required.") }

// ErrKMSDataKeySpec: GenerateDataKey with both or neither of KeySpec and
// NumberOfBytes (Inf: wording from the API reference).
func ErrKMSDataKeySpec() *Error {
	return ErrKMSValidation("Please specify either number of bytes or key spec.")
}

// ErrKMSInvalidDataKeySpec: a KeySpec other than AES_256 or AES_128.
func ErrKMSInvalidDataKeySpec(sent string) *Error {
	return ErrKMSValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]", sent))
}

// ErrKMSPendingWindow: PendingWindowInDays outside 7..30 (same template as
// the other range validations).
func ErrKMSPendingWindow(days int) *Error {
	bound := "greater than or equal to 7"
	if days > 30 {
		bound = "less than or equal to 30"
	}
	return ErrKMSValidation(fmt.Sprintf("1 validation error detected: Value '%d' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value %s", days, bound))
}

// ErrKMSRotationPeriod: RotationPeriodInDays outside 90..2560.
func ErrKMSRotationPeriod(days int) *Error {
	bound := "greater than or equal to 90"
	if days > 2560 {
		bound = "less than or equal to 2560"
	}
	return ErrKMSValidation(fmt.Sprintf("1 validation error detected: Value '%d' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value %s", days, bound))
}

// ErrKMSAliasPrefix: an alias name without the "alias/" prefix.
func ErrKMSAliasPrefix() *Error {
	return ErrKMSValidation(`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
}

// ErrKMSAliasChars: an alias name with characters outside [a-zA-Z0-9/_-].
func ErrKMSAliasChars(name string) *Error {
	return ErrKMSValidation(name + " contains invalid characters for an alias")
}

// ErrKMSAliasReserved: CreateAlias/UpdateAlias/DeleteAlias on the reserved
// alias/aws/ prefix (Inf: the catalogue has no captured message).
func ErrKMSAliasReserved(name string) *Error {
	return Newf("InvalidAliasNameException", 400, "%s is reserved for AWS managed keys.", name)
}

// ErrKMSAliasExists: CreateAlias for a name that is taken.
func ErrKMSAliasExists(aliasARN string) *Error {
	return Newf("AlreadyExistsException", 400, "An alias with the name %s already exists", aliasARN)
}

// ErrKMSAliasARNNotSupported: an operation that needs a key ARN was given an
// alias (CreateGrant).
func ErrKMSAliasARNNotSupported() *Error {
	return New("InvalidArnException", 400, "Key Aliases are not supported for this operation.")
}

// ErrKMSTagReserved: a tag key starting with "aws:".
func ErrKMSTagReserved() *Error {
	return New("TagException", 400, "Tags beginning with aws: are reserved")
}

// ErrKMSTagDuplicate: duplicate tag keys in one request.
func ErrKMSTagDuplicate() *Error { return New("TagException", 400, "Duplicate tag keys") }

// ErrKMSTooManyTags: more than 50 tags on a key.
func ErrKMSTooManyTags() *Error { return New("TagException", 400, "Too many tags") }

// ErrKMSRotationLimit: RotateKeyOnDemand beyond the per-key limit.
func ErrKMSRotationLimit(keyARN string) *Error {
	return Newf("LimitExceededException", 400, "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: %s", keyARN)
}

// ErrKMSUnsupported: an operation the key cannot perform, such as managing
// an AWS managed key (Inf: message modelled on the catalogue's templates).
func ErrKMSUnsupported(keyARN, operation string) *Error {
	return Newf("UnsupportedOperationException", 400, "%s is an AWS managed key which is not valid for %s.", keyARN, operation)
}

// ErrKMSAccessDenied: the caller may not perform action (e.g. "kms:Decrypt")
// on the key. KMS does not quote the key ARN, and answers 400.
func ErrKMSAccessDenied(principalARN, action, keyARN string) *Error {
	return ErrKMSAccessDeniedBecause(principalARN, action, keyARN, "because no resource-based policy allows the "+action+" action")
}

// ErrKMSAccessDeniedBecause is KMS's AccessDeniedException with the policy
// engine's reason ("because no identity-based policy allows …", "with an
// explicit deny in a resource-based policy"). keyARN is "" for calls
// without a key.
func ErrKMSAccessDeniedBecause(principalARN, action, keyARN, reason string) *Error {
	res := ""
	if keyARN != "" {
		res = " on resource: " + keyARN
	}
	return Newf("AccessDeniedException", 400, "User: %s is not authorized to perform: %s%s %s", principalARN, action, res, reason)
}

// ErrKMSNotMultiRegionPrimary: ReplicateKey on a key that is not a
// multi-Region primary key (observed for a replica; Inf for a single-Region
// key, which gets the same answer here).
func ErrKMSNotMultiRegionPrimary(keyARN string) *Error {
	return Newf("UnsupportedOperationException", 400, "%s is not a multi-region primary key.", keyARN)
}

// ErrKMSReplicaExists: ReplicateKey into a region that already has the
// key (Inf: message not found in a real response).
func ErrKMSReplicaExists(replicaARN string) *Error {
	return Newf("AlreadyExistsException", 400, "Replica key %s already exists.", replicaARN)
}

// ErrKMSReplicaRotation: rotation operations on a multi-Region replica key,
// whose material follows its primary (Inf: message not found).
func ErrKMSReplicaRotation(keyARN, operation string) *Error {
	return Newf("UnsupportedOperationException", 400, "%s is a multi-region replica key which is not valid for %s; rotate its primary key.", keyARN, operation)
}

// ErrKMSGrantNotFound: a grant id that names no grant of the key (Inf).
func ErrKMSGrantNotFound(grantID string) *Error {
	return Newf("NotFoundException", 400, "Grant ID %s not found", grantID)
}

// ErrKMSInternal is KMS's server fault; the cause is kept for the logs.
func ErrKMSInternal(cause error) *Error {
	return New("KMSInternalException", 500, "An internal error occurred.").WithCause(cause)
}
