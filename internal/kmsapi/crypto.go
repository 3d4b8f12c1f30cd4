package kmsapi

import (
	sdk "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kms"
)

// Cryptographic operations. Binary members ([]byte) travel as base64, which
// encoding/json reads and writes as standard base64.

func init() {
	register("Encrypt", op(encrypt))
	register("Decrypt", op(decrypt))
	register("ReEncrypt", op(reEncrypt))
	register("GenerateDataKey", op(generateDataKey))
	register("GenerateDataKeyWithoutPlaintext", op(generateDataKeyWithoutPlaintext))
	register("GenerateRandom", op(generateRandom))
}

// checkAlgorithm accepts the symmetric algorithm, the only one Ferry has.
func checkAlgorithm(alg string) error {
	if alg != "" && alg != kms.SymmetricDefault {
		return aws.New("InvalidKeyUsageException", 400, "Algorithm "+alg+" is incompatible with key spec SYMMETRIC_DEFAULT.")
	}
	return nil
}

func requiredBlob(name string, b []byte) error {
	if len(b) == 0 {
		return aws.ErrKMSValidation("1 validation error detected: Value null at '" + name + "' failed to satisfy constraint: Member must not be null")
	}
	return nil
}

func encrypt(c *call, in *sdk.EncryptInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	if err := requiredBlob("plaintext", in.Plaintext); err != nil {
		return nil, err
	}
	if err := checkAlgorithm(string(in.EncryptionAlgorithm)); err != nil {
		return nil, err
	}
	out, err := c.kms.Encrypt(c.ctx, c.p, c.region, ref, in.Plaintext, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return struct {
		CiphertextBlob      []byte `json:"CiphertextBlob"`
		KeyID               string `json:"KeyId"`
		EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
	}{out.CiphertextBlob, out.KeyID, out.Algorithm}, nil
}

func decrypt(c *call, in *sdk.DecryptInput) (any, error) {
	if err := requiredBlob("ciphertextBlob", in.CiphertextBlob); err != nil {
		return nil, err
	}
	if err := checkAlgorithm(string(in.EncryptionAlgorithm)); err != nil {
		return nil, err
	}
	out, err := c.kms.Decrypt(c.ctx, c.p, c.region, in.CiphertextBlob, in.EncryptionContext, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	return struct {
		Plaintext           []byte `json:"Plaintext"`
		KeyID               string `json:"KeyId"`
		EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
	}{out.Plaintext, out.KeyID, out.Algorithm}, nil
}

func reEncrypt(c *call, in *sdk.ReEncryptInput) (any, error) {
	if err := requiredBlob("ciphertextBlob", in.CiphertextBlob); err != nil {
		return nil, err
	}
	dst, err := required("destinationKeyId", in.DestinationKeyId)
	if err != nil {
		return nil, err
	}
	for _, alg := range []string{string(in.SourceEncryptionAlgorithm), string(in.DestinationEncryptionAlgorithm)} {
		if err := checkAlgorithm(alg); err != nil {
			return nil, err
		}
	}
	out, err := c.kms.ReEncrypt(c.ctx, c.p, c.region, kms.ReEncryptInput{
		CiphertextBlob: in.CiphertextBlob, SourceContext: in.SourceEncryptionContext, SourceKeyRef: str(in.SourceKeyId),
		DestinationKeyRef: dst, DestinationContext: in.DestinationEncryptionContext,
	})
	if err != nil {
		return nil, err
	}
	return struct {
		CiphertextBlob                 []byte `json:"CiphertextBlob"`
		SourceKeyID                    string `json:"SourceKeyId"`
		KeyID                          string `json:"KeyId"`
		SourceEncryptionAlgorithm      string `json:"SourceEncryptionAlgorithm"`
		DestinationEncryptionAlgorithm string `json:"DestinationEncryptionAlgorithm"`
	}{out.CiphertextBlob, out.SourceKeyID, out.KeyID, kms.SymmetricDefault, kms.SymmetricDefault}, nil
}

type dataKeyOutput struct {
	CiphertextBlob []byte `json:"CiphertextBlob"`
	Plaintext      []byte `json:"Plaintext,omitempty"`
	KeyID          string `json:"KeyId"`
}

func generateDataKey(c *call, in *sdk.GenerateDataKeyInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	spec := kms.DataKeySpec{KeySpec: string(in.KeySpec), NumberOfBytes: num(in.NumberOfBytes)}
	out, err := c.kms.GenerateDataKey(c.ctx, c.p, c.region, ref, spec, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return dataKeyOutput{out.CiphertextBlob, out.Plaintext, out.KeyID}, nil
}

func generateDataKeyWithoutPlaintext(c *call, in *sdk.GenerateDataKeyWithoutPlaintextInput) (any, error) {
	ref, err := required("keyId", in.KeyId)
	if err != nil {
		return nil, err
	}
	spec := kms.DataKeySpec{KeySpec: string(in.KeySpec), NumberOfBytes: num(in.NumberOfBytes)}
	out, err := c.kms.GenerateDataKeyWithoutPlaintext(c.ctx, c.p, c.region, ref, spec, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return dataKeyOutput{CiphertextBlob: out.CiphertextBlob, KeyID: out.KeyID}, nil
}

func generateRandom(c *call, in *sdk.GenerateRandomInput) (any, error) {
	if in.NumberOfBytes == nil {
		return nil, aws.ErrKMSNumberOfBytesRequired()
	}
	b, err := c.kms.GenerateRandom(c.ctx, c.p, c.region, num(in.NumberOfBytes))
	if err != nil {
		return nil, err
	}
	return struct {
		Plaintext []byte `json:"Plaintext"`
	}{b}, nil
}
