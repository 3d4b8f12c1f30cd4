package s3api

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/s3"
)

func init() {
	register("DeleteObject", deleteObject)
	register("DeleteObjects", deleteObjects)
}

func deleteObject(a *API, rq *Request) error {
	vid, err := versionIDParam(rq)
	if err != nil {
		return err
	}
	out, err := a.S3.DeleteObject(rq.R.Context(), rq.Auth.Principal, s3.DeleteObjectInput{Bucket: rq.Bucket, Key: rq.Key, VersionID: vid,
		Bypass: bypassGovernance(rq.R.Header)})
	if err != nil {
		return err
	}
	setVersionID(rq, out.VersionID)
	if out.DeleteMarker {
		rq.Headers.Set("x-amz-delete-marker", "true")
	}
	rq.W.WriteHeader(http.StatusNoContent)
	return nil
}

type deleteRequest struct {
	XMLName xml.Name         `xml:"Delete"`
	Quiet   bool             `xml:"Quiet"`
	Objects []deleteObjectID `xml:"Object"`
}

type deleteObjectID struct {
	Key       *string `xml:"Key"`
	VersionID string  `xml:"VersionId"`
}

type deleteResult struct {
	XMLName xml.Name        `xml:"DeleteResult"`
	NS      string          `xml:"xmlns,attr"`
	Deleted []deletedObject `xml:"Deleted"`
	Errors  []deleteError   `xml:"Error"`
}

type deletedObject struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

type deleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

// readDigestedBody reads a body that must carry Content-MD5 or an
// x-amz-checksum-* digest, verifying it.
func readDigestedBody(rq *Request) ([]byte, error) {
	alg, value, atEOF, err := requestChecksum(rq)
	if err != nil {
		return nil, err
	}
	md5 := rq.R.Header.Get("Content-MD5")
	if md5 == "" && value == "" && rq.R.Header.Get("X-Amz-Trailer") == "" {
		return nil, aws.ErrMissingContentMD5()
	}
	cr, err := checksum.NewReader(io.LimitReader(rq.Auth.Body, maxXMLBody+1), checksum.Options{
		ContentMD5: md5, Algorithm: alg, Expected: value, ExpectedAtEOF: atEOF,
	})
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(cr)
	if err != nil {
		return nil, bodyError(err)
	}
	if len(body) > maxXMLBody {
		return nil, aws.ErrMalformedXML()
	}
	return body, nil
}

func deleteObjects(a *API, rq *Request) error {
	body, err := readDigestedBody(rq)
	if err != nil {
		return err
	}
	var req deleteRequest
	if err := xml.NewDecoder(bytes.NewReader(body)).Decode(&req); err != nil {
		return aws.ErrMalformedXML()
	}
	ids := make([]s3.ObjectIdentifier, 0, len(req.Objects))
	for _, o := range req.Objects {
		if o.Key == nil {
			return aws.ErrMalformedXML()
		}
		ids = append(ids, s3.ObjectIdentifier{Key: *o.Key, VersionID: o.VersionID})
	}
	results, err := a.S3.DeleteObjects(rq.R.Context(), rq.Auth.Principal, rq.Bucket, ids, bypassGovernance(rq.R.Header))
	if err != nil {
		return err
	}
	res := deleteResult{NS: xmlNS}
	for _, r := range results {
		if r.Err != nil {
			res.Errors = append(res.Errors, deleteError{Key: r.Key, VersionID: r.VersionID, Code: r.Err.Code, Message: r.Err.Message})
			continue
		}
		if !req.Quiet {
			res.Deleted = append(res.Deleted, deletedEntry(r))
		}
	}
	return writeXML(rq, http.StatusOK, res)
}

// deletedEntry renders a success as S3 does: a new marker is reported as
// DeleteMarker + DeleteMarkerVersionId, a removed version by VersionId.
func deletedEntry(r s3.DeleteResult) deletedObject {
	d := deletedObject{Key: r.Key, VersionID: r.VersionID}
	if r.Output.DeleteMarker {
		d.DeleteMarker = true
		d.DeleteMarkerVersionID = r.Output.VersionID
	}
	return d
}
