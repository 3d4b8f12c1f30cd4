package policy

import (
	"encoding/json"
	"sort"
)

// Effect is a statement's Effect.
type Effect string

// The two effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Versions of the policy language.
const (
	Version2012 = "2012-10-17" // policy variables are substituted
	Version2008 = "2008-10-17" // the default when Version is absent: no variables
)

// Policy is a parsed, validated policy document. Its exported fields are the
// document as written (normalised: single values become lists); evaluation
// uses patterns compiled at Parse time. A Policy is immutable and safe for
// concurrent use.
type Policy struct {
	Kind       Kind
	Version    string // as written; "" when absent
	ID         string
	Statements []Statement
}

// Principals is a Principal or NotPrincipal element: principal type ("AWS",
// "Service", "Federated", "CanonicalUser") to values. The bare wildcard
// "Principal": "*" is the single entry {"*": ["*"]}.
type Principals map[string][]string

// Statement is one statement of a policy.
type Statement struct {
	Sid          string
	Effect       Effect
	Principal    Principals // nil when absent
	NotPrincipal Principals
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Condition    []Condition
	// Index is the statement's position in the document, from 0.
	Index int
	// Start and End locate the statement's braces in the document text
	// ('{' and '}'), as IAM's policy simulator reports them.
	Start, End Position

	principals *principalSet // compiled Principal or NotPrincipal
	actions    []pattern
	resources  []pattern
	conds      []condition
}

// Position is a place in a policy document's text: Line and Column count
// from 1, Column in bytes.
type Position struct {
	Line, Column int
}

// Ref names the statement for explanations: its Sid, or its position.
func (s *Statement) Ref() string {
	if s.Sid != "" {
		return "statement \"" + s.Sid + "\""
	}
	return "statement #" + itoa(s.Index+1)
}

// MarshalJSON writes the document back as JSON that Parse accepts for the
// same kind.
func (p *Policy) MarshalJSON() ([]byte, error) {
	type doc struct {
		Version   string            `json:"Version,omitempty"`
		ID        string            `json:"Id,omitempty"`
		Statement []json.RawMessage `json:"Statement"`
	}
	d := doc{Version: p.Version, ID: p.ID}
	for i := range p.Statements {
		b, err := json.Marshal(&p.Statements[i])
		if err != nil {
			return nil, err
		}
		d.Statement = append(d.Statement, b)
	}
	return json.Marshal(d)
}

// String is the document as compact JSON.
func (p *Policy) String() string {
	b, err := p.MarshalJSON()
	if err != nil {
		return "<invalid policy: " + err.Error() + ">"
	}
	return string(b)
}

// MarshalJSON writes one statement with AWS's element names.
func (s *Statement) MarshalJSON() ([]byte, error) {
	type stmt struct {
		Sid          string                         `json:"Sid,omitempty"`
		Effect       Effect                         `json:"Effect"`
		Principal    any                            `json:"Principal,omitempty"`
		NotPrincipal any                            `json:"NotPrincipal,omitempty"`
		Action       []string                       `json:"Action,omitempty"`
		NotAction    []string                       `json:"NotAction,omitempty"`
		Resource     []string                       `json:"Resource,omitempty"`
		NotResource  []string                       `json:"NotResource,omitempty"`
		Condition    map[string]map[string][]string `json:"Condition,omitempty"`
	}
	out := stmt{Sid: s.Sid, Effect: s.Effect, Action: s.Action, NotAction: s.NotAction, Resource: s.Resource, NotResource: s.NotResource}
	out.Principal = s.Principal.jsonValue()
	out.NotPrincipal = s.NotPrincipal.jsonValue()
	if len(s.Condition) > 0 {
		out.Condition = map[string]map[string][]string{}
		for _, c := range s.Condition {
			if out.Condition[c.Operator] == nil {
				out.Condition[c.Operator] = map[string][]string{}
			}
			out.Condition[c.Operator][c.Key] = c.Values
		}
	}
	return json.Marshal(out)
}

// jsonValue is the element's JSON form ("*" or an object), nil when absent.
func (p Principals) jsonValue() any {
	if p == nil {
		return nil
	}
	if v, ok := p["*"]; ok && len(p) == 1 && len(v) == 1 {
		return "*"
	}
	return map[string][]string(p)
}

// types lists the element's principal types, sorted.
func (p Principals) types() []string {
	out := make([]string, 0, len(p))
	for k := range p {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
