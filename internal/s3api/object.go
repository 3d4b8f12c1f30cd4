package s3api

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/checksum"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/sse"
)

func init() {
	register("PutObject", putObject)
	register("GetObject", getObject)
	register("HeadObject", getObject)
}

const metaPrefix = "X-Amz-Meta-"

// objectAttributes reads the content headers, user metadata, tagging and
// storage class of a write.
func objectAttributes(h http.Header) s3.ObjectAttributes {
	a := s3.ObjectAttributes{
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    h.Get("Content-Encoding"),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentLanguage:    h.Get("Content-Language"),
		CacheControl:       h.Get("Cache-Control"),
		Expires:            h.Get("Expires"),
		Tagging:            h.Get("x-amz-tagging"),
		StorageClass:       h.Get("x-amz-storage-class"),
		ACL:                aclHeaders(h),
		Lock:               lockInput(h),
	}
	for name, values := range h {
		if len(name) > len(metaPrefix) && strings.EqualFold(name[:len(metaPrefix)], metaPrefix) {
			if a.Metadata == nil {
				a.Metadata = map[string]string{}
			}
			a.Metadata[strings.ToLower(name[len(metaPrefix):])] = strings.Join(values, ",")
		}
	}
	return a
}

// bodySize is the decoded payload length, or MissingContentLength when the
// client gave neither Content-Length nor x-amz-decoded-content-length.
func bodySize(rq *Request) (int64, error) {
	if rq.Auth.DecodedLength >= 0 {
		return rq.Auth.DecodedLength, nil
	}
	if v := rq.R.Header.Get("x-amz-decoded-content-length"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, aws.ErrMissingContentLength()
		}
		return n, nil
	}
	if rq.R.ContentLength < 0 {
		return 0, aws.ErrMissingContentLength()
	}
	return rq.R.ContentLength, nil
}

// requestChecksum reads the x-amz-checksum-* headers; a value announced as
// a trailer is read from the trailers once the body is consumed.
func requestChecksum(rq *Request) (checksum.Algorithm, string, func() string, error) {
	alg, value, err := checksum.FromHeaders(rq.R.Header)
	if err != nil {
		return "", "", nil, err
	}
	if alg == "" {
		alg, _ = checksum.FromTrailerDeclaration(rq.R.Header)
	}
	if alg == "" || value != "" {
		return alg, value, nil, nil
	}
	trailer := func() string {
		if rq.Auth.Trailer == nil {
			return ""
		}
		return rq.Auth.Trailer().Get(alg.HeaderName())
	}
	return alg, value, trailer, nil
}

func putObject(a *API, rq *Request) error {
	size, err := bodySize(rq)
	if err != nil {
		return err
	}
	alg, value, atEOF, err := requestChecksum(rq)
	if err != nil {
		return err
	}
	enc, err := sse.RequestFromHeaders(rq.R.Header)
	if err != nil {
		return err
	}
	out, err := a.S3.PutObject(rq.R.Context(), rq.Auth.Principal, s3.PutObjectInput{
		Bucket: rq.Bucket, Key: rq.Key, Body: rq.Auth.Body, Size: size,
		ContentMD5: rq.R.Header.Get("Content-MD5"), ChecksumAlgorithm: alg, Checksum: value, ChecksumAtEOF: atEOF,
		Attributes: objectAttributes(rq.R.Header),
		IfMatch:    rq.R.Header.Get("If-Match"), IfNoneMatch: rq.R.Header.Get("If-None-Match"),
		Encryption: enc,
	})
	if err != nil {
		return bodyError(err)
	}
	rq.Headers.Set("ETag", quoteETag(out.ETag))
	setVersionID(rq, out.VersionID)
	setChecksum(rq, out.Checksum)
	setEncryption(rq, out.SSE)
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func setVersionID(rq *Request, id string) {
	if id != "" {
		rq.Headers.Set("x-amz-version-id", id)
	}
}

func setChecksum(rq *Request, c *s3.Checksum) {
	if c == nil {
		return
	}
	if alg, ok := checksum.ParseAlgorithm(c.Algorithm); ok {
		rq.Headers.Set(alg.HeaderName(), c.Value)
	}
	if c.Type != "" {
		rq.Headers.Set("x-amz-checksum-type", c.Type)
	}
}

// versionIDParam returns ?versionId, rejecting an empty value.
func versionIDParam(rq *Request) (string, error) {
	vs, ok := rq.Query["versionId"]
	if !ok {
		return "", nil
	}
	if len(vs) == 0 || vs[0] == "" {
		return "", aws.ErrEmptyVersionID()
	}
	return vs[0], nil
}

// readConditions reads If-* headers (or their x-amz-copy-source- forms);
// unparsable dates are ignored, as HTTP requires.
func readConditions(h http.Header, prefix string) s3.Conditions {
	c := s3.Conditions{IfMatch: h.Get(prefix + "If-Match"), IfNoneMatch: h.Get(prefix + "If-None-Match")}
	if t, err := http.ParseTime(h.Get(prefix + "If-Modified-Since")); err == nil {
		c.IfModifiedSince = &t
	}
	if t, err := http.ParseTime(h.Get(prefix + "If-Unmodified-Since")); err == nil {
		c.IfUnmodifiedSince = &t
	}
	return c
}

func partNumberParam(rq *Request) (int, error) {
	v, ok := rq.Query["partNumber"]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 1 || n > 10000 {
		return 0, aws.ErrPartNumberRange(v[0])
	}
	return n, nil
}

// responseOverrides maps response-* query parameters to the headers they set.
var responseOverrides = []struct{ param, header string }{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

func checkOverrides(rq *Request) error {
	for _, o := range responseOverrides {
		if _, ok := rq.Query[o.param]; ok && rq.Auth.Principal.IsAnonymous() {
			return aws.ErrAnonymousResponseOverrides()
		}
	}
	return nil
}

func getObject(a *API, rq *Request) error {
	in, err := getObjectInput(rq)
	if err != nil {
		return err
	}
	out, err := a.S3.GetObject(rq.R.Context(), rq.Auth.Principal, in)
	if err != nil {
		return err
	}
	if out.NotModified {
		rq.Headers.Set("ETag", quoteETag(out.Version.ETag))
		rq.Headers.Set("Last-Modified", timeHTTP(out.Version.LastModified))
		setVersionID(rq, out.VersionID)
		rq.W.WriteHeader(http.StatusNotModified)
		return nil
	}
	if out.Body == nil {
		writeObjectHeaders(rq, out)
		rq.W.WriteHeader(statusOf(out))
		return nil
	}
	defer out.Body.Close()
	return sendObject(rq, out)
}

func getObjectInput(rq *Request) (s3.GetObjectInput, error) {
	in := s3.GetObjectInput{Bucket: rq.Bucket, Key: rq.Key, Head: rq.R.Method == http.MethodHead,
		Conditions: readConditions(rq.R.Header, ""), Range: rq.R.Header.Get("Range")}
	var err error
	if in.VersionID, err = versionIDParam(rq); err != nil {
		return in, err
	}
	if in.PartNumber, err = partNumberParam(rq); err != nil {
		return in, err
	}
	if in.Customer, err = sse.CustomerKeyFromHeaders(rq.R.Header); err != nil {
		return in, err
	}
	return in, checkOverrides(rq)
}

func statusOf(out s3.GetObjectOutput) int {
	if out.Range != nil {
		return http.StatusPartialContent
	}
	return http.StatusOK
}

// sendObject streams the body. A body up to s3.VerifyBufferLimit is read
// (and verified) before the status is sent, so corruption is a clean
// InternalError; a larger one is streamed and, if its check fails at the
// end, the connection is cut so the client never accepts wrong bytes.
func sendObject(rq *Request, out s3.GetObjectOutput) error {
	n := out.Version.Size
	if out.Range != nil {
		n = out.Range.Length
	}
	var body io.Reader = out.Body
	if n <= s3.VerifyBufferLimit {
		buf, err := io.ReadAll(out.Body)
		if err != nil {
			return err
		}
		body = bytes.NewReader(buf)
	}
	writeObjectHeaders(rq, out)
	rq.W.WriteHeader(statusOf(out))
	if _, err := io.Copy(rq.W, body); err != nil {
		panic(http.ErrAbortHandler)
	}
	return nil
}

// writeObjectHeaders sets the headers of a GET/HEAD answer.
func writeObjectHeaders(rq *Request, out s3.GetObjectOutput) {
	v, h := out.Version, rq.Headers
	n := v.Size
	if out.Range != nil {
		n = out.Range.Length
		h.Set("Content-Range", "bytes "+strconv.FormatInt(out.Range.Offset, 10)+"-"+
			strconv.FormatInt(out.Range.Offset+out.Range.Length-1, 10)+"/"+strconv.FormatInt(v.Size, 10))
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	h.Set("Last-Modified", timeHTTP(v.LastModified))
	h.Set("ETag", quoteETag(v.ETag))
	h.Set("Accept-Ranges", "bytes")
	setVersionID(rq, out.VersionID)
	setEncryption(rq, v.SSE)
	h.Del("x-amz-server-side-encryption-context") // sent by writes only
	setContentHeaders(h, v)
	for k, val := range v.Metadata {
		h["X-Amz-Meta-"+k] = []string{val}
	}
	if len(v.Tags) > 0 {
		h.Set("x-amz-tagging-count", strconv.Itoa(len(v.Tags)))
	}
	if v.Class() != "STANDARD" {
		h.Set("x-amz-storage-class", v.Class())
	}
	setLockHeaders(h, out)
	if out.PartsCount > 0 {
		h.Set("x-amz-mp-parts-count", strconv.Itoa(out.PartsCount))
	}
	if st := v.Replication.Status(); st != "" {
		h.Set("x-amz-replication-status", string(st))
	}
	if strings.EqualFold(rq.R.Header.Get("x-amz-checksum-mode"), "ENABLED") && wholeObject(out) {
		setChecksum(rq, v.Checksum)
	}
	for _, o := range responseOverrides {
		if val := rq.Query.Get(o.param); val != "" {
			h.Set(o.header, val)
		}
	}
}

func setContentHeaders(h http.Header, v *s3.Version) {
	ctype := v.ContentType
	if ctype == "" {
		ctype = s3.DefaultContentType
	}
	h.Set("Content-Type", ctype)
	for name, val := range map[string]string{
		"Content-Encoding": v.ContentEncoding, "Content-Disposition": v.ContentDisposition,
		"Content-Language": v.ContentLanguage, "Cache-Control": v.CacheControl, "Expires": v.Expires,
	} {
		if val != "" {
			h.Set(name, val)
		}
	}
}

// wholeObject reports whether the answer carries the full object, the only
// case in which its full-object checksum describes the bytes sent.
func wholeObject(out s3.GetObjectOutput) bool {
	return out.Range == nil || (out.Range.Offset == 0 && out.Range.Length == out.Version.Size && out.PartsCount == 0)
}
