package s3api

import (
	"net/http"
	"strings"
)

func init() {
	register("PutBucketNotificationConfiguration", putBucketNotification)
	register("GetBucketNotificationConfiguration", getBucketNotification)
}

// putBucketNotification passes the document to the service, which parses
// it after the bucket and permission checks, with
// x-amz-skip-destination-validation.
func putBucketNotification(a *API, rq *Request) error {
	body, err := readXMLBody(rq)
	if err != nil {
		return err
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
