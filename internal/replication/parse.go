package replication

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"

	"github.com/ferrystore/ferry/internal/aws"
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

func newRuleID() string { return base64.StdEncoding.EncodeToString([]byte(aws.NewUUID())) }
