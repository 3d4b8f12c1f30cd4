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
	register("GetObjectTagging", getObjectTagging)
	register("PutObjectTagging", putObjectTagging)
	register("DeleteObjectTagging", deleteObjectTagging)
	register("GetObjectAttributes", getObjectAttributes)
}

type tagging struct {
	XMLName xml.Name   `xml:"Tagging"`
	NS      string     `xml:"xmlns,attr,omitempty"`
	TagSet  *tagSetXML `xml:"TagSet"`
}

type tagSetXML struct {
	Tags []tagXML `xml:"Tag"`
}

type tagXML struct {
	Key   *string `xml:"Key"`
	Value *string `xml:"Value"`
}

func getObjectTagging(a *API, rq *Request) error {
	vid, err := versionIDParam(rq)
	if err != nil {
		return err
	}
	tags, shown, err := a.S3.GetObjectTagging(rq.R.Context(), rq.Auth.Principal, rq.Bucket, rq.Key, vid)
	if err != nil {
		return err
	}
	set := make([]tagXML, 0, len(tags))
	for _, t := range tags {
		set = append(set, tagXML{Key: &t.Key, Value: &t.Value})
	}
	setVersionID(rq, shown)
	return writeXML(rq, http.StatusOK, tagging{NS: xmlNS, TagSet: &tagSetXML{Tags: set}})
}

func putObjectTagging(a *API, rq *Request) error {
	vid, err := versionIDParam(rq)
	if err != nil {
		return err
	}
	var doc tagging
	if err := readXML(rq, &doc); err != nil {
		return err
	}
	if doc.TagSet == nil {
		return aws.ErrMalformedXML()
	}
	tags := make([]s3.Tag, 0, len(doc.TagSet.Tags))
	for _, t := range doc.TagSet.Tags {
		if t.Key == nil || t.Value == nil {
			return aws.ErrMalformedXML()
		}
		tags = append(tags, s3.Tag{Key: *t.Key, Value: *t.Value})
	}
	shown, err := a.S3.PutObjectTagging(rq.R.Context(), rq.Auth.Principal, rq.Bucket, rq.Key, vid, tags)
	if err != nil {
		return err
	}
	setVersionID(rq, shown)
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func deleteObjectTagging(a *API, rq *Request) error {
	vid, err := versionIDParam(rq)
	if err != nil {
		return err
	}
	shown, err := a.S3.DeleteObjectTagging(rq.R.Context(), rq.Auth.Principal, rq.Bucket, rq.Key, vid)
	if err != nil {
		return err
	}
	setVersionID(rq, shown)
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}

type objectAttributesResult struct {
	XMLName      xml.Name          `xml:"GetObjectAttributesResponse"`
	NS           string            `xml:"xmlns,attr"`
	ETag         string            `xml:"ETag,omitempty"`
	Checksum     *checksumXMLBlock `xml:"Checksum,omitempty"`
	ObjectParts  *objectPartsXML   `xml:"ObjectParts,omitempty"`
	StorageClass string            `xml:"StorageClass,omitempty"`
	ObjectSize   *int64            `xml:"ObjectSize,omitempty"`
}

type checksumXMLBlock struct {
	checksumFields
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

type objectPartsXML struct {
	PartsCount           int       `xml:"PartsCount"`
	PartNumberMarker     int       `xml:"PartNumberMarker"`
	NextPartNumberMarker int       `xml:"NextPartNumberMarker"`
	MaxParts             int       `xml:"MaxParts"`
	IsTruncated          bool      `xml:"IsTruncated"`
	Parts                []partXML `xml:"Part"`
}

type partXML struct {
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
	checksumFields
}

// objectAttributeNames are the values x-amz-object-attributes may list.
var objectAttributeNames = map[string]bool{"ETag": true, "Checksum": true, "ObjectParts": true, "StorageClass": true, "ObjectSize": true}

func requestedAttributes(h http.Header) (map[string]bool, error) {
	want := map[string]bool{}
	for _, v := range h.Values("x-amz-object-attributes") {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if !objectAttributeNames[name] {
				return nil, aws.ErrInvalidObjectAttribute(name)
			}
			want[name] = true
		}
	}
	if len(want) == 0 {
		return nil, aws.ErrMissingObjectAttributes()
	}
	return want, nil
}

func intHeader(h http.Header, name string) (int, error) {
	v := h.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, aws.ErrInvalidIntegerArgument(name, v)
	}
	return n, nil
}

func getObjectAttributes(a *API, rq *Request) error {
	want, err := requestedAttributes(rq.R.Header)
	if err != nil {
		return err
	}
	in := s3.ObjectAttributesInput{Bucket: rq.Bucket, Key: rq.Key}
	if in.VersionID, err = versionIDParam(rq); err != nil {
		return err
	}
	if in.MaxParts, err = intHeader(rq.R.Header, "x-amz-max-parts"); err != nil {
		return err
	}
	if in.PartNumberMarker, err = intHeader(rq.R.Header, "x-amz-part-number-marker"); err != nil {
		return err
	}
	out, err := a.S3.GetObjectAttributes(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	rq.Headers.Set("Last-Modified", timeHTTP(out.Version.LastModified))
	setVersionID(rq, out.VersionID)
	return writeXML(rq, http.StatusOK, attributesResult(want, in, out))
}

func attributesResult(want map[string]bool, in s3.ObjectAttributesInput, out s3.ObjectAttributesOutput) objectAttributesResult {
	v := out.Version
	res := objectAttributesResult{NS: xmlNS}
	if want["ETag"] {
		res.ETag = v.ETag
	}
	if want["Checksum"] && v.Checksum != nil {
		res.Checksum = &checksumXMLBlock{checksumFields: checksumXML(v.Checksum), ChecksumType: v.Checksum.Type}
	}
	if want["StorageClass"] {
		res.StorageClass = v.Class()
	}
	if want["ObjectSize"] {
		res.ObjectSize = &v.Size
	}
	if want["ObjectParts"] && len(v.Parts) > 0 {
		res.ObjectParts = partsResult(in, out)
	}
	return res
}

func partsResult(in s3.ObjectAttributesInput, out s3.ObjectAttributesOutput) *objectPartsXML {
	p := &objectPartsXML{PartsCount: len(out.Version.Parts), PartNumberMarker: in.PartNumberMarker, MaxParts: in.MaxParts, IsTruncated: out.Truncated}
	if p.MaxParts == 0 {
		p.MaxParts = 1000
	}
	for _, pi := range out.Parts {
		p.Parts = append(p.Parts, partXML{PartNumber: pi.Number, Size: pi.Size, checksumFields: checksumXML(pi.Checksum)})
		p.NextPartNumberMarker = pi.Number
	}
	return p
}
