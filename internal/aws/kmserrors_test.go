package aws

import (
	"errors"
	"testing"
)

func TestKMSMessagesMatchCatalogue(t *testing.T) {
	arn := "arn:aws:kms:eu-west-1:123456789012:key/0f5e2d1c-4b3a-4c2d-9e8f-7a6b5c4d3e2f"
	tests := []struct {
		err  *Error
		code string
		msg  string
	}{
		{ErrKMSNotFound(arn), "NotFoundException", "Key '" + arn + "' does not exist"},
		{ErrKMSInvalidKeyID("fake-key-id"), "NotFoundException", "Invalid keyId 'fake-key-id'"},
		{ErrKMSInvalidARNRegion("us-west-2"), "NotFoundException", "Invalid arn us-west-2"},
		{ErrKMSAliasNotFound("arn:aws:kms:eu-west-1:123456789012:alias/x"), "NotFoundException", "Alias arn:aws:kms:eu-west-1:123456789012:alias/x is not found."},
		{ErrKMSDisabled(arn), "DisabledException", arn + " is disabled."},
		{ErrKMSPendingDeletion(arn), "KMSInvalidStateException", arn + " is pending deletion."},
		{ErrKMSInvalidCiphertext(), "InvalidCiphertextException", ""},
		{ErrKMSIncorrectKey(), "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation."},
		{ErrKMSPlaintextTooLong(), "ValidationException", "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"},
		{ErrKMSNumberOfBytesRange(0), "ValidationException", "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{ErrKMSNumberOfBytesRequired(), "ValidationException", "NumberOfBytes is required."},
		{ErrKMSAliasChars("alias/Service:Test"), "ValidationException", "alias/Service:Test contains invalid characters for an alias"},
		{ErrKMSAliasExists("arn:aws:kms:eu-west-1:123456789012:alias/x"), "AlreadyExistsException", "An alias with the name arn:aws:kms:eu-west-1:123456789012:alias/x already exists"},
		{ErrKMSTagReserved(), "TagException", "Tags beginning with aws: are reserved"},
		{ErrKMSRotationLimit(arn), "LimitExceededException", "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: " + arn},
		{ErrKMSAccessDenied("arn:aws:iam::111122223333:user/u", "kms:Decrypt", arn), "AccessDeniedException",
			"User: arn:aws:iam::111122223333:user/u is not authorized to perform: kms:Decrypt on resource: " + arn + " because no resource-based policy allows the kms:Decrypt action"},
	}
	for _, tc := range tests {
		if tc.err.Code != tc.code || tc.err.Message != tc.msg || tc.err.Status != 400 {
			t.Errorf("got %s %d %q, want %s 400 %q", tc.err.Code, tc.err.Status, tc.err.Message, tc.code, tc.msg)
		}
	}
	if e := ErrKMSInternal(errors.New("x")); e.Status != 500 {
		t.Errorf("KMSInternalException status %d", e.Status)
	}
}

func TestKMSForS3(t *testing.T) {
	arn := "arn:aws:kms:us-east-1:123456789012:key/k"
	tests := []struct {
		in     error
		code   string
		status int
	}{
		{ErrKMSDisabled(arn), "KMS.DisabledException", 400},
		{ErrKMSNotFound(arn), "KMS.NotFoundException", 400},
		{ErrKMSAccessDenied("p", "kms:Decrypt", arn), "AccessDenied", 403},
		{ErrKMSInternal(errors.New("disk")), "InternalError", 500},
	}
	for _, tc := range tests {
		e, _ := As(KMSForS3(tc.in))
		if e.Code != tc.code || e.Status != tc.status {
			t.Errorf("KMSForS3(%v) = %s %d, want %s %d", tc.in, e.Code, e.Status, tc.code, tc.status)
		}
	}
}
