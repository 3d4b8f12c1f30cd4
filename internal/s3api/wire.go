package s3api

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
)

// xmlNS is S3's XML namespace.
const xmlNS = "http://s3.amazonaws.com/doc/2006-03-01/"

// maxXMLBody bounds request XML documents (DeleteObjects allows 1000 keys).
const maxXMLBody = 4 << 20

// timeISO formats XML timestamps as S3 does.
func timeISO(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// timeHTTP formats header timestamps as S3 does.
func timeHTTP(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// quoteETag wraps a stored ETag in the double quotes S3 sends.
func quoteETag(etag string) string { return strconv.Quote(etag) }

// writeXML writes a 200 (or status) response with an XML document.
func writeXML(rq *Request, status int, v any) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		return aws.Internal(fmt.Errorf("encode %T: %w", v, err))
	}
	body := awsEscapes(buf.Bytes())
	rq.Headers.Set("Content-Type", "application/xml")
	rq.Headers.Set("Content-Length", strconv.Itoa(len(body)))
	rq.W.WriteHeader(status)
	_, err := rq.W.Write(body)
	if err != nil {
		return errWritten
	}
	return nil
}

// errWritten tells Serve that the response has started and nothing more can
// be sent (the client went away mid-body).
var errWritten = errors.New("s3api: response already written")

// readXMLBody reads a request's XML document; one over maxXMLBody is
// MalformedXML.
func readXMLBody(rq *Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(rq.Auth.Body, maxXMLBody+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if len(body) > maxXMLBody {
		return nil, aws.ErrMalformedXML()
	}
	return body, nil
}

// readXML decodes a request body into v; bad XML is MalformedXML.
func readXML(rq *Request, v any) error {
	body, err := readXMLBody(rq)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return aws.ErrMalformedXML()
	}
	return nil
}

// bodyError maps a failure while reading the request body: AWS errors raised
// by the verifying readers (digests, signatures) pass through, anything else
// means the client stopped sending.
func bodyError(err error) error {
	if e, ok := aws.As(err); ok {
		return e
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return aws.ErrIncompleteBody()
	}
	return aws.ErrRequestTimeout().WithCause(err)
}

// writeError sends an AWS error: S3's XML body, or headers only for HEAD.
func (a *API) writeError(rq *Request, err error) {
	if errors.Is(err, errWritten) {
		return
	}
	e, ok := aws.As(err)
	if !ok {
		e = aws.Internal(err)
	}
	if e.Status >= 500 {
		a.Log.Error("s3 request failed", "op", rq.Op, "bucket", rq.Bucket, "key", rq.Key, "request_id", rq.ReqID, "err", err)
	}
	for k, vs := range e.Header {
		for _, v := range vs {
			rq.Headers.Add(k, v)
		}
	}
	if rq.R.Method == http.MethodHead {
		rq.W.WriteHeader(e.Status)
		return
	}
	body := ErrorBody(e, rq.ReqID, rq.HostID)
	rq.Headers.Set("Content-Type", "application/xml")
	rq.Headers.Set("Content-Length", strconv.Itoa(len(body)))
	rq.W.WriteHeader(e.Status)
	rq.W.Write(body)
}

// ErrorBody renders S3's error document: declaration, newline, then one line
// of Code, Message, the extra elements, RequestId and HostId.
func ErrorBody(e *aws.Error, reqID, hostID string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<Error>")
	element(&b, "Code", e.Code)
	element(&b, "Message", e.Message)
	for _, f := range e.Fields {
		element(&b, f.Name, f.Value)
	}
	element(&b, "RequestId", reqID)
	element(&b, "HostId", hostID)
	b.WriteString("</Error>")
	return awsEscapes(b.Bytes())
}

// awsEscapes rewrites encoding/xml's numeric escapes the way S3 writes them:
// a double quote as &quot; (ETags read "&quot;abc&quot;"), an apostrophe and
// a line feed unescaped. encoding/xml escapes a literal '&' as &amp;, so these
// sequences can only come from quote characters.
func awsEscapes(b []byte) []byte {
	if bytes.Contains(b, escQuot) {
		b = bytes.ReplaceAll(b, escQuot, []byte("&quot;"))
	}
	if bytes.Contains(b, escApos) {
		b = bytes.ReplaceAll(b, escApos, []byte("'"))
	}
	if bytes.Contains(b, escNewline) {
		b = bytes.ReplaceAll(b, escNewline, []byte("\n"))
	}
	return b
}

var (
	escQuot = []byte("&#34;")
	escApos = []byte("&#39;")
	// A line feed goes out as itself (SignatureDoesNotMatch's StringToSign
	// and CanonicalRequest carry several); a carriage return stays escaped,
	// since XML readers would fold a literal one away.
	escNewline = []byte("&#xA;")
)

func element(b *bytes.Buffer, name, value string) {
	b.WriteString("<" + name + ">")
	xml.EscapeText(b, []byte(value))
	b.WriteString("</" + name + ">")
}
