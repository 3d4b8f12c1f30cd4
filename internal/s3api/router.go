// Package s3api translates S3's REST-XML wire protocol to the typed methods
// of internal/s3 and back. It decides no policy: it resolves the operation,
// enforces the bucket's region, calls the service and encodes the answer or
// the AWS error.
//
// Each operation's handler lives in the file of its area and registers
// itself with register; an operation without a handler answers
// NotImplemented.
package s3api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/s3"
)

// Auth is what authentication established about a request.
type Auth struct {
	Principal aws.Principal
	// Region and Service come from the SigV4 credential scope ("" if unsigned).
	Region    string
	Presigned bool
	// Body is the verified, decoded payload.
	Body io.Reader
	// DecodedLength is the payload length, -1 when unknown.
	DecodedLength int64
	// Trailer returns the aws-chunked trailers once Body is at EOF.
	Trailer func() http.Header
}

// Request is one S3 call on its way through a handler.
type Request struct {
	W       http.ResponseWriter
	R       *http.Request
	Auth    Auth
	Op      string
	Bucket  string
	Key     string
	Query   url.Values
	Region  string // the region the request is served in
	ReqID   string
	HostID  string
	Headers http.Header // response headers (alias of W.Header())
}

// Handler serves one operation.
type Handler func(a *API, rq *Request) error

var handlers = map[string]Handler{}

// register installs the handler of an operation; handler files call it from init.
func register(op string, h Handler) {
	if _, dup := handlers[op]; dup {
		panic("s3api: duplicate handler for " + op)
	}
	handlers[op] = h
}

// API serves the S3 protocol for one Service.
type API struct {
	S3  *s3.Service
	Log *slog.Logger
	// BaseDomains are host names under which virtual-hosted-style bucket
	// names are recognised (for example "localhost" or "s3.example.test").
	BaseDomains []string
}

// bucketAndKey splits the raw path (path style) or the Host (virtual-hosted style).
func (a *API) bucketAndKey(r *http.Request) (bucket, key string, err error) {
	raw := r.URL.EscapedPath()
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	for _, d := range a.BaseDomains {
		if strings.HasSuffix(host, "."+d) {
			bucket = strings.TrimSuffix(host, "."+d)
			key, err = url.PathUnescape(strings.TrimPrefix(raw, "/"))
			return bucket, key, err
		}
	}
	path := strings.TrimPrefix(raw, "/")
	b, k, _ := strings.Cut(path, "/")
	if bucket, err = url.PathUnescape(b); err != nil {
		return "", "", err
	}
	key, err = url.PathUnescape(k)
	return bucket, key, err
}

// Serve handles one authenticated S3 request.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, auth Auth, reqID, hostID string) {
	r = r.WithContext(s3.WithHeaderKeys(r.Context(), headerKeys(r.Header)))
	rq := &Request{W: w, R: r, Auth: auth, ReqID: reqID, HostID: hostID, Headers: w.Header(), Query: r.URL.Query()}
	rq.Region = auth.Region
	if rq.Region == "" {
		rq.Region = "us-east-1"
	}
	var err error
	if rq.Bucket, rq.Key, err = a.bucketAndKey(r); err != nil {
		a.writeError(rq, aws.ErrInvalidURI())
		return
	}
	rq.Op = resolveOp(r.Method, rq.Bucket, rq.Key, rq.Query, r.Header)
	if info, ok := r.Context().Value(infoKey{}).(*Info); ok {
		info.Op = rq.Op
	}
	if err := a.serve(rq); err != nil {
		a.writeError(rq, err)
	}
}

func (a *API) serve(rq *Request) error {
	h, ok := handlers[rq.Op]
	if !ok {
		return aws.ErrNotImplemented()
	}
	if err := checkExpectedOwner(rq.R.Header.Get("x-amz-expected-bucket-owner")); err != nil {
		return err
	}
	if rq.Bucket != "" && rq.Op != "CreateBucket" {
		if err := a.checkBucketRegion(rq); err != nil {
			return err
		}
	}
	return h(a, rq)
}

func checkExpectedOwner(v string) error {
	if v != "" && !aws.AccountID(v).Valid() {
		return aws.ErrInvalidBucketOwner(v)
	}
	return nil
}

// checkBucketRegion answers a request that reached the wrong region the way
// AWS does: signed requests are told the right region, unsigned ones are
// redirected. It also applies x-amz-expected-bucket-owner.
func (a *API) checkBucketRegion(rq *Request) error {
	b, err := a.S3.Bucket(rq.Bucket)
	if err != nil {
		return nil // the handler reports NoSuchBucket with its own details
	}
	if owner := rq.R.Header.Get("x-amz-expected-bucket-owner"); owner != "" && aws.AccountID(owner) != b.Account {
		return aws.ErrAccessDenied()
	}
	if b.Region == rq.Region {
		return nil
	}
	switch {
	case rq.Auth.Principal.IsAnonymous():
		return aws.ErrPermanentRedirect(b.Name, b.Region)
	case rq.Auth.Presigned:
		return aws.ErrAuthorizationQueryRegion(rq.Region, b.Region)
	default:
		return aws.ErrAuthorizationHeaderMalformedRegion(rq.Region, b.Region)
	}
}

// resolveOp names the S3 operation a request asks for, as the service model does.
func resolveOp(method, bucket, key string, q url.Values, h http.Header) string {
	has := func(k string) bool { _, ok := q[k]; return ok }
	if bucket == "" {
		if method == http.MethodGet {
			return "ListBuckets"
		}
		return "Unknown"
	}
	if key == "" {
		return bucketOp(method, q, has)
	}
	switch method {
	case http.MethodGet:
		switch {
		case has("uploadId"):
			return "ListParts"
		case has("tagging"):
			return "GetObjectTagging"
		case has("acl"):
			return "GetObjectAcl"
		case has("attributes"):
			return "GetObjectAttributes"
		case has("retention"):
			return "GetObjectRetention"
		case has("legal-hold"):
			return "GetObjectLegalHold"
		}
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodPut:
		switch {
		case has("partNumber") && has("uploadId") && h.Get("x-amz-copy-source") != "":
			return "UploadPartCopy"
		case has("partNumber") && has("uploadId"):
			return "UploadPart"
		case has("tagging"):
			return "PutObjectTagging"
		case has("acl"):
			return "PutObjectAcl"
		case has("retention"):
			return "PutObjectRetention"
		case has("legal-hold"):
			return "PutObjectLegalHold"
		case h.Get("x-amz-copy-source") != "":
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodPost:
		switch {
		case has("uploads"):
			return "CreateMultipartUpload"
		case has("uploadId"):
			return "CompleteMultipartUpload"
		case has("restore"):
			return "RestoreObject"
		case has("select"):
			return "SelectObjectContent"
		}
	case http.MethodDelete:
		switch {
		case has("uploadId"):
			return "AbortMultipartUpload"
		case has("tagging"):
			return "DeleteObjectTagging"
		}
		return "DeleteObject"
	}
	return "Unknown"
}

// bucketSubresources maps a bucket query sub-resource to the operation name
// suffix the service model uses (Get…/Put…/Delete…).
var bucketSubresources = []struct{ query, name string }{
	{"versioning", "BucketVersioning"},
	{"location", "BucketLocation"},
	{"tagging", "BucketTagging"},
	{"policy", "BucketPolicy"},
	{"policyStatus", "BucketPolicyStatus"},
	{"acl", "BucketAcl"},
	{"encryption", "BucketEncryption"},
	{"replication", "BucketReplication"},
	{"ownershipControls", "BucketOwnershipControls"},
	{"publicAccessBlock", "PublicAccessBlock"},
	{"lifecycle", "BucketLifecycleConfiguration"},
	{"cors", "BucketCors"},
	{"website", "BucketWebsite"},
	{"logging", "BucketLogging"},
	{"notification", "BucketNotificationConfiguration"},
	{"accelerate", "BucketAccelerateConfiguration"},
	{"requestPayment", "BucketRequestPayment"},
	{"object-lock", "ObjectLockConfiguration"},
	{"metrics", "BucketMetricsConfiguration"},
	{"analytics", "BucketAnalyticsConfiguration"},
	{"inventory", "BucketInventoryConfiguration"},
	{"intelligent-tiering", "BucketIntelligentTieringConfiguration"},
}

func bucketOp(method string, q url.Values, has func(string) bool) string {
	for _, s := range bucketSubresources {
		if !has(s.query) {
			continue
		}
		switch method {
		case http.MethodGet:
			return "Get" + s.name
		case http.MethodPut:
			return "Put" + s.name
		case http.MethodDelete:
			return "Delete" + s.name
		}
		return "Unknown"
	}
	switch method {
	case http.MethodGet:
		switch {
		case has("uploads"):
			return "ListMultipartUploads"
		case has("versions"):
			return "ListObjectVersions"
		case q.Get("list-type") == "2":
			return "ListObjectsV2"
		}
		return "ListObjects"
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodPut:
		return "CreateBucket"
	case http.MethodDelete:
		return "DeleteBucket"
	case http.MethodPost:
		if has("delete") {
			return "DeleteObjects"
		}
		return "PostObject"
	}
	return "Unknown"
}

// Info carries what the API learned about a request back to the HTTP layer
// (for metrics and logs).
type Info struct {
	Op string
}

type infoKey struct{}

// WithInfo attaches an Info to a request context; Serve fills it in.
func WithInfo(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// WriteError sends an AWS error in S3's format for a request that failed
// before reaching an operation (for example, authentication).
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, err error, reqID, hostID string) {
	a.writeError(&Request{W: w, R: r, Headers: w.Header(), ReqID: reqID, HostID: hostID, Op: "Authenticate"}, err)
}
