package s3api

import (
	"encoding/xml"
	"net/http"

	"github.com/ferrystore/ferry/internal/s3"
)

type listVersionsResult struct {
	XMLName             xml.Name       `xml:"ListVersionsResult"`
	NS                  string         `xml:"xmlns,attr"`
	Name                string         `xml:"Name"`
	Prefix              string         `xml:"Prefix"`
	KeyMarker           string         `xml:"KeyMarker"`
	VersionIDMarker     string         `xml:"VersionIdMarker"`
	NextKeyMarker       string         `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string         `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int            `xml:"MaxKeys"`
	Delimiter           string         `xml:"Delimiter,omitempty"`
	EncodingType        string         `xml:"EncodingType,omitempty"`
	IsTruncated         bool           `xml:"IsTruncated"`
	Entries             []versionItem  // Version and DeleteMarker elements, interleaved
	CommonPrefixes      []commonPrefix `xml:"CommonPrefixes"`
}

// versionItem is a Version or (by XMLName) a DeleteMarker element.
type versionItem struct {
	XMLName           xml.Name
	Key               string `xml:"Key"`
	VersionID         string `xml:"VersionId"`
	IsLatest          bool   `xml:"IsLatest"`
	LastModified      string `xml:"LastModified"`
	ETag              string `xml:"ETag,omitempty"`
	ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
	Size              *int64 `xml:"Size,omitempty"`
	StorageClass      string `xml:"StorageClass,omitempty"`
	Owner             *owner `xml:"Owner"`
}

func (lp listParams) versions(vs []s3.VersionEntry) []versionItem {
	out := make([]versionItem, len(vs))
	for i, v := range vs {
		it := versionItem{Key: lp.enc(v.Key), VersionID: v.VersionID, IsLatest: v.IsLatest,
			LastModified: timeISO(v.LastModified), Owner: ownerOf(v.Owner)}
		if v.DeleteMarker {
			it.XMLName.Local = "DeleteMarker"
		} else {
			size := v.Size
			it.XMLName.Local, it.ETag, it.Size, it.StorageClass = "Version", quoteETag(v.ETag), &size, v.Class()
			it.ChecksumAlgorithm, it.ChecksumType = checksumOf(v.Version)
		}
		out[i] = it
	}
	return out
}

func listObjectVersions(a *API, rq *Request) error {
	lp, err := parseListParams(rq.Query)
	if err != nil {
		return err
	}
	in := s3.ListObjectVersionsInput{Bucket: rq.Bucket, Prefix: lp.prefix, Delimiter: lp.delimiter, KeyMarker: rq.Query.Get("key-marker"), MaxKeys: lp.limit}
	if v, ok := rq.Query["version-id-marker"]; ok {
		in.VersionIDMarker = &v[0]
	}
	out, err := a.S3.ListObjectVersions(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	res := listVersionsResult{
		NS: xmlNS, Name: rq.Bucket, Prefix: lp.enc(lp.prefix), KeyMarker: lp.enc(in.KeyMarker),
		NextKeyMarker: lp.enc(out.NextKeyMarker), NextVersionIDMarker: out.NextVersionIDMarker,
		MaxKeys: lp.maxKeys, Delimiter: lp.enc(lp.delimiter), EncodingType: lp.encodingType(), IsTruncated: out.IsTruncated,
		Entries: lp.versions(out.Versions), CommonPrefixes: lp.prefixes(out.CommonPrefixes),
	}
	if in.VersionIDMarker != nil {
		res.VersionIDMarker = *in.VersionIDMarker
	}
	return writeXML(rq, http.StatusOK, res)
}
