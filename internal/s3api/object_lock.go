package s3api

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/s3"
)

func init() {
	register("PutObjectLockConfiguration", putObjectLockConfiguration)
	register("GetObjectLockConfiguration", getObjectLockConfiguration)
	register("PutObjectRetention", putObjectRetention)
	register("GetObjectRetention", getObjectRetention)
	register("PutObjectLegalHold", putObjectLegalHold)
	register("GetObjectLegalHold", getObjectLegalHold)
}

// The Object Lock headers of writes and of GET/HEAD answers.
const (
	headerLockMode        = "x-amz-object-lock-mode"
	headerLockRetainUntil = "x-amz-object-lock-retain-until-date"
	headerLockLegalHold   = "x-amz-object-lock-legal-hold"
	headerBypass          = "x-amz-bypass-governance-retention"
)

type objectLockConfiguration struct {
	XMLName           xml.Name        `xml:"ObjectLockConfiguration"`
	NS                string          `xml:"xmlns,attr,omitempty"`
	ObjectLockEnabled string          `xml:"ObjectLockEnabled,omitempty"`
	Rule              *objectLockRule `xml:"Rule,omitempty"`
}

type objectLockRule struct {
	DefaultRetention *defaultRetentionXML `xml:"DefaultRetention"`
}

type defaultRetentionXML struct {
	Mode  string  `xml:"Mode,omitempty"`
	Days  *string `xml:"Days"`
	Years *string `xml:"Years"`
}

type retentionXML struct {
	XMLName         xml.Name `xml:"Retention"`
	NS              string   `xml:"xmlns,attr,omitempty"`
	Mode            string   `xml:"Mode,omitempty"`
	RetainUntilDate string   `xml:"RetainUntilDate,omitempty"`
}

type legalHoldXML struct {
	XMLName xml.Name `xml:"LegalHold"`
	NS      string   `xml:"xmlns,attr,omitempty"`
	Status  string   `xml:"Status"`
}

// lockInput reads the Object Lock headers of a write.
func lockInput(h http.Header) s3.LockInput {
	return s3.LockInput{Mode: h.Get(headerLockMode), RetainUntil: h.Get(headerLockRetainUntil), LegalHold: h.Get(headerLockLegalHold)}
}

// bypassGovernance reads x-amz-bypass-governance-retention.
func bypassGovernance(h http.Header) bool { return strings.EqualFold(h.Get(headerBypass), "true") }

// readDigestedXML reads a body that must carry Content-MD5 or an
// x-amz-checksum-* digest and decodes it into v (bad XML: MalformedXML).
func readDigestedXML(rq *Request, v any) error {
	body, err := readDigestedBody(rq)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return aws.ErrMalformedXML()
	}
	return nil
}

// parseDefaultRetention turns a configuration document into the default
// retention it sets (nil for none). ObjectLockEnabled must be Enabled, a
// Rule must hold a DefaultRetention, and Days and Years must be integers.
func parseDefaultRetention(doc objectLockConfiguration) (*s3.DefaultRetention, error) {
	if doc.ObjectLockEnabled != "Enabled" {
		return nil, aws.ErrMalformedXML()
	}
	if doc.Rule == nil {
		return nil, nil
	}
	d := doc.Rule.DefaultRetention
	if d == nil {
		return nil, aws.ErrMalformedXML()
	}
	out := &s3.DefaultRetention{Mode: d.Mode}
	for _, f := range []struct {
		name string
		text *string
		to   *int
	}{{"Days", d.Days, &out.Days}, {"Years", d.Years, &out.Years}} {
		if f.text == nil {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(*f.text))
		if err != nil {
			return nil, aws.ErrMalformedXML()
		}
		if n == 0 {
			return nil, aws.ErrDefaultRetentionPeriod(f.name)
		}
		*f.to = n
	}
	return out, nil
}

func putObjectLockConfiguration(a *API, rq *Request) error {
	var doc objectLockConfiguration
	if err := readDigestedXML(rq, &doc); err != nil {
		return err
	}
	def, err := parseDefaultRetention(doc)
	if err != nil {
		return err
	}
	if err := a.S3.PutObjectLockConfiguration(rq.R.Context(), rq.Auth.Principal, rq.Bucket, def); err != nil {
		return err
	}
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func getObjectLockConfiguration(a *API, rq *Request) error {
	cfg, err := a.S3.GetObjectLockConfiguration(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	doc := objectLockConfiguration{NS: xmlNS, ObjectLockEnabled: "Enabled"}
	if d := cfg.Default; d != nil {
		x := &defaultRetentionXML{Mode: d.Mode}
		if d.Days > 0 {
			n := strconv.Itoa(d.Days)
			x.Days = &n
		}
		if d.Years > 0 {
			n := strconv.Itoa(d.Years)
			x.Years = &n
		}
		doc.Rule = &objectLockRule{DefaultRetention: x}
	}
	return writeXML(rq, http.StatusOK, doc)
}

// parseRetention turns a Retention document into the retention it sets:
// nil (removal) when it names neither mode nor date.
func parseRetention(doc retentionXML) (*s3.Retention, error) {
	if doc.Mode == "" && doc.RetainUntilDate == "" {
		return nil, nil
	}
	if doc.Mode == "" || doc.RetainUntilDate == "" {
		return nil, aws.ErrMalformedXML()
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(doc.RetainUntilDate))
	if err != nil {
		return nil, aws.ErrMalformedXML()
	}
	return &s3.Retention{Mode: doc.Mode, Until: t.UTC()}, nil
}

func putObjectRetention(a *API, rq *Request) error {
	vid, err := versionIDParam(rq)
	if err != nil {
		return err
	}
	var doc retentionXML
	if err := readDigestedXML(rq, &doc); err != nil {
		return err
	}
	r, err := parseRetention(doc)
	if err != nil {
		return err
	}
	_, err = a.S3.PutObjectRetention(rq.R.Context(), rq.Auth.Principal, s3.PutObjectRetentionInput{
		Bucket: rq.Bucket, Key: rq.Key, VersionID: vid, Retention: r, Bypass: bypassGovernance(rq.R.Header)})
	if err != nil {
		return err
	}
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func getObjectRetention(a *API, rq *Request) error {
	vid, err := versionIDParam(rq)
	if err != nil {
		return err
	}
	r, _, err := a.S3.GetObjectRetention(rq.R.Context(), rq.Auth.Principal, rq.Bucket, rq.Key, vid)
	if err != nil {
		return err
	}
	return writeXML(rq, http.StatusOK, retentionXML{NS: xmlNS, Mode: r.Mode, RetainUntilDate: timeISO(r.Until)})
}

func putObjectLegalHold(a *API, rq *Request) error {
	vid, err := versionIDParam(rq)
	if err != nil {
		return err
	}
	var doc legalHoldXML
	if err := readDigestedXML(rq, &doc); err != nil {
		return err
	}
	_, err = a.S3.PutObjectLegalHold(rq.R.Context(), rq.Auth.Principal, rq.Bucket, rq.Key, vid, doc.Status)
	if err != nil {
		return err
	}
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func getObjectLegalHold(a *API, rq *Request) error {
	vid, err := versionIDParam(rq)
	if err != nil {
		return err
	}
	status, _, err := a.S3.GetObjectLegalHold(rq.R.Context(), rq.Auth.Principal, rq.Bucket, rq.Key, vid)
	if err != nil {
		return err
	}
	return writeXML(rq, http.StatusOK, legalHoldXML{NS: xmlNS, Status: status})
}

// setLockHeaders adds a GET/HEAD answer's Object Lock headers, those the
// caller may see.
func setLockHeaders(h http.Header, out s3.GetObjectOutput) {
	v := out.Version
	if out.ShowRetention && v.Retention != nil {
		h.Set(headerLockMode, v.Retention.Mode)
		h.Set(headerLockRetainUntil, timeISO(v.Retention.Until))
	}
	if out.ShowLegalHold && v.LegalHold != "" {
		h.Set(headerLockLegalHold, v.LegalHold)
	}
}
