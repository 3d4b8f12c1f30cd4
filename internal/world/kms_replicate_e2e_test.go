package world

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// TestKMSReplicateKey: a multi-Region key replicated to another region
// keeps its id and material, so a ciphertext from one region decrypts in the
// other; DescribeKey shows the family; the errors are KMS's.
func TestKMSReplicateKey(t *testing.T) {
	e := startEnv(t, t.TempDir(), false)
	defer e.stop()
	ctx := e.ctx
	east := e.kms("a", "us-east-1")
	west := e.kms("a", "us-west-2")
	created, err := east.CreateKey(ctx, &kms.CreateKeyInput{MultiRegion: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	primaryARN := aws.ToString(created.KeyMetadata.Arn)
	out, err := east.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: created.KeyMetadata.KeyId, ReplicaRegion: aws.String("us-west-2"),
		Description: aws.String("west copy"), Tags: []types.Tag{{TagKey: aws.String("site"), TagValue: aws.String("west")}}})
	if err != nil {
		t.Fatal(err)
	}
	r := out.ReplicaKeyMetadata
	if aws.ToString(r.KeyId) != aws.ToString(created.KeyMetadata.KeyId) || aws.ToString(r.Description) != "west copy" ||
		r.MultiRegionConfiguration == nil || r.MultiRegionConfiguration.MultiRegionKeyType != types.MultiRegionKeyTypeReplica ||
		aws.ToString(r.MultiRegionConfiguration.PrimaryKey.Arn) != primaryARN || len(out.ReplicaTags) != 1 || aws.ToString(out.ReplicaPolicy) == "" {
		t.Fatalf("ReplicateKey: %+v", out)
	}
	replicaARN := aws.ToString(r.Arn)

	enc, err := east.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(primaryARN), Plaintext: []byte("hello"),
		EncryptionContext: map[string]string{"purpose": "mrk"}})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := west.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"purpose": "mrk"}})
	if err != nil || !bytes.Equal(dec.Plaintext, []byte("hello")) || aws.ToString(dec.KeyId) != replicaARN {
		t.Fatalf("Decrypt in the replica's region: %+v %v", dec, err)
	}

	d, err := east.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(primaryARN)})
	if err != nil {
		t.Fatal(err)
	}
	mc := d.KeyMetadata.MultiRegionConfiguration
	if mc == nil || mc.MultiRegionKeyType != types.MultiRegionKeyTypePrimary || len(mc.ReplicaKeys) != 1 ||
		aws.ToString(mc.ReplicaKeys[0].Arn) != replicaARN || aws.ToString(mc.ReplicaKeys[0].Region) != "us-west-2" {
		t.Fatalf("DescribeKey of the primary: %+v", mc)
	}

	_, err = west.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(replicaARN), ReplicaRegion: aws.String("eu-west-1")})
	if code(err) != "UnsupportedOperationException" || message(err) != replicaARN+" is not a multi-region primary key." {
		t.Fatalf("replicating a replica: %s %q", code(err), message(err))
	}
	_, err = east.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(primaryARN), ReplicaRegion: aws.String("us-west-2")})
	if code(err) != "AlreadyExistsException" {
		t.Fatalf("replicating twice: %v", err)
	}
	_, err = east.ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(primaryARN), ReplicaRegion: aws.String("nowhere")})
	if code(err) != "ValidationException" {
		t.Fatalf("a bad region: %v", err)
	}
	_, err = e.kms("b", "us-east-1").ReplicateKey(ctx, &kms.ReplicateKeyInput{KeyId: aws.String(primaryARN), ReplicaRegion: aws.String("eu-west-1")})
	if code(err) != "AccessDeniedException" {
		t.Fatalf("another account: %v", err)
	}
}
