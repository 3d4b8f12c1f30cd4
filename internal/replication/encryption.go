package replication

import (
	"context"
	"errors"

	"github.com/ferrystore/ferry/internal/aws"
)

// Condition keys of a replica write (§8.2).
const (
	KeyServerSideEncryption = "s3:x-amz-server-side-encryption"
	KeyKMSKeyID             = "s3:x-amz-server-side-encryption-aws-kms-key-id"
)

// Encryption modes as the S3 service names them.
const (
	encNone = ""
	encS3   = "AES256"
	encKMS  = "aws:kms"
	encDSSE = "aws:kms:dsse"
	encC    = "SSE-C"
)

// MatrixEncryption is the default Encryption: the outcome matrix of §3.3.
//
//   - no encryption: the replica takes the destination's default encryption
//     (no condition keys);
//   - SSE-S3: the replica is SSE-S3 whatever the destination default;
//   - SSE-KMS / DSSE-KMS (only eligible under a rule that opts in): the
//     same type under the rule's ReplicaKmsKeyID, keeping the source's
//     Bucket Key setting;
//   - SSE-C: Ferry cannot replicate it yet (AWS does): the object fails
//     with SrcGetObjectNotPermitted and says why.
type MatrixEncryption struct{}

// PrepareReplica implements Encryption.
func (MatrixEncryption) PrepareReplica(_ context.Context, _ aws.Principal, t *Task, src, replica *ObjectVersion) (map[string][]string, error) {
	replica.Encryption, replica.KMSKeyID, replica.BucketKey = encNone, "", false
	switch src.Encryption {
	case encNone:
		return nil, nil
	case encS3:
		replica.Encryption = encS3
		return map[string][]string{KeyServerSideEncryption: {encS3}}, nil
	case encKMS, encDSSE:
		if t.ReplicaKmsKeyID == "" {
			return nil, Fail(ReasonDstKmsKeyNotFound, errors.New("the rule names no ReplicaKmsKeyID for an SSE-KMS object"))
		}
		replica.Encryption, replica.KMSKeyID, replica.BucketKey = src.Encryption, t.ReplicaKmsKeyID, src.BucketKey
		return map[string][]string{KeyServerSideEncryption: {src.Encryption}, KeyKMSKeyID: {t.ReplicaKmsKeyID}}, nil
	case encC:
		return nil, Fail(ReasonSrcGetObjectNotPermitted, errors.New("Ferry does not replicate SSE-C objects yet"))
	}
	return nil, Fail(ReasonSrcGetObjectNotPermitted, errors.New("unknown source encryption "+src.Encryption))
}
