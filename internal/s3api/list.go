package s3api

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/s3"
)

func init() {
	register("ListObjectsV2", listObjectsV2)
	register("ListObjects", listObjects)
	register("ListObjectVersions", listObjectVersions)
}

// listParams are the query parameters every listing shares.
type listParams struct {
	prefix, delimiter string
	maxKeys           int // as requested (echoed)
	limit             int // page size used, at most s3.MaxListKeys
	urlEncoding       bool
}

func parseListParams(q url.Values) (listParams, error) {
	lp := listParams{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), maxKeys: s3.MaxListKeys}
	if v, ok := q["max-keys"]; ok {
		n, err := strconv.ParseInt(v[0], 10, 32)
		if err != nil || n < 0 {
			return lp, aws.ErrInvalidMaxKeys(v[0])
		}
		lp.maxKeys = int(n)
	}
	lp.limit = min(lp.maxKeys, s3.MaxListKeys)
	if v, ok := q["encoding-type"]; ok {
		if v[0] != "url" {
			return lp, aws.ErrInvalidEncodingType(v[0])
		}
		lp.urlEncoding = true
	}
	return lp, nil
}

// enc applies encoding-type=url as S3 does: form encoding ("+" for a
// space) that leaves "/" as is.
func (lp listParams) enc(s string) string {
	if !lp.urlEncoding {
		return s
	}
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

func (lp listParams) encodingType() string {
	if lp.urlEncoding {
		return "url"
	}
	return ""
}

func (lp listParams) prefixes(cps []string) []commonPrefix {
	out := make([]commonPrefix, len(cps))
	for i, p := range cps {
		out[i] = commonPrefix{Prefix: lp.enc(p)}
	}
	return out
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// objectItem is one Contents element.
type objectItem struct {
	Key               string `xml:"Key"`
	LastModified      string `xml:"LastModified"`
	ETag              string `xml:"ETag"`
	ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
	Size              int64  `xml:"Size"`
	Owner             *owner `xml:"Owner,omitempty"`
	StorageClass      string `xml:"StorageClass"`
}

// checksumOf returns the algorithm and type elements for a version.
func checksumOf(v *s3.Version) (alg, typ string) {
	if v.Checksum == nil {
		return "", ""
	}
	typ = v.Checksum.Type
	if typ == "" {
		typ = "FULL_OBJECT"
	}
	return v.Checksum.Algorithm, typ
}

func (lp listParams) objects(vs []*s3.Version, withOwner bool) []objectItem {
	out := make([]objectItem, len(vs))
	for i, v := range vs {
		alg, typ := checksumOf(v)
		out[i] = objectItem{Key: lp.enc(v.Key), LastModified: timeISO(v.LastModified), ETag: quoteETag(v.ETag),
			ChecksumAlgorithm: alg, ChecksumType: typ, Size: v.Size, StorageClass: v.Class()}
		if withOwner {
			out[i].Owner = ownerOf(v.Owner)
		}
	}
	return out
}

type listBucketV2Result struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	NS                    string         `xml:"xmlns,attr"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	ContinuationToken     *string        `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	KeyCount              int            `xml:"KeyCount"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	Contents              []objectItem   `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

func listObjectsV2(a *API, rq *Request) error {
	lp, err := parseListParams(rq.Query)
	if err != nil {
		return err
	}
	in := s3.ListObjectsV2Input{Bucket: rq.Bucket, Prefix: lp.prefix, Delimiter: lp.delimiter, StartAfter: rq.Query.Get("start-after"), MaxKeys: lp.limit}
	if v, ok := rq.Query["continuation-token"]; ok {
		in.ContinuationToken = &v[0]
	}
	out, err := a.S3.ListObjectsV2(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	res := listBucketV2Result{
		NS: xmlNS, Name: rq.Bucket, Prefix: lp.enc(lp.prefix), StartAfter: lp.enc(in.StartAfter),
		ContinuationToken: in.ContinuationToken, NextContinuationToken: out.NextContinuationToken,
		KeyCount: len(out.Objects) + len(out.CommonPrefixes), MaxKeys: lp.maxKeys,
		Delimiter: lp.enc(lp.delimiter), EncodingType: lp.encodingType(), IsTruncated: out.IsTruncated,
		Contents: lp.objects(out.Objects, rq.Query.Get("fetch-owner") == "true"), CommonPrefixes: lp.prefixes(out.CommonPrefixes),
	}
	return writeXML(rq, http.StatusOK, res)
}

type listBucketResult struct {
	XMLName        xml.Name       `xml:"ListBucketResult"`
	NS             string         `xml:"xmlns,attr"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Marker         string         `xml:"Marker"`
	NextMarker     string         `xml:"NextMarker,omitempty"`
	MaxKeys        int            `xml:"MaxKeys"`
	Delimiter      string         `xml:"Delimiter,omitempty"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
	IsTruncated    bool           `xml:"IsTruncated"`
	Contents       []objectItem   `xml:"Contents"`
	CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
}

func listObjects(a *API, rq *Request) error {
	lp, err := parseListParams(rq.Query)
	if err != nil {
		return err
	}
	marker := rq.Query.Get("marker")
	out, err := a.S3.ListObjects(rq.R.Context(), rq.Auth.Principal, s3.ListObjectsInput{
		Bucket: rq.Bucket, Prefix: lp.prefix, Delimiter: lp.delimiter, Marker: marker, MaxKeys: lp.limit,
	})
	if err != nil {
		return err
	}
	res := listBucketResult{
		NS: xmlNS, Name: rq.Bucket, Prefix: lp.enc(lp.prefix), Marker: lp.enc(marker), MaxKeys: lp.maxKeys,
		Delimiter: lp.enc(lp.delimiter), EncodingType: lp.encodingType(), IsTruncated: out.IsTruncated,
		Contents: lp.objects(out.Objects, true), CommonPrefixes: lp.prefixes(out.CommonPrefixes),
	}
	if out.IsTruncated && lp.delimiter != "" {
		res.NextMarker = lp.enc(out.Last)
	}
	return writeXML(rq, http.StatusOK, res)
}
