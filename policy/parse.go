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
	top, err := decodeObject(doc, kind)
	if err != nil {
		return nil, err
	}
	p := &parser{kind: kind, opt: opt}
	pol, perr := p.document(top)
	if perr != nil {
		return nil, perr
	}
	locate(pol, doc)
	return pol, nil
}

// decodeObject reads doc as one JSON object, numbers kept as written.
func decodeObject(doc string, kind Kind) (map[string]any, error) {
	if kind == BucketPolicy && !strings.HasPrefix(strings.TrimLeft(doc, " \t\r\n"), "{") {
		return nil, newError(kind, pJSON, "", "document does not start with '{'")
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	bad := pJSON
	if kind == BucketPolicy {
		bad = pBadJSON // it does start with '{'
	}
	if err := dec.Decode(&v); err != nil {
		return nil, newError(kind, bad, "", fmt.Sprintf("invalid JSON: %v", err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, newError(kind, bad, "", "data after the JSON document")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, newError(kind, pJSON, "", "the document is not a JSON object")
	}
	if key, dup := duplicateKey(doc); dup {
		// A repeated element would be read differently by different
		// parsers (first or last wins), so Ferry refuses it. [Inf]
		return nil, newError(kind, pSyntax, "", fmt.Sprintf("element %q appears twice in one object", key))
	}
	return m, nil
}

// duplicateKey reports the first key that appears twice in one JSON object
// of doc, which is known to be valid JSON.
func duplicateKey(doc string) (string, bool) {
	dec := json.NewDecoder(strings.NewReader(doc))
	type frame struct {
		keys     map[string]bool
		isObject bool
		wantKey  bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		top := len(stack) - 1
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top >= 0 && stack[top].isObject {
					stack[top].wantKey = true
				}
				stack = append(stack, frame{isObject: t == '{', wantKey: t == '{', keys: map[string]bool{}})
			default:
				stack = stack[:top]
			}
			continue
		case string:
			if top >= 0 && stack[top].isObject && stack[top].wantKey {
				if stack[top].keys[t] {
					return t, true
				}
				stack[top].keys[t] = true
				stack[top].wantKey = false
				continue
			}
		}
		if top >= 0 && stack[top].isObject {
			stack[top].wantKey = true
		}
	}
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
