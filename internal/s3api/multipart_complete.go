package s3api

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/s3"
)

type completeMultipartUploadDoc struct {
	XMLName xml.Name        `xml:"CompleteMultipartUpload"`
	Parts   []completedPart `xml:"Part"`
}

type completedPart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
	mpuChecksums
}

type completeMultipartUploadResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	checksumFields
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

func completeMultipartUpload(a *API, rq *Request) error {
	var doc completeMultipartUploadDoc
	if err := readXML(rq, &doc); err != nil {
		return err
	}
	h := rq.R.Header
	in := s3.CompleteMultipartUploadInput{
		Bucket: rq.Bucket, Key: rq.Key, UploadID: rq.Query.Get("uploadId"),
		ChecksumType: h.Get("x-amz-checksum-type"), ObjectSize: h.Get("x-amz-mp-object-size"),
		IfMatch: h.Get("If-Match"), IfNoneMatch: h.Get("If-None-Match"),
	}
	for _, p := range doc.Parts {
		in.Parts = append(in.Parts, s3.CompletedPart{Number: p.PartNumber, ETag: p.ETag, Checksums: p.sent()})
	}
	var err error
	if in.ChecksumAlgorithm, in.Checksum, err = checksum.FromHeaders(h); err != nil {
		return err
	}
	out, err := a.S3.CompleteMultipartUpload(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	if out.VersionID != "" {
		rq.Headers.Set("x-amz-version-id", out.VersionID)
	}
	setEncryption(rq, out.SSE)
	res := completeMultipartUploadResult{
		NS: xmlNS, Location: uploadLocation(rq), Bucket: rq.Bucket, Key: rq.Key,
		ETag: quoteETag(out.ETag), checksumFields: checksumXML(out.Checksum),
	}
	if out.Checksum != nil {
		res.ChecksumType = out.Checksum.Type
	}
	return writeXML(rq, http.StatusOK, res)
}

// uploadLocation is the URL of the object a request addressed.
func uploadLocation(rq *Request) string {
	scheme := "http"
	if rq.R.TLS != nil {
		scheme = "https"
	}
	path := "/" + locationKeyPath(rq.Key)
	if !strings.HasPrefix(rq.R.Host, rq.Bucket+".") {
		path = "/" + rq.Bucket + path
	}
	return scheme + "://" + rq.R.Host + path
}

// locationKeyPath URL-encodes a key for a path, keeping its slashes.
func locationKeyPath(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
