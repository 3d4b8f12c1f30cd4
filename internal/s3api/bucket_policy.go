package s3api

import (
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
)

func init() {
	register("PutBucketPolicy", putBucketPolicy)
	register("GetBucketPolicy", getBucketPolicy)
	register("DeleteBucketPolicy", deleteBucketPolicy)
	register("GetBucketPolicyStatus", getBucketPolicyStatus)
}

// maxPolicyBody bounds the PutBucketPolicy body read; the service reports
// an oversized policy with S3's message.
const maxPolicyBody = 64 << 10

func putBucketPolicy(a *API, rq *Request) error {
	body, err := io.ReadAll(io.LimitReader(rq.Auth.Body, maxPolicyBody))
	if err != nil {
		return bodyError(err)
	}
	if err := a.S3.PutBucketPolicy(rq.R.Context(), rq.Auth.Principal, rq.Bucket, string(body)); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}

func getBucketPolicy(a *API, rq *Request) error {
	doc, err := a.S3.GetBucketPolicy(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	rq.Headers.Set("Content-Type", "application/json")
	rq.Headers.Set("Content-Length", strconv.Itoa(len(doc)))
	rq.W.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(rq.W, doc); err != nil {
		return errWritten
	}
	return nil
}

func deleteBucketPolicy(a *API, rq *Request) error {
	if err := a.S3.DeleteBucketPolicy(rq.R.Context(), rq.Auth.Principal, rq.Bucket); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}

type policyStatus struct {
	XMLName  xml.Name `xml:"PolicyStatus"`
	NS       string   `xml:"xmlns,attr"`
	IsPublic bool     `xml:"IsPublic"`
}

func getBucketPolicyStatus(a *API, rq *Request) error {
	public, err := a.S3.GetBucketPolicyStatus(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	return writeXML(rq, http.StatusOK, policyStatus{NS: xmlNS, IsPublic: public})
}
