package s3api

import (
	"io"
	"net/http"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

func init() {
	register("PutBucketNotificationConfiguration", putBucketNotification)
	register("GetBucketNotificationConfiguration", getBucketNotification)
}

// putBucketNotification passes the document to the service, which parses
// it after the bucket and permission checks, with
// x-amz-skip-destination-validation.
func putBucketNotification(a *API, rq *Request) error {
	body, err := io.ReadAll(io.LimitReader(rq.Auth.Body, maxXMLBody+1))
	if err != nil {
		return bodyError(err)
	}
	if len(body) > maxXMLBody {
		return aws.ErrMalformedXML()
	}
	skip := strings.EqualFold(rq.R.Header.Get("x-amz-skip-destination-validation"), "true")
	if err := a.S3.PutBucketNotificationConfiguration(rq.R.Context(), rq.Auth.Principal, rq.Bucket, body, skip); err != nil {
		return err
	}
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func getBucketNotification(a *API, rq *Request) error {
	cfg, err := a.S3.GetBucketNotificationConfiguration(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	out := *cfg
	out.NS = xmlNS
	return writeXML(rq, http.StatusOK, &out)
}
