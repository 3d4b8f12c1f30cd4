// Package sigv4 verifies AWS Signature Version 4 requests: header and
// query-string (presigned) authentication, signed payload hashes and the
// aws-chunked streaming bodies with their chunk and trailer signatures.
package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
)

// Wire constants of SigV4.
// EmptyPayloadHash is the x-amz-content-sha256 of an empty body.
const EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

const (
	algorithm                = "AWS4-HMAC-SHA256"
	unsignedPayload          = "UNSIGNED-PAYLOAD"
	streamingSigned          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	emptySHA256              = EmptyPayloadHash
	amzDateFormat            = "20060102T150405Z"
	isoFormat                = "2006-01-02T15:04:05Z"
	maxPresignExpiry         = 7 * 24 * 60 * 60
	defaultMaxSkew           = 15 * time.Minute
	maxBufferedBody          = 16 << 20
)

// Credentials is what a Lookup knows about an access key.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for temporary credentials; the request must then
	// carry the same token.
	SessionToken string
	// Principal is the identity the key belongs to.
	Principal aws.Principal
}

// Lookup resolves an access key id; unknown keys return
// aws.ErrInvalidAccessKeyID(akid). Checking that temporary credentials have
// not expired is the Lookup's job.
type Lookup func(ctx context.Context, accessKeyID string) (Credentials, error)

// Verifier checks SigV4 signatures. Its zero value is not usable: Lookup must
// be set. A Verifier is safe for concurrent use and must not be copied.
type Verifier struct {
	// Lookup resolves access keys.
	Lookup Lookup
	// Clock tells the time; nil means the system clock.
	Clock aws.Clock
	// MaxSkew is the allowed difference between the request time and the
	// clock; zero means 15 minutes.
	MaxSkew time.Duration

	mu   sync.Mutex
	keys map[keyID][]byte
}

// Result describes a verified request.
type Result struct {
	// Principal is the caller; aws.Anonymous when the request is unsigned.
	Principal aws.Principal
	// Region and Service come from the credential scope ("" when anonymous).
	Region, Service string
	// Presigned is true for query-string authentication.
	Presigned bool
	// Body is the decoded payload; never nil. Reading it checks the payload
	// hash and chunk signatures: a failure is returned by Read, before
	// io.EOF, so callers must not commit data before a clean EOF.
	Body io.ReadCloser
	// DecodedLength is the payload length when known (Content-Length, or
	// X-Amz-Decoded-Content-Length for aws-chunked), else -1.
	DecodedLength int64
	// Trailer holds the aws-chunked trailers (canonical keys) once Body has
	// been read to EOF.
	Trailer http.Header
}

// Verify authenticates r. An unsigned request yields an anonymous Result;
// a request whose signature cannot be verified yields an *aws.Error.
func (v *Verifier) Verify(r *http.Request) (*Result, error) {
	a, err := parseAuth(r)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return anonymous(r)
	}
	if err := v.checkTime(a); err != nil {
		return nil, err
	}
	if a.presigned {
		if err := checkHeadersSigned(r, a); err != nil {
			return nil, err
		}
	}
	creds, err := v.credentials(r.Context(), a)
	if err != nil {
		return nil, err
	}
	payload, err := payloadHash(r, a)
	if err != nil {
		return nil, err
	}
	key := v.signingKey(creds.SecretAccessKey, a.date, a.region, a.service)
	if err := checkSignature(r, a, key, payload); err != nil {
		return nil, err
	}
	return v.result(r, a, creds, key, payload)
}

func (v *Verifier) result(r *http.Request, a *authInfo, creds Credentials, key []byte, payload string) (*Result, error) {
	p := creds.Principal
	if p.AccessKeyID == "" {
		p.AccessKeyID = a.accessKey
	}
	if p.SessionToken == "" {
		p.SessionToken = a.token
	}
	res := &Result{Principal: p, Region: a.region, Service: a.service, Presigned: a.presigned}
	if err := attachBody(res, r, payload, &chunkSigner{auth: a, key: key}); err != nil {
		return nil, err
	}
	return res, nil
}

func anonymous(r *http.Request) (*Result, error) {
	res := &Result{Principal: aws.Anonymous}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload != streamingUnsignedTrailer {
		payload = unsignedPayload
	}
	if err := attachBody(res, r, payload, nil); err != nil {
		return nil, err
	}
	return res, nil
}

func (v *Verifier) now() time.Time {
	if v.Clock == nil {
		return time.Now().UTC()
	}
	return v.Clock.Now().UTC()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew <= 0 {
		return defaultMaxSkew
	}
	return v.MaxSkew
}

// checkTime enforces the clock skew window and presigned expiry.
func (v *Verifier) checkTime(a *authInfo) error {
	now := v.now()
	skew := v.maxSkew()
	tooSkewed := aws.ErrRequestTimeTooSkewed(a.sentDate, now.Format(isoFormat))
	if a.t.After(now.Add(skew)) {
		return tooSkewed
	}
	if !a.presigned {
		if a.t.Before(now.Add(-skew)) {
			return tooSkewed
		}
		return nil
	}
	expires := a.t.Add(time.Duration(a.expires) * time.Second)
	if now.After(expires) {
		return aws.ErrRequestExpired(a.expiresRaw, expires.Format(isoFormat), now.Format(isoFormat))
	}
	return nil
}

// credentials looks the access key up and checks the session token (sent as
// X-Amz-Security-Token, header or query): temporary credentials need theirs,
// long-term keys take none.
func (v *Verifier) credentials(ctx context.Context, a *authInfo) (Credentials, error) {
	if v.Lookup == nil {
		return Credentials{}, aws.ErrInvalidAccessKeyID(a.accessKey)
	}
	creds, err := v.Lookup(ctx, a.accessKey)
	if err != nil {
		return Credentials{}, err
	}
	switch {
	case creds.SessionToken != "" && a.token == "":
		// Temporary credentials without their token: AWS answers as if the
		// key did not exist.
		return Credentials{}, aws.ErrInvalidAccessKeyID(a.accessKey)
	case creds.SessionToken == "" && a.token != "",
		creds.SessionToken != "" && !hmac.Equal([]byte(creds.SessionToken), []byte(a.token)):
		return Credentials{}, aws.ErrInvalidToken(a.token)
	}
	return creds, nil
}

// checkSignature recomputes the request signature and compares it.
func checkSignature(r *http.Request, a *authInfo, key []byte, payload string) error {
	canonical := canonicalRequest(r, a, payload)
	sts := stringToSign(a, canonical)
	want := hexHMAC(key, []byte(sts))
	if !hmac.Equal([]byte(want), []byte(a.signature)) {
		return aws.ErrSignatureDoesNotMatch(a.accessKey, sts, a.signature, canonical)
	}
	return nil
}

func stringToSign(a *authInfo, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return algorithm + "\n" + a.amzDate + "\n" + a.scope() + "\n" + hex.EncodeToString(sum[:])
}

func hexHMAC(key, data []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}

// ParseScope extracts the credential scope of a signed request without
// verifying anything, for routing (for example by region or service). ok is
// false when the request is unsigned or its credential cannot be parsed.
func ParseScope(r *http.Request) (accessKey, date, region, service string, ok bool) {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); auth != "" {
		fields, err := parseAuthHeader(auth)
		if err != nil {
			return "", "", "", "", false
		}
		cred = fields["Credential"]
	}
	c, ok := parseCredential(cred)
	if !ok {
		return "", "", "", "", false
	}
	return c.accessKey, c.date, c.region, c.service, true
}
