package s3api

import (
	"net/http"
	"strconv"
)

func init() {
	register("PutBucketReplication", putBucketReplication)
	register("GetBucketReplication", getBucketReplication)
	register("DeleteBucketReplication", deleteBucketReplication)
}

// putBucketReplication stores a bucket's replication configuration. It
// requires a body digest (the model's requestChecksumRequired): Content-MD5
// or an x-amz-checksum-* header or trailer, verified as the body is read.
// The document itself is the service's to parse, so bucket and permission
// errors come first. The x-amz-bucket-object-lock-token header is accepted
// and needs nothing:
// Object Lock is enabled through CreateBucket or PutObjectLockConfiguration,
// never with a token, and an Object Lock source replicates only to Object
// Lock destinations whatever the header says.
func putBucketReplication(a *API, rq *Request) error {
	body, err := readDigestedBody(rq)
	if err != nil {
		return err
	}
	if err := a.S3.PutBucketReplication(rq.R.Context(), rq.Auth.Principal, rq.Bucket, body); err != nil {
		return err
	}
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func getBucketReplication(a *API, rq *Request) error {
	cfg, err := a.S3.GetBucketReplication(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	body, err := cfg.Marshal()
	if err != nil {
		return err
	}
	body = awsEscapes(body)
	rq.Headers.Set("Content-Type", "application/xml")
	rq.Headers.Set("Content-Length", strconv.Itoa(len(body)))
	rq.W.WriteHeader(http.StatusOK)
	if _, err := rq.W.Write(body); err != nil {
		return errWritten
	}
	return nil
}

func deleteBucketReplication(a *API, rq *Request) error {
	if err := a.S3.DeleteBucketReplication(rq.R.Context(), rq.Auth.Principal, rq.Bucket); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}
