package aws

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorFieldsKeepOrderAndCopy(t *testing.T) {
	base := ErrNoSuchKey("a/b")
	e := base.With("VersionId", "v1")
	if got := len(base.Fields); got != 1 {
		t.Fatalf("With changed the original: %d fields", got)
	}
	if e.Fields[0].Name != "Key" || e.Fields[1].Name != "VersionId" {
		t.Fatalf("fields out of order: %+v", e.Fields)
	}
	if e.Field("Key") != "a/b" || e.Status != 404 || e.Message != "The specified key does not exist." {
		t.Fatalf("unexpected error %+v", e)
	}
}

func TestAsFindsWrappedError(t *testing.T) {
	err := fmt.Errorf("put: %w", ErrNoSuchBucket("b"))
	e, ok := As(err)
	if !ok || e.Code != "NoSuchBucket" || !IsCode(err, "NoSuchBucket") {
		t.Fatalf("As failed: %v %v", e, ok)
	}
	cause := errors.New("disk")
	if !errors.Is(Internal(cause), cause) {
		t.Fatal("Internal does not wrap its cause")
	}
}

func TestMessagesMatchCatalogue(t *testing.T) {
	tests := []struct {
		err    *Error
		code   string
		status int
		msg    string
	}{
		{ErrNoSuchBucket("b"), "NoSuchBucket", 404, "The specified bucket does not exist"},
		{ErrIllegalLocationConstraint(""), "IllegalLocationConstraintException", 400, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."},
		{ErrAuthorizationHeaderMalformedRegion("us-east-1", "eu-west-1"), "AuthorizationHeaderMalformed", 400, "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'"},
		{ErrInvalidPart("u", 1, "e"), "InvalidPart", 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."},
		{ErrBadChecksum("CRC32"), "BadDigest", 400, "The CRC32 you specified did not match the calculated checksum."},
	}
	for _, tt := range tests {
		if tt.err.Code != tt.code || tt.err.Status != tt.status || tt.err.Message != tt.msg {
			t.Errorf("got %s %d %q, want %s %d %q", tt.err.Code, tt.err.Status, tt.err.Message, tt.code, tt.status, tt.msg)
		}
	}
}

func TestAccountIDValid(t *testing.T) {
	for id, want := range map[AccountID]bool{"123456789012": true, "12345678901": false, "12345678901a": false} {
		if id.Valid() != want {
			t.Errorf("%s: got %v", id, !want)
		}
	}
}
