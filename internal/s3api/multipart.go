package s3api

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/s3"
)

func init() {
	register("CreateMultipartUpload", createMultipartUpload)
	register("UploadPart", uploadPart)
	register("UploadPartCopy", uploadPartCopy)
	register("CompleteMultipartUpload", completeMultipartUpload)
	register("AbortMultipartUpload", abortMultipartUpload)
	register("ListParts", listParts)
	register("ListMultipartUploads", listMultipartUploads)
}

// mpuChecksums are the Checksum* elements of multipart results.
type mpuChecksums struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
}

func mpuChecksumsOf(c *s3.Checksum) mpuChecksums {
	var x mpuChecksums
	if c == nil {
		return x
	}
	switch checksum.Algorithm(c.Algorithm) {
	case checksum.CRC32:
		x.ChecksumCRC32 = c.Value
	case checksum.CRC32C:
		x.ChecksumCRC32C = c.Value
	case checksum.CRC64NVME:
		x.ChecksumCRC64NVME = c.Value
	case checksum.SHA1:
		x.ChecksumSHA1 = c.Value
	case checksum.SHA256:
		x.ChecksumSHA256 = c.Value
	}
	return x
}

// sent maps the algorithms present to their values.
func (x mpuChecksums) sent() map[checksum.Algorithm]string {
	m := map[checksum.Algorithm]string{}
	for alg, v := range map[checksum.Algorithm]string{
		checksum.CRC32: x.ChecksumCRC32, checksum.CRC32C: x.ChecksumCRC32C, checksum.CRC64NVME: x.ChecksumCRC64NVME,
		checksum.SHA1: x.ChecksumSHA1, checksum.SHA256: x.ChecksumSHA256,
	} {
		if v = strings.TrimSpace(v); v != "" {
			m[alg] = v
		}
	}
	return m
}

// setPartChecksumHeader sends a stored checksum as its x-amz-checksum-* header.
func setPartChecksumHeader(rq *Request, c *s3.Checksum) {
	if c != nil {
		rq.Headers.Set(checksum.Algorithm(c.Algorithm).HeaderName(), c.Value)
	}
}

// uploadAttributes reads the object attributes of CreateMultipartUpload.
func uploadAttributes(h http.Header) s3.UploadAttributes {
	a := s3.UploadAttributes{
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    h.Get("Content-Encoding"),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentLanguage:    h.Get("Content-Language"),
		CacheControl:       h.Get("Cache-Control"),
		Expires:            h.Get("Expires"),
		Tagging:            h.Get("x-amz-tagging"),
		StorageClass:       h.Get("x-amz-storage-class"),
	}
	for name, values := range h {
		lower := strings.ToLower(name)
		if m, ok := strings.CutPrefix(lower, "x-amz-meta-"); ok {
			if a.Metadata == nil {
				a.Metadata = map[string]string{}
			}
			a.Metadata[m] = strings.Join(values, ",")
		}
	}
	return a
}

type initiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

func createMultipartUpload(a *API, rq *Request) error {
	h := rq.R.Header
	out, err := a.S3.CreateMultipartUpload(rq.R.Context(), rq.Auth.Principal, s3.CreateMultipartUploadInput{
		Bucket: rq.Bucket, Key: rq.Key, Attributes: uploadAttributes(h),
		ChecksumAlgorithm: h.Get("x-amz-checksum-algorithm"), ChecksumType: h.Get("x-amz-checksum-type"),
	})
	if err != nil {
		return err
	}
	if out.ChecksumAlgorithm != "" {
		rq.Headers.Set("x-amz-checksum-algorithm", out.ChecksumAlgorithm)
		rq.Headers.Set("x-amz-checksum-type", out.ChecksumType)
	}
	return writeXML(rq, http.StatusOK, initiateMultipartUploadResult{NS: xmlNS, Bucket: rq.Bucket, Key: rq.Key, UploadID: out.UploadID})
}

// uploadPartNumber parses the partNumber query parameter.
func uploadPartNumber(rq *Request) (int, error) {
	raw := rq.Query.Get("partNumber")
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > s3.MaxPartNumber {
		return 0, aws.ErrPartNumberRange(raw)
	}
	return n, nil
}

func uploadPart(a *API, rq *Request) error {
	n, err := uploadPartNumber(rq)
	if err != nil {
		return err
	}
	alg, value, err := checksum.FromHeaders(rq.R.Header)
	if err != nil {
		return err
	}
	in := s3.UploadPartInput{
		Bucket: rq.Bucket, Key: rq.Key, UploadID: rq.Query.Get("uploadId"), PartNumber: n,
		Body: rq.Auth.Body, Size: rq.Auth.DecodedLength, ContentMD5: rq.R.Header.Get("Content-MD5"),
		ChecksumAlgorithm: alg, Checksum: value,
	}
	if value == "" && alg != "" && rq.Auth.Trailer != nil {
		in.TrailerChecksum = func() string { return rq.Auth.Trailer().Get(alg.HeaderName()) }
	}
	out, err := a.S3.UploadPart(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	rq.Headers.Set("ETag", quoteETag(out.ETag))
	setPartChecksumHeader(rq, out.Checksum)
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"CopyPartResult"`
	NS           string   `xml:"xmlns,attr"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
	mpuChecksums
}

func uploadPartCopy(a *API, rq *Request) error {
	n, err := uploadPartNumber(rq)
	if err != nil {
		return err
	}
	h := rq.R.Header
	in := s3.UploadPartCopyInput{
		Bucket: rq.Bucket, Key: rq.Key, UploadID: rq.Query.Get("uploadId"), PartNumber: n,
		Range: h.Get("x-amz-copy-source-range"),
		Conditions: s3.PartCopyConditions{
			IfMatch: h.Get("x-amz-copy-source-if-match"), IfNoneMatch: h.Get("x-amz-copy-source-if-none-match"),
			IfModifiedSince:   mpuHeaderTime(h, "x-amz-copy-source-if-modified-since"),
			IfUnmodifiedSince: mpuHeaderTime(h, "x-amz-copy-source-if-unmodified-since"),
		},
	}
	if in.SourceBucket, in.SourceKey, in.SourceVersionID, err = partCopySource(h.Get("x-amz-copy-source")); err != nil {
		return err
	}
	if err := checkExpectedOwner(h.Get("x-amz-source-expected-bucket-owner")); err != nil {
		return err
	}
	if err := a.checkPartSourceOwner(h.Get("x-amz-source-expected-bucket-owner"), in.SourceBucket); err != nil {
		return err
	}
	out, err := a.S3.UploadPartCopy(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	if out.SourceVersionID != "" {
		rq.Headers.Set("x-amz-copy-source-version-id", out.SourceVersionID)
	}
	return writeXML(rq, http.StatusOK, copyPartResult{
		NS: xmlNS, ETag: quoteETag(out.ETag), LastModified: timeISO(out.LastModified), mpuChecksums: mpuChecksumsOf(out.Checksum),
	})
}

// checkPartSourceOwner applies x-amz-source-expected-bucket-owner.
func (a *API) checkPartSourceOwner(owner, bucket string) error {
	if owner == "" {
		return nil
	}
	if b, err := a.S3.Bucket(bucket); err == nil && b.Account != aws.AccountID(owner) {
		return aws.ErrAccessDenied()
	}
	return nil
}

// mpuHeaderTime parses an HTTP date header; absent or malformed dates are ignored.
func mpuHeaderTime(h http.Header, name string) *time.Time {
	v := h.Get(name)
	if v == "" {
		return nil
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return nil
	}
	return &t
}

// partCopySource splits x-amz-copy-source ("bucket/key[?versionId=id]",
// URL-encoded, with an optional leading slash).
func partCopySource(v string) (bucket, key, versionID string, err error) {
	path, query, _ := strings.Cut(v, "?")
	if query != "" {
		q, perr := url.ParseQuery(query)
		if perr != nil {
			return "", "", "", aws.ErrInvalidCopySource()
		}
		versionID = q.Get("versionId")
	}
	path, uerr := url.PathUnescape(path)
	if uerr != nil {
		return "", "", "", aws.ErrInvalidCopySource()
	}
	bucket, key, _ = strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if bucket == "" || key == "" {
		return "", "", "", aws.ErrInvalidCopySource()
	}
	return bucket, key, versionID, nil
}

func abortMultipartUpload(a *API, rq *Request) error {
	if err := a.S3.AbortMultipartUpload(rq.R.Context(), rq.Auth.Principal, rq.Bucket, rq.Key, rq.Query.Get("uploadId")); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}
