package s3api

import (
	"encoding/xml"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/sse"
)

func init() {
	register("GetBucketEncryption", getBucketEncryption)
	register("PutBucketEncryption", putBucketEncryption)
	register("DeleteBucketEncryption", deleteBucketEncryption)
}

// setEncryption is the one place object responses report server-side
// encryption: the mode, the KMS key ARN and Bucket Key flag, or the SSE-C
// algorithm and key MD5.
func setEncryption(rq *Request, env *sse.Envelope) {
	for name, values := range env.Headers() {
		rq.Headers[name] = values
	}
}

// serverSideEncryptionConfiguration is the document of Get/PutBucketEncryption.
type serverSideEncryptionConfiguration struct {
	XMLName xml.Name         `xml:"ServerSideEncryptionConfiguration"`
	NS      string           `xml:"xmlns,attr,omitempty"`
	Rules   []encryptionRule `xml:"Rule"`
}

type encryptionRule struct {
	Default          *encryptionDefault `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled *bool              `xml:"BucketKeyEnabled"`
}

type encryptionDefault struct {
	SSEAlgorithm   string `xml:"SSEAlgorithm"`
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
}

func getBucketEncryption(a *API, rq *Request) error {
	enc, err := a.S3.GetBucketEncryption(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	rule := encryptionRule{BucketKeyEnabled: &enc.BucketKey, Default: &encryptionDefault{enc.Algorithm, enc.KMSKeyID}}
	return writeXML(rq, http.StatusOK, serverSideEncryptionConfiguration{NS: xmlNS, Rules: []encryptionRule{rule}})
}

func putBucketEncryption(a *API, rq *Request) error {
	var doc serverSideEncryptionConfiguration
	if err := readXML(rq, &doc); err != nil {
		return err
	}
	if len(doc.Rules) != 1 || doc.Rules[0].Default == nil {
		return aws.ErrMalformedXML()
	}
	r := doc.Rules[0]
	enc := s3.BucketEncryption{Algorithm: r.Default.SSEAlgorithm, KMSKeyID: r.Default.KMSMasterKeyID}
	if r.BucketKeyEnabled != nil {
		enc.BucketKey = *r.BucketKeyEnabled
	}
	if err := a.S3.PutBucketEncryption(rq.R.Context(), rq.Auth.Principal, rq.Bucket, enc); err != nil {
		return err
	}
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func deleteBucketEncryption(a *API, rq *Request) error {
	if err := a.S3.DeleteBucketEncryption(rq.R.Context(), rq.Auth.Principal, rq.Bucket); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}
