package replication

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// The schema of a ReplicationConfiguration document: encoding/xml ignores
// unknown and repeated elements, so the element tree is checked against the
// model first (checkShape), then the decoded values (checkSchema). Both
// failures are MalformedXML.

// shape is one element of the schema: its allowed children, which of them
// may repeat and which are required. A shape without children holds text.
type shape struct {
	children map[string]*shape
	repeat   map[string]bool
	required []string
}

var leaf = &shape{}

// status is the {Status} shape; Status is required except in
// DeleteMarkerReplication.
func status(required bool) *shape {
	s := &shape{children: map[string]*shape{"Status": leaf}}
	if required {
		s.required = []string{"Status"}
	}
	return s
}

func minutes() *shape { return &shape{children: map[string]*shape{"Minutes": leaf}} }

var documentShape = func() *shape {
	tag := &shape{children: map[string]*shape{"Key": leaf, "Value": leaf}, required: []string{"Key", "Value"}}
	filter := &shape{children: map[string]*shape{
		"Prefix": leaf,
		"Tag":    tag,
		"And": {
			children: map[string]*shape{"Prefix": leaf, "Tag": tag},
			repeat:   map[string]bool{"Tag": true},
		},
	}}
	destination := &shape{children: map[string]*shape{
		"Bucket": leaf, "Account": leaf, "StorageClass": leaf,
		"AccessControlTranslation": {children: map[string]*shape{"Owner": leaf}, required: []string{"Owner"}},
		"EncryptionConfiguration":  {children: map[string]*shape{"ReplicaKmsKeyID": leaf}},
		"ReplicationTime": {children: map[string]*shape{"Status": leaf, "Time": minutes()},
			required: []string{"Status", "Time"}},
		"Metrics": {children: map[string]*shape{"Status": leaf, "EventThreshold": minutes()},
			required: []string{"Status"}},
	}, required: []string{"Bucket"}}
	rule := &shape{children: map[string]*shape{
		"ID": leaf, "Priority": leaf, "Prefix": leaf, "Filter": filter, "Status": leaf,
		"SourceSelectionCriteria": {children: map[string]*shape{
			"SseKmsEncryptedObjects": status(true), "ReplicaModifications": status(true),
		}},
		"ExistingObjectReplication": status(true),
		"Destination":               destination,
		"DeleteMarkerReplication":   status(false),
	}, required: []string{"Status", "Destination"}}
	config := &shape{children: map[string]*shape{"Role": leaf, "Rule": rule},
		repeat: map[string]bool{"Rule": true}, required: []string{"Role", "Rule"}}
	return &shape{children: map[string]*shape{"ReplicationConfiguration": config}}
}()

// checkShape walks the document's elements against documentShape: unknown
// elements, a repeated single element, a missing required element, or
// elements inside a text element fail, as S3's schema validation does.
func checkShape(doc []byte) error {
	type frame struct {
		s    *shape
		seen map[string]bool
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	stack := []frame{{s: documentShape, seen: map[string]bool{}}}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			top := stack[len(stack)-1]
			name := t.Name.Local
			child, ok := top.s.children[name]
			if !ok {
				return fmt.Errorf("unexpected element <%s>", name)
			}
			if top.seen[name] && !top.s.repeat[name] {
				return fmt.Errorf("element <%s> repeated", name)
			}
			top.seen[name] = true
			stack = append(stack, frame{s: child, seen: map[string]bool{}})
		case xml.EndElement:
			top := stack[len(stack)-1]
			for _, name := range top.s.required {
				if !top.seen[name] {
					return fmt.Errorf("<%s> lacks <%s>", t.Name.Local, name)
				}
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top := stack[len(stack)-1]
			if top.s.children != nil && len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text inside a structure")
			}
		}
	}
	if len(stack) != 1 || !stack[0].seen["ReplicationConfiguration"] {
		return errors.New("no ReplicationConfiguration element")
	}
	return nil
}

// checkSchema applies the model's required members and enumerations and the
// structural rules that S3 reports as MalformedXML.
func (c *Configuration) checkSchema() error {
	if c.Role == "" {
		return errors.New("missing Role")
	}
	if len(c.Rules) == 0 {
		return errors.New("no Rule")
	}
	v2 := c.Rules[0].V2()
	for i := range c.Rules {
		r := &c.Rules[i]
		if err := r.checkSchema(); err != nil {
			return fmt.Errorf("rule %d: %w", i+1, err)
		}
		// [Inf] AWS says nothing about mixing V1 and V2 rules; Ferry
		// rejects it as a schema error.
		if r.V2() != v2 {
			return fmt.Errorf("rule %d: V1 and V2 rules mixed", i+1)
		}
	}
	return nil
}

func (r *Rule) checkSchema() error {
	if !isStatus(r.Status) {
		return fmt.Errorf("Status %q", r.Status)
	}
	if r.Destination == nil || r.Destination.Bucket == "" {
		return errors.New("missing Destination/Bucket")
	}
	if r.Filter != nil && r.Prefix != nil {
		return errors.New("both Filter and Prefix")
	}
	if f := r.Filter; f != nil && count(f.Prefix != nil, f.Tag != nil, f.And != nil) > 1 {
		return errors.New("Filter with more than one condition")
	}
	// The model calls ExistingObjectReplication "no longer supported"; S3
	// answers MalformedXML (§2.2 #18).
	if r.ExistingObjectReplication != nil {
		return errors.New("ExistingObjectReplication")
	}
	if err := r.checkStatuses(); err != nil {
		return err
	}
	return r.Destination.checkSchema()
}

func (r *Rule) checkStatuses() error {
	if s := r.SourceSelectionCriteria; s != nil {
		if s.SseKmsEncryptedObjects != nil && !isStatus(s.SseKmsEncryptedObjects.Status) {
			return errors.New("SseKmsEncryptedObjects/Status")
		}
		if s.ReplicaModifications != nil && !isStatus(s.ReplicaModifications.Status) {
			return errors.New("ReplicaModifications/Status")
		}
	}
	// DeleteMarkerReplication/Status is optional in the model; absent means Disabled.
	if d := r.DeleteMarkerReplication; d != nil && d.Status != "" && !isStatus(d.Status) {
		return errors.New("DeleteMarkerReplication/Status")
	}
	return nil
}

func (d *Destination) checkSchema() error {
	if d.StorageClass != "" && !storageClasses[d.StorageClass] {
		return fmt.Errorf("StorageClass %q", d.StorageClass)
	}
	if t := d.AccessControlTranslation; t != nil && t.Owner != "Destination" {
		return fmt.Errorf("AccessControlTranslation/Owner %q", t.Owner)
	}
	if t := d.ReplicationTime; t != nil && (!isStatus(t.Status) || t.Time == nil) {
		return errors.New("ReplicationTime needs Status and Time")
	}
	if m := d.Metrics; m != nil && !isStatus(m.Status) {
		return errors.New("Metrics/Status")
	}
	return nil
}

// storageClasses is the model's StorageClass enumeration.
var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "OUTPOSTS": true,
	"GLACIER_IR": true, "SNOW": true, "EXPRESS_ONEZONE": true, "FSX_OPENZFS": true, "FSX_ONTAP": true,
}

func isStatus(s string) bool { return s == "Enabled" || s == "Disabled" }

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
