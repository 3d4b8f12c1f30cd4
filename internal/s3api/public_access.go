package s3api

import (
	"encoding/xml"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/s3"
)

func init() {
	register("GetPublicAccessBlock", getPublicAccessBlock)
	register("PutPublicAccessBlock", putPublicAccessBlock)
	register("DeletePublicAccessBlock", deletePublicAccessBlock)
}

// publicAccessBlockConfiguration is the document of Get/PutPublicAccessBlock;
// an absent setting is false.
type publicAccessBlockConfiguration struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	NS                    string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       *bool    `xml:"BlockPublicAcls"`
	IgnorePublicAcls      *bool    `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     *bool    `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets *bool    `xml:"RestrictPublicBuckets"`
}

func getPublicAccessBlock(a *API, rq *Request) error {
	c, err := a.S3.GetPublicAccessBlock(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	return writeXML(rq, http.StatusOK, publicAccessBlockConfiguration{NS: xmlNS, BlockPublicAcls: &c.BlockPublicAcls,
		IgnorePublicAcls: &c.IgnorePublicAcls, BlockPublicPolicy: &c.BlockPublicPolicy, RestrictPublicBuckets: &c.RestrictPublicBuckets})
}

func putPublicAccessBlock(a *API, rq *Request) error {
	var doc publicAccessBlockConfiguration
	if err := readXML(rq, &doc); err != nil {
		return err
	}
	if doc.BlockPublicAcls == nil && doc.IgnorePublicAcls == nil && doc.BlockPublicPolicy == nil && doc.RestrictPublicBuckets == nil {
		// [Inf] S3 Control's answer for an empty configuration; the
		// bucket-level answer was not captured.
		return aws.ErrInvalidRequest("Must specify at least one configuration.")
	}
	set := func(v *bool) bool { return v != nil && *v }
	c := s3.PublicAccessBlock{BlockPublicAcls: set(doc.BlockPublicAcls), IgnorePublicAcls: set(doc.IgnorePublicAcls),
		BlockPublicPolicy: set(doc.BlockPublicPolicy), RestrictPublicBuckets: set(doc.RestrictPublicBuckets)}
	if err := a.S3.PutPublicAccessBlock(rq.R.Context(), rq.Auth.Principal, rq.Bucket, c); err != nil {
		return err
	}
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func deletePublicAccessBlock(a *API, rq *Request) error {
	if err := a.S3.DeletePublicAccessBlock(rq.R.Context(), rq.Auth.Principal, rq.Bucket); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}
