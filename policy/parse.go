package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Options adjusts Parse for one document.
type Options struct {
	// MaxSize overrides the kind's size limit (Kind.DefaultLimit); a
	// negative value disables the check. For inline policies pass the room
	// left in the entity's aggregate limit.
	MaxSize int
	// Entity names the user, group or role an inline policy belongs to
	// ("role MyRole"); it selects IAM's inline-policy size message.
	Entity string
	// Bucket is the bucket a bucket policy is for: every Resource must then
	// be that bucket or objects in it ("Policy has invalid resource").
	Bucket string
	// PrincipalExists, when set, is asked about every AWS principal ARN of a
	// resource-based policy; false makes the principal invalid, as IAM, S3
	// and KMS reject principals that do not exist.
	PrincipalExists func(arn string) bool
}

// Parse validates doc as a policy of the given kind with default options.
// A rejected document returns an *Error carrying the owning service's code
// and exact message.
func Parse(doc string, kind Kind) (*Policy, error) {
	return ParseOptions(doc, kind, Options{})
}

// ParseOptions is Parse with options.
func ParseOptions(doc string, kind Kind, opt Options) (*Policy, error) {
	limit := opt.MaxSize
	if limit == 0 {
		limit = kind.DefaultLimit()
	}
	if limit > 0 && kind.Size(doc) > limit {
		return nil, sizeError(kind, doc, limit, opt.Entity)
	}
	top, spans, err := decodeObject(doc, kind)
	if err != nil {
		return nil, err
	}
	p := &parser{kind: kind, opt: opt}
	pol, perr := p.document(top)
	if perr != nil {
		return nil, perr
	}
	locate(pol, doc, spans)
	return pol, nil
}

// decodeObject reads doc as one JSON object, numbers kept as written, and
// finds where its statements are.
func decodeObject(doc string, kind Kind) (map[string]any, []span, error) {
	if kind == BucketPolicy && !strings.HasPrefix(strings.TrimLeft(doc, " \t\r\n"), "{") {
		return nil, nil, newError(kind, pJSON, "", "document does not start with '{'")
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	bad := pJSON
	if kind == BucketPolicy {
		bad = pBadJSON // it does start with '{'
	}
	if err := dec.Decode(&v); err != nil {
		return nil, nil, newError(kind, bad, "", fmt.Sprintf("invalid JSON: %v", err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, newError(kind, bad, "", "data after the JSON document")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, newError(kind, pJSON, "", "the document is not a JSON object")
	}
	key, dup, spans := scanDocument(doc)
	if dup {
		// A repeated element would be read differently by different
		// parsers (first or last wins), so Ferry refuses it. [Inf]
		return nil, nil, newError(kind, pSyntax, "", fmt.Sprintf("element %q appears twice in one object", key))
	}
	return m, spans, nil
}

// scanDocument reads doc, which is known to be valid JSON, token by token:
// it reports the first key that appears twice in one object, and where the
// statements are (the object under the top-level "Statement", or each
// object of its list).
func scanDocument(doc string) (dupKey string, dup bool, spans []span) {
	dec := json.NewDecoder(strings.NewReader(doc))
	var stack []scanFrame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false, spans
		}
		top := len(stack) - 1
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, openFrame(stack, t, int(dec.InputOffset())-1))
			default:
				if f := stack[top]; f.statement {
					spans = append(spans, span{f.start, int(dec.InputOffset()) - 1})
				}
				stack = stack[:top]
				if top > 0 && stack[top-1].isObject {
					stack[top-1].wantKey = true
				}
			}
			continue
		case string:
			if top >= 0 && stack[top].isObject && stack[top].wantKey {
				if stack[top].keys[t] {
					return t, true, nil
				}
				stack[top].keys[t] = true
				stack[top].wantKey = false
				stack[top].lastKey = t
				continue
			}
		}
		if top >= 0 && stack[top].isObject {
			stack[top].wantKey = true
		}
	}
}

// scanFrame is one open object or list of scanDocument.
type scanFrame struct {
	keys      map[string]bool
	isObject  bool
	wantKey   bool
	lastKey   string // the key whose value is being read
	statement bool   // the object is a statement
	list      bool   // the list holds the statements
	start     int    // offset of the opening delimiter
}

// openFrame is the frame for a container opened at off inside stack.
func openFrame(stack []scanFrame, d json.Delim, off int) scanFrame {
	f := scanFrame{isObject: d == '{', wantKey: d == '{', start: off}
	if f.isObject {
		f.keys = map[string]bool{}
	}
	switch top := len(stack) - 1; {
	case top == 0 && stack[0].lastKey == "Statement":
		f.statement, f.list = f.isObject, !f.isObject
	case top >= 0 && stack[top].list:
		f.statement = f.isObject
	}
	return f
}

// parser validates one document. Its checks run in stages, across all
// statements, in the order IAM reports them: IAM answers with the first
// failing stage, not the first failing statement.
type parser struct {
	kind  Kind
	opt   Options
	stmts []rawStatement
	vars  bool
}

func (p *parser) fail(pr problem, arg, format string, a ...any) *Error {
	return newError(p.kind, pr, arg, fmt.Sprintf(format, a...))
}

var topFields = map[string]bool{"Version": true, "Id": true, "Statement": true}

// document validates the top level and then every statement.
func (p *parser) document(top map[string]any) (*Policy, *Error) {
	for _, k := range sortedKeys(top) {
		if !topFields[k] {
			return nil, p.fail(pUnknownField, k, "unknown top-level element %q", k)
		}
	}
	pol := &Policy{Kind: p.kind, Version: ""}
	if v, ok := top["Version"]; ok {
		s, isStr := v.(string)
		if !isStr || (s != Version2012 && s != Version2008) {
			return nil, p.fail(pBadVersion, "", "Version %v is not 2012-10-17 or 2008-10-17", v)
		}
		pol.Version = s
	}
	if v, ok := top["Id"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return nil, p.fail(pSyntax, "", "Id is not a string")
		}
		pol.ID = s
	}
	st, ok := top["Statement"]
	if !ok {
		return nil, p.fail(pNoStatement, "", "no Statement element")
	}
	var list []any
	switch v := st.(type) {
	case map[string]any:
		list = []any{v}
	case []any:
		list = v
	}
	if len(list) == 0 {
		pr := pSyntax
		if _, isList := st.([]any); isList {
			pr = pEmptyStatement
		}
		return nil, p.fail(pr, "", "Statement is not an object or a non-empty list")
	}
	p.vars = pol.Version == Version2012
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, p.fail(pSyntax, "", "statement #%d is not an object", i+1)
		}
		rs, err := p.syntax(i, m)
		if err != nil {
			return nil, err
		}
		p.stmts = append(p.stmts, rs)
	}
	if (p.kind == Identity || p.kind == Boundary) && pol.Version != Version2012 {
		return nil, p.fail(pVersion, "", "Version is %q", pol.Version)
	}
	stages := p.iamStages()
	if !p.kind.iamFamily() {
		stages = p.resourceStages()
	}
	for _, stage := range stages {
		for i := range p.stmts {
			if err := stage(&p.stmts[i]); err != nil {
				return nil, err
			}
		}
	}
	for i := range p.stmts {
		s, err := p.compile(&p.stmts[i])
		if err != nil {
			return nil, err
		}
		pol.Statements = append(pol.Statements, s)
	}
	return pol, nil
}

// iamStages is IAM's order of checks after the grammar.
func (p *parser) iamStages() []func(*rawStatement) *Error {
	return []func(*rawStatement) *Error{
		p.checkEffect, p.checkConditionValues, p.checkResourceColons,
		p.onceSids, p.checkActionsPresent, p.checkResourceFormat, p.checkActionFormat,
		p.checkPrincipalPresence, p.checkResourcesPresent, p.checkTrust, p.checkPrincipalValues,
	}
}

// resourceStages is the order for S3 and KMS, statement by statement in
// the order S3 reports: Effect, Principal, Action, Resource, then how they fit.
func (p *parser) resourceStages() []func(*rawStatement) *Error {
	all := []func(*rawStatement) *Error{
		p.checkEffect, p.checkPrincipalPresence, p.checkPrincipalValues,
		p.checkActionsPresent, p.checkActionFormat, p.checkResourcesPresent,
		p.checkResourceFormat, p.checkBucketActions, p.checkConditionValues,
	}
	if p.kind == KeyPolicy {
		all = append(all, p.onceSids)
	}
	return []func(*rawStatement) *Error{func(s *rawStatement) *Error {
		for _, f := range all {
			if err := f(s); err != nil {
				return err
			}
		}
		return nil
	}}
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// onceSids runs the document-wide Sid check as a stage (on the first
// statement only).
func (p *parser) onceSids(s *rawStatement) *Error {
	if s.idx != 0 {
		return nil
	}
	return p.uniqueSids()
}
