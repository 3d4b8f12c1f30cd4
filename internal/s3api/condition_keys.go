package s3api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ferrystore/ferry/policy"
)

// conditionHeaders are the request headers S3 exposes as condition keys
// named "s3:" + the header (s3:x-amz-acl, …). The service decides which
// actions see them.
var conditionHeaders = []string{
	"x-amz-acl", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp",
	"x-amz-grant-full-control", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
	"x-amz-storage-class", "x-amz-metadata-directive", "x-amz-content-sha256", "x-amz-object-ownership",
	"x-amz-copy-source",
}

// headerKeys reads the condition keys a request's headers carry.
func headerKeys(h http.Header) policy.Context {
	var c policy.Context
	for _, name := range conditionHeaders {
		v := h.Get(name)
		if v == "" {
			continue
		}
		if name == "x-amz-copy-source" { // as "bucket/key", decoded, without a leading slash
			if d, err := url.PathUnescape(v); err == nil {
				v = d
			}
			v = strings.TrimPrefix(v, "/")
		}
		c.Set("s3:"+name, v)
	}
	return c
}
