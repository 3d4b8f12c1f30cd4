package s3api

import (
	"encoding/xml"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/s3"
)

// initiatorOf names who started an upload: the canonical id of a root user,
// the ARN of any other principal.
func initiatorOf(p aws.Principal) *owner {
	if p.Type == aws.PrincipalRoot || p.ARN == "" {
		return ownerOf(p.Account)
	}
	return &owner{ID: p.ARN}
}

func uploadStorageClass(v *s3.Version) string { return v.Class() }

// mpuListLimit parses max-parts / max-uploads: absent is 1000, larger values
// are capped at 1000.
func mpuListLimit(rq *Request, name string) (int, error) {
	raw, ok := rq.Query[name]
	if !ok {
		return s3.DefaultMaxList, nil
	}
	n, err := strconv.ParseInt(raw[0], 10, 64)
	if err != nil || n > math.MaxInt32 {
		return 0, aws.ErrInvalidIntegerArgument(name, raw[0])
	}
	if n < 0 {
		return 0, aws.ErrIntegerArgumentRange(name, raw[0])
	}
	return int(min(n, s3.DefaultMaxList)), nil
}

type listPartsResult struct {
	XMLName              xml.Name      `xml:"ListPartsResult"`
	NS                   string        `xml:"xmlns,attr"`
	Bucket               string        `xml:"Bucket"`
	Key                  string        `xml:"Key"`
	UploadID             string        `xml:"UploadId"`
	PartNumberMarker     int           `xml:"PartNumberMarker"`
	NextPartNumberMarker int           `xml:"NextPartNumberMarker"`
	MaxParts             int           `xml:"MaxParts"`
	IsTruncated          bool          `xml:"IsTruncated"`
	Parts                []mpuPartItem `xml:"Part"`
	Initiator            *owner        `xml:"Initiator"`
	Owner                *owner        `xml:"Owner"`
	StorageClass         string        `xml:"StorageClass"`
	ChecksumAlgorithm    string        `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType         string        `xml:"ChecksumType,omitempty"`
}

type mpuPartItem struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	checksumFields
}

func listParts(a *API, rq *Request) error {
	limit, err := mpuListLimit(rq, "max-parts")
	if err != nil {
		return err
	}
	marker := 0
	if v := rq.Query.Get("part-number-marker"); v != "" {
		if marker, err = strconv.Atoi(v); err != nil || marker < 0 {
			return aws.ErrInvalidIntegerArgument("part-number-marker", v)
		}
	}
	out, err := a.S3.ListParts(rq.R.Context(), rq.Auth.Principal, s3.ListPartsInput{
		Bucket: rq.Bucket, Key: rq.Key, UploadID: rq.Query.Get("uploadId"), MaxParts: limit, PartNumberMarker: marker,
	})
	if err != nil {
		return err
	}
	up := out.Upload
	res := listPartsResult{
		NS: xmlNS, Bucket: rq.Bucket, Key: up.Key, UploadID: up.UploadID,
		PartNumberMarker: marker, NextPartNumberMarker: out.NextPartNumberMarker, MaxParts: limit, IsTruncated: out.IsTruncated,
		Initiator: initiatorOf(up.Initiator), Owner: ownerOf(up.Owner), StorageClass: uploadStorageClass(&up.Template),
		ChecksumAlgorithm: up.ChecksumAlgorithm, ChecksumType: up.ChecksumType,
	}
	for _, p := range out.Parts {
		res.Parts = append(res.Parts, mpuPartItem{
			PartNumber: p.Number, LastModified: timeISO(p.LastModified), ETag: quoteETag(p.ETag), Size: p.Size,
			checksumFields: checksumXML(p.Checksum),
		})
	}
	return writeXML(rq, http.StatusOK, res)
}

type listMultipartUploadsResult struct {
	XMLName            xml.Name          `xml:"ListMultipartUploadsResult"`
	NS                 string            `xml:"xmlns,attr"`
	Bucket             string            `xml:"Bucket"`
	KeyMarker          string            `xml:"KeyMarker"`
	UploadIDMarker     string            `xml:"UploadIdMarker"`
	NextKeyMarker      string            `xml:"NextKeyMarker"`
	NextUploadIDMarker string            `xml:"NextUploadIdMarker"`
	Delimiter          string            `xml:"Delimiter,omitempty"`
	Prefix             string            `xml:"Prefix"`
	MaxUploads         int               `xml:"MaxUploads"`
	IsTruncated        bool              `xml:"IsTruncated"`
	Uploads            []mpuUploadItem   `xml:"Upload"`
	CommonPrefixes     []mpuCommonPrefix `xml:"CommonPrefixes"`
	EncodingType       string            `xml:"EncodingType,omitempty"`
}

type mpuUploadItem struct {
	Key               string `xml:"Key"`
	UploadID          string `xml:"UploadId"`
	Initiator         *owner `xml:"Initiator"`
	Owner             *owner `xml:"Owner"`
	StorageClass      string `xml:"StorageClass"`
	Initiated         string `xml:"Initiated"`
	ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
}

type mpuCommonPrefix struct {
	Prefix string `xml:"Prefix"`
}

func listMultipartUploads(a *API, rq *Request) error {
	limit, err := mpuListLimit(rq, "max-uploads")
	if err != nil {
		return err
	}
	q := rq.Query
	enc, hasEnc := q["encoding-type"]
	if hasEnc && enc[0] != "url" {
		return aws.ErrInvalidEncodingType(enc[0])
	}
	in := s3.ListUploadsInput{
		Bucket: rq.Bucket, Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"),
		KeyMarker: q.Get("key-marker"), UploadIDMarker: q.Get("upload-id-marker"), MaxUploads: limit,
	}
	out, err := a.S3.ListMultipartUploads(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	e := func(s string) string { return s }
	res := listMultipartUploadsResult{NS: xmlNS, Bucket: rq.Bucket, MaxUploads: limit, IsTruncated: out.IsTruncated}
	if hasEnc {
		e, res.EncodingType = mpuURLEncode, "url"
	}
	res.KeyMarker, res.UploadIDMarker = e(in.KeyMarker), in.UploadIDMarker
	res.NextKeyMarker, res.NextUploadIDMarker = e(out.NextKeyMarker), out.NextUploadIDMarker
	res.Prefix, res.Delimiter = e(in.Prefix), e(in.Delimiter)
	for _, up := range out.Uploads {
		res.Uploads = append(res.Uploads, mpuUploadItem{
			Key: e(up.Key), UploadID: up.UploadID, Initiator: initiatorOf(up.Initiator), Owner: ownerOf(up.Owner),
			StorageClass: uploadStorageClass(&up.Template), Initiated: timeISO(up.Initiated),
			ChecksumAlgorithm: up.ChecksumAlgorithm, ChecksumType: up.ChecksumType,
		})
	}
	for _, p := range out.CommonPrefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, mpuCommonPrefix{Prefix: e(p)})
	}
	return writeXML(rq, http.StatusOK, res)
}

// mpuURLEncode applies encoding-type=url to a key: query escaping with
// slashes kept, as S3 does.
func mpuURLEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}
