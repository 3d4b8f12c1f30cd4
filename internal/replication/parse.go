package replication

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
)

// Parse decodes a PutBucketReplication body and applies the schema: element
// names, nesting and multiplicity, required members, enumerations, and the
// structural rules S3 answers with MalformedXML (§2.2 #4, #18). The result
// still needs Validate.
func Parse(doc []byte) (*Configuration, error) {
	if len(doc) > MaxDocument {
		return nil, errDocumentTooLarge()
	}
	if err := checkShape(doc); err != nil {
		return nil, ErrMalformedXML().WithCause(err)
	}
	var c Configuration
	if err := xml.Unmarshal(doc, &c); err != nil {
		return nil, ErrMalformedXML().WithCause(fmt.Errorf("decode: %w", err))
	}
	if err := c.checkSchema(); err != nil {
		return nil, ErrMalformedXML().WithCause(err)
	}
	return &c, nil
}

// Marshal encodes the configuration as GetBucketReplication returns it:
// the S3 namespace and the model's element order.
func (c *Configuration) Marshal() ([]byte, error) {
	out := *c
	out.NS = Namespace
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).Encode(&out); err != nil {
		return nil, fmt.Errorf("replication: encode configuration: %w", err)
	}
	return b.Bytes(), nil
}

// WithIDs returns a copy in which every rule without an ID has a generated
// one, as S3 stores it. [Inf] AWS's format is not documented; Ferry uses the
// base64 of a random UUID (48 characters), which is what AWS's generated ids
// look like.
func (c *Configuration) WithIDs() *Configuration {
	out := *c
	out.Rules = append([]Rule(nil), c.Rules...)
	for i := range out.Rules {
		if out.Rules[i].ID == "" {
			out.Rules[i].ID = newRuleID()
		}
	}
	return &out
}

func newRuleID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	s := fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
	return base64.StdEncoding.EncodeToString([]byte(s))
}
