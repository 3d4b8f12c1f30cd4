package sigv4

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
)

// authInfo is the parsed authentication of a request.
type authInfo struct {
	credential
	signedHeaders string   // as sent
	headerNames   []string // signedHeaders split
	signature     string
	amzDate       string // the timestamp in the string to sign
	sentDate      string // the timestamp as the client sent it
	t             time.Time
	presigned     bool
	expires       int64
	expiresRaw    string
	token         string
}

// credential is the parsed AKID/DATE/REGION/SERVICE/aws4_request.
type credential struct {
	accessKey, date, region, service string
}

func (c credential) scope() string {
	return c.date + "/" + c.region + "/" + c.service + "/aws4_request"
}

// parseCredential splits a credential; the access key may not contain "/".
func parseCredential(s string) (credential, bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || len(parts[1]) != 8 {
		return credential{}, false
	}
	if _, err := time.Parse("20060102", parts[1]); err != nil || parts[2] == "" || parts[3] == "" {
		return credential{}, false
	}
	return credential{accessKey: parts[0], date: parts[1], region: parts[2], service: parts[3]}, true
}

// parseAuth reads header or query authentication; it returns nil, nil for
// an unsigned request.
func parseAuth(r *http.Request) (*authInfo, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		return parseHeaderAuth(r, auth)
	}
	q := r.URL.Query()
	switch {
	case q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Signature"):
		return parseQueryAuth(r, q)
	case q.Has("AWSAccessKeyId") && q.Has("Signature"):
		return nil, aws.ErrUnsupportedAuth()
	}
	return nil, nil
}

func parseHeaderAuth(r *http.Request, auth string) (*authInfo, error) {
	rest, ok := strings.CutPrefix(auth, algorithm+" ")
	if !ok {
		return nil, aws.ErrUnsupportedAuth()
	}
	fields, err := parseAuthHeader(rest)
	if err != nil {
		return nil, err
	}
	a := &authInfo{signedHeaders: fields["SignedHeaders"], signature: fields["Signature"]}
	if a.credential, err = headerCredential(fields["Credential"]); err != nil {
		return nil, err
	}
	if err := a.setHeaderDate(r); err != nil {
		return nil, err
	}
	a.headerNames = splitSignedHeaders(a.signedHeaders)
	a.token = r.Header.Get("X-Amz-Security-Token")
	return a, nil
}

// parseAuthHeader splits "Credential=..., SignedHeaders=..., Signature=..."
// (with or without spaces after the commas; the algorithm may be present).
func parseAuthHeader(s string) (map[string]string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), algorithm)
	fields := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if _, ok := fields[k]; !ok {
			return nil, aws.ErrAuthorizationHeaderComponents(s)
		}
	}
	return fields, nil
}

func headerCredential(s string) (credential, error) {
	if strings.HasPrefix(s, "/") {
		return credential{}, aws.ErrEmptyAccessKey()
	}
	c, ok := parseCredential(s)
	if !ok {
		return credential{}, aws.ErrCredentialMalformed()
	}
	return c, nil
}

// setHeaderDate takes the request time from X-Amz-Date, else from Date.
func (a *authInfo) setHeaderDate(r *http.Request) error {
	if s := r.Header.Get("X-Amz-Date"); s != "" {
		t, err := time.Parse(amzDateFormat, s)
		if err != nil {
			return aws.ErrMissingDateHeader()
		}
		a.t, a.sentDate, a.amzDate = t, s, s
	} else if s := r.Header.Get("Date"); s != "" {
		t, err := http.ParseTime(s)
		if err != nil {
			return aws.ErrMissingDateHeader()
		}
		a.t, a.sentDate, a.amzDate = t.UTC(), s, t.UTC().Format(amzDateFormat)
	} else {
		return aws.ErrMissingDateHeader()
	}
	if a.amzDate[:8] != a.date {
		return aws.ErrCredentialDateMismatch()
	}
	return nil
}

// defaultQueryExpiry is the validity of a presigned request to a service
// other than S3 that names no X-Amz-Expires (the SDKs presign STS
// GetCallerIdentity that way): the skew window.
const defaultQueryExpiry = "900"

func parseQueryAuth(r *http.Request, q url.Values) (*authInfo, error) {
	c, credOK := parseCredential(q.Get("X-Amz-Credential"))
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		if q.Get(k) == "" && !(k == "X-Amz-Expires" && credOK && c.service != "s3") {
			return nil, aws.ErrPresignMissingParams()
		}
	}
	if q.Get("X-Amz-Algorithm") != algorithm {
		return nil, aws.ErrUnsupportedAuth()
	}
	if !credOK {
		return nil, aws.ErrPresignCredentialMalformed()
	}
	a := &authInfo{credential: c, presigned: true, signedHeaders: q.Get("X-Amz-SignedHeaders"), signature: q.Get("X-Amz-Signature")}
	a.headerNames = splitSignedHeaders(a.signedHeaders)
	a.token = q.Get("X-Amz-Security-Token")
	if a.token == "" {
		a.token = r.Header.Get("X-Amz-Security-Token")
	}
	if err := a.setQueryDate(q.Get("X-Amz-Date")); err != nil {
		return nil, err
	}
	expires := q.Get("X-Amz-Expires")
	if expires == "" {
		expires = defaultQueryExpiry
	}
	return a, a.setExpires(expires)
}

func (a *authInfo) setQueryDate(s string) error {
	t, err := time.Parse(amzDateFormat, s)
	if err != nil {
		return aws.ErrPresignBadDate()
	}
	a.t, a.sentDate, a.amzDate = t, s, s
	if s[:8] != a.date {
		return aws.ErrPresignCredentialDateMismatch()
	}
	return nil
}

func (a *authInfo) setExpires(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return aws.ErrPresignExpiresNotNumber()
	case n < 0:
		return aws.ErrPresignExpiresNegative()
	case n > maxPresignExpiry:
		return aws.ErrPresignTooLong()
	}
	a.expires, a.expiresRaw = n, s
	return nil
}

func splitSignedHeaders(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

// checkHeadersSigned rejects a presigned request carrying x-amz-* headers
// that the URL did not sign.
func checkHeadersSigned(r *http.Request, a *authInfo) error {
	signed := make(map[string]bool, len(a.headerNames))
	for _, h := range a.headerNames {
		signed[h] = true
	}
	var missing []string
	for name := range r.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-") && !signed[lower] {
			missing = append(missing, lower)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return aws.ErrHeadersNotSigned(strings.Join(missing, ", "))
}
