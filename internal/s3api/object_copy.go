package s3api

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/sse"
)

func init() {
	register("CopyObject", copyObject)
}

// parseCopySource splits x-amz-copy-source ("bucket/key" or "/bucket/key",
// URL-encoded, optionally "?versionId=…").
func parseCopySource(v string) (bucket, key, versionID string, err error) {
	raw, query, hasQuery := strings.Cut(v, "?")
	path, uerr := url.PathUnescape(raw)
	if uerr != nil {
		return "", "", "", aws.ErrInvalidCopySource()
	}
	bucket, key, _ = strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if bucket == "" || key == "" {
		return "", "", "", aws.ErrInvalidCopySource()
	}
	if hasQuery {
		q, qerr := url.ParseQuery(query)
		if qerr != nil {
			return "", "", "", aws.ErrInvalidCopySource()
		}
		if vs, ok := q["versionId"]; ok {
			if vs[0] == "" {
				return "", "", "", aws.ErrEmptyCopySourceVersionID()
			}
			versionID = vs[0]
		}
	}
	return bucket, key, versionID, nil
}

type copyObjectResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	NS           string   `xml:"xmlns,attr"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
	ChecksumType string   `xml:"ChecksumType,omitempty"`
	checksumFields
}

// checksumFields are the Checksum* elements of result documents.
type checksumFields struct {
	CRC32     string `xml:"ChecksumCRC32,omitempty"`
	CRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	CRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	SHA1      string `xml:"ChecksumSHA1,omitempty"`
	SHA256    string `xml:"ChecksumSHA256,omitempty"`
}

func checksumXML(c *s3.Checksum) checksumFields {
	var f checksumFields
	if c == nil {
		return f
	}
	switch checksum.Algorithm(c.Algorithm) {
	case checksum.CRC32:
		f.CRC32 = c.Value
	case checksum.CRC32C:
		f.CRC32C = c.Value
	case checksum.CRC64NVME:
		f.CRC64NVME = c.Value
	case checksum.SHA1:
		f.SHA1 = c.Value
	case checksum.SHA256:
		f.SHA256 = c.Value
	}
	return f
}

func copyObject(a *API, rq *Request) error {
	in, err := copyObjectInput(a, rq)
	if err != nil {
		return err
	}
	out, err := a.S3.CopyObject(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	setVersionID(rq, out.VersionID)
	setEncryption(rq, out.SSE)
	if out.SourceVersionID != "" {
		rq.Headers.Set("x-amz-copy-source-version-id", out.SourceVersionID)
	}
	res := copyObjectResult{NS: xmlNS, ETag: quoteETag(out.ETag), LastModified: timeISO(out.LastModified)}
	if out.Checksum != nil {
		res.ChecksumType = out.Checksum.Type
		res.checksumFields = checksumXML(out.Checksum)
	}
	return writeXML(rq, http.StatusOK, res)
}

func copyObjectInput(a *API, rq *Request) (s3.CopyObjectInput, error) {
	h := rq.R.Header
	sb, sk, sv, err := parseCopySource(h.Get("x-amz-copy-source"))
	if err != nil {
		return s3.CopyObjectInput{}, err
	}
	if err := checkSourceOwner(a, sb, h.Get("x-amz-source-expected-bucket-owner")); err != nil {
		return s3.CopyObjectInput{}, err
	}
	var alg checksum.Algorithm
	if v := h.Get("x-amz-checksum-algorithm"); v != "" {
		var ok bool
		if alg, ok = checksum.ParseAlgorithm(v); !ok {
			return s3.CopyObjectInput{}, aws.ErrUnsupportedChecksumAlgorithm()
		}
	}
	enc, err := sse.RequestFromHeaders(h)
	if err != nil {
		return s3.CopyObjectInput{}, err
	}
	srcKey, err := sse.CopySourceCustomerKeyFromHeaders(h)
	if err != nil {
		return s3.CopyObjectInput{}, err
	}
	return s3.CopyObjectInput{
		Encryption: enc, SourceCustomer: srcKey,
		SourceBucket: sb, SourceKey: sk, SourceVersionID: sv,
		Bucket: rq.Bucket, Key: rq.Key,
		MetadataDirective: h.Get("x-amz-metadata-directive"),
		TaggingDirective:  h.Get("x-amz-tagging-directive"),
		Attributes:        objectAttributes(h),
		SourceConditions:  readConditions(h, "x-amz-copy-source-"),
		ChecksumAlgorithm: alg,
		IfMatch:           h.Get("If-Match"), IfNoneMatch: h.Get("If-None-Match"),
	}, nil
}

// checkSourceOwner applies x-amz-source-expected-bucket-owner.
func checkSourceOwner(a *API, bucket, owner string) error {
	if owner == "" {
		return nil
	}
	if err := checkExpectedOwner(owner); err != nil {
		return err
	}
	if b, err := a.S3.Bucket(bucket); err == nil && b.Account != aws.AccountID(owner) {
		return aws.ErrAccessDenied()
	}
	return nil
}
