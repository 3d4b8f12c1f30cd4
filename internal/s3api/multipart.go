package s3api

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/sse"
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

// mpuChecksums are the Checksum* elements of a CompleteMultipartUpload part.
type mpuChecksums struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
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

type initiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

func createMultipartUpload(a *API, rq *Request) error {
	h := rq.R.Header
	enc, err := sse.RequestFromHeaders(h)
	if err != nil {
		return err
	}
	out, err := a.S3.CreateMultipartUpload(rq.R.Context(), rq.Auth.Principal, s3.CreateMultipartUploadInput{
		Bucket: rq.Bucket, Key: rq.Key, Attributes: objectAttributes(h),
		ChecksumAlgorithm: h.Get("x-amz-checksum-algorithm"), ChecksumType: h.Get("x-amz-checksum-type"),
		Encryption: enc,
	})
	if err != nil {
		return err
	}
	setEncryption(rq, out.SSE)
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
	size, err := bodySize(rq)
	if err != nil {
		return err
	}
	alg, value, trailer, err := requestChecksum(rq)
	if err != nil {
		return err
	}
	in := s3.UploadPartInput{
		Bucket: rq.Bucket, Key: rq.Key, UploadID: rq.Query.Get("uploadId"), PartNumber: n,
		Body: rq.Auth.Body, Size: size, ContentMD5: rq.R.Header.Get("Content-MD5"),
		ChecksumAlgorithm: alg, Checksum: value, TrailerChecksum: trailer,
	}
	if in.Customer, err = sse.CustomerKeyFromHeaders(rq.R.Header); err != nil {
		return err
	}
	out, err := a.S3.UploadPart(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	setEncryption(rq, out.SSE)
	rq.Headers.Set("ETag", quoteETag(out.ETag))
	setChecksum(rq, out.Checksum)
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"CopyPartResult"`
	NS           string   `xml:"xmlns,attr"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
	checksumFields
}

func uploadPartCopy(a *API, rq *Request) error {
	n, err := uploadPartNumber(rq)
	if err != nil {
		return err
	}
	h := rq.R.Header
	in := s3.UploadPartCopyInput{
		Bucket: rq.Bucket, Key: rq.Key, UploadID: rq.Query.Get("uploadId"), PartNumber: n,
		Range: h.Get("x-amz-copy-source-range"), SourceConditions: readConditions(h, "x-amz-copy-source-"),
	}
	if in.SourceBucket, in.SourceKey, in.SourceVersionID, err = parseCopySource(h.Get("x-amz-copy-source")); err != nil {
		return err
	}
	if err := checkSourceOwner(a, in.SourceBucket, h.Get("x-amz-source-expected-bucket-owner")); err != nil {
		return err
	}
	if in.Customer, err = sse.CustomerKeyFromHeaders(h); err != nil {
		return err
	}
	if in.SourceCustomer, err = sse.CopySourceCustomerKeyFromHeaders(h); err != nil {
		return err
	}
	out, err := a.S3.UploadPartCopy(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	setEncryption(rq, out.SSE)
	if out.SourceVersionID != "" {
		rq.Headers.Set("x-amz-copy-source-version-id", out.SourceVersionID)
	}
	return writeXML(rq, http.StatusOK, copyPartResult{
		NS: xmlNS, ETag: quoteETag(out.ETag), LastModified: timeISO(out.LastModified), checksumFields: checksumXML(out.Checksum),
	})
}

func abortMultipartUpload(a *API, rq *Request) error {
	if err := a.S3.AbortMultipartUpload(rq.R.Context(), rq.Auth.Principal, rq.Bucket, rq.Key, rq.Query.Get("uploadId")); err != nil {
		return err
	}
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}
