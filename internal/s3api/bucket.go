package s3api

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/s3"
)

func init() {
	register("CreateBucket", createBucket)
	register("DeleteBucket", deleteBucket)
	register("HeadBucket", headBucket)
	register("ListBuckets", listBuckets)
	register("GetBucketLocation", getBucketLocation)
	register("GetBucketVersioning", getBucketVersioning)
	register("PutBucketVersioning", putBucketVersioning)
	register("GetBucketOwnershipControls", getBucketOwnershipControls)
	register("PutBucketOwnershipControls", putBucketOwnershipControls)
	register("DeleteBucketOwnershipControls", deleteBucketOwnershipControls)
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

func createBucket(a *API, rq *Request) error {
	var cfg createBucketConfiguration
	if rq.R.ContentLength != 0 {
		if err := readXML(rq, &cfg); err != nil {
			return err
		}
	}
	_, err := a.S3.CreateBucket(rq.R.Context(), rq.Auth.Principal, s3.CreateBucketInput{
		Bucket:             rq.Bucket,
		Region:             rq.Region,
		LocationConstraint: cfg.LocationConstraint,
		ObjectOwnership:    rq.R.Header.Get("x-amz-object-ownership"),
		ACL:                rq.R.Header.Get("x-amz-acl"),
		Grants:             aclHeaders(rq.R.Header).Grants,
		ObjectLock:         strings.EqualFold(rq.R.Header.Get("x-amz-bucket-object-lock-enabled"), "true"),
	})
	if err != nil {
		return err
	}
	rq.Headers.Set("Location", "/"+rq.Bucket)
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func deleteBucket(a *API, rq *Request) error {
	if err := a.S3.DeleteBucket(rq.R.Context(), rq.Auth.Principal, rq.Bucket); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}

func headBucket(a *API, rq *Request) error {
	b, err := a.S3.HeadBucket(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		if e, ok := aws.As(err); ok && e.Code == "NoSuchBucket" {
			return err
		}
		if b2, err2 := a.S3.Bucket(rq.Bucket); err2 == nil {
			rq.Headers.Set("x-amz-bucket-region", b2.Region)
		}
		return err
	}
	rq.Headers.Set("x-amz-bucket-region", b.Region)
	rq.Headers.Set("x-amz-access-point-alias", "false")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

func ownerOf(account aws.AccountID) *owner {
	return &owner{ID: aws.CanonicalUserID(account)}
}

type listAllMyBucketsResult struct {
	XMLName           xml.Name     `xml:"ListAllMyBucketsResult"`
	NS                string       `xml:"xmlns,attr"`
	Owner             *owner       `xml:"Owner"`
	Buckets           []bucketItem `xml:"Buckets>Bucket"`
	ContinuationToken string       `xml:"ContinuationToken,omitempty"`
	Prefix            string       `xml:"Prefix,omitempty"`
}

type bucketItem struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion"`
}

func listBuckets(a *API, rq *Request) error {
	in := s3.ListBucketsInput{
		Prefix:            rq.Query.Get("prefix"),
		BucketRegion:      rq.Query.Get("bucket-region"),
		ContinuationToken: rq.Query.Get("continuation-token"),
	}
	if v := rq.Query.Get("max-buckets"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return aws.ErrInvalidIntegerArgument("max-buckets", v)
		}
		in.MaxBuckets = n
	}
	if in.BucketRegion != "" && !knownRegion(in.BucketRegion) {
		return aws.ErrInvalidBucketRegionFilter(in.BucketRegion)
	}
	out, err := a.S3.ListBuckets(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	res := listAllMyBucketsResult{NS: xmlNS, Owner: ownerOf(rq.Auth.Principal.Account), ContinuationToken: out.ContinuationToken, Prefix: in.Prefix}
	for _, b := range out.Buckets {
		res.Buckets = append(res.Buckets, bucketItem{Name: b.Name, CreationDate: timeISO(b.Created), BucketRegion: b.Region})
	}
	return writeXML(rq, http.StatusOK, res)
}

func knownRegion(r string) bool {
	for _, k := range aws.KnownRegions {
		if k == r {
			return true
		}
	}
	return false
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	NS      string   `xml:"xmlns,attr"`
	Value   string   `xml:",chardata"`
}

func getBucketLocation(a *API, rq *Request) error {
	region, err := a.S3.GetBucketLocation(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	if region == "us-east-1" {
		region = "" // AWS answers an empty constraint for us-east-1
	}
	return writeXML(rq, http.StatusOK, locationConstraint{NS: xmlNS, Value: region})
}

type versioningConfiguration struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	NS        string   `xml:"xmlns,attr,omitempty"`
	Status    string   `xml:"Status,omitempty"`
	MfaDelete string   `xml:"MfaDelete,omitempty"`
}

func getBucketVersioning(a *API, rq *Request) error {
	status, err := a.S3.GetBucketVersioning(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	res := versioningConfiguration{NS: xmlNS, Status: status}
	if status != "" {
		res.MfaDelete = "Disabled"
	}
	return writeXML(rq, http.StatusOK, res)
}

func putBucketVersioning(a *API, rq *Request) error {
	var cfg versioningConfiguration
	if err := readXML(rq, &cfg); err != nil {
		return err
	}
	if cfg.MfaDelete == "Enabled" {
		return aws.ErrMFADeleteUnsupported()
	}
	if err := a.S3.PutBucketVersioning(rq.R.Context(), rq.Auth.Principal, rq.Bucket, cfg.Status); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

// ownershipControls is the OwnershipControls document: one rule.
type ownershipControls struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	NS      string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

func getBucketOwnershipControls(a *API, rq *Request) error {
	ownership, err := a.S3.GetBucketOwnershipControls(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	res := ownershipControls{NS: xmlNS}
	res.Rules = append(res.Rules, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{ownership})
	return writeXML(rq, http.StatusOK, res)
}

func putBucketOwnershipControls(a *API, rq *Request) error {
	var cfg ownershipControls
	if err := readDigestedXML(rq, &cfg); err != nil {
		return err
	}
	if len(cfg.Rules) != 1 {
		return aws.ErrMalformedXML()
	}
	if err := a.S3.PutBucketOwnershipControls(rq.R.Context(), rq.Auth.Principal, rq.Bucket, cfg.Rules[0].ObjectOwnership); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func deleteBucketOwnershipControls(a *API, rq *Request) error {
	if err := a.S3.DeleteBucketOwnershipControls(rq.R.Context(), rq.Auth.Principal, rq.Bucket); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}
