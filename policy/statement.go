package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// rawStatement is a statement that passed the grammar: every element has the
// right JSON type. The later stages check values.
type rawStatement struct {
	idx                               int
	sid                               string
	effect                            string
	hasEffect                         bool
	principal, notPrincipal           Principals
	action, notAction                 []string
	resource, notResource             []string
	hasResourceElem                   bool
	conds                             []Condition
	hasPrincipalElem, hasNotPrincElem bool
}

var statementFields = map[string]bool{
	"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true, "Action": true,
	"NotAction": true, "Resource": true, "NotResource": true, "Condition": true,
}

// syntax checks the grammar of statement i.
func (p *parser) syntax(i int, m map[string]any) (rawStatement, *Error) {
	rs := rawStatement{idx: i}
	where := fmt.Sprintf("statement #%d", i+1)
	for _, k := range sortedKeys(m) {
		if !statementFields[k] {
			return rs, p.fail(pUnknownField, k, "%s: unknown element %q", where, k)
		}
	}
	var ok bool
	if v, has := m["Sid"]; has {
		if rs.sid, ok = v.(string); !ok {
			return rs, p.fail(pSyntax, "", "%s: Sid is not a string", where)
		}
		if p.kind.iamFamily() && !alnum(rs.sid) {
			return rs, p.fail(pSidChars, "", "%s: Sid %q has characters other than letters and digits", where, rs.sid)
		}
	}
	if v, has := m["Effect"]; has {
		if rs.effect, ok = v.(string); !ok {
			return rs, p.fail(pSyntax, "", "%s: Effect is not a string", where)
		}
		rs.hasEffect = true
	} else if p.kind.iamFamily() {
		return rs, p.fail(pSyntax, "", "%s: no Effect", where)
	}
	lists := []struct {
		name string
		dst  *[]string
	}{{"Action", &rs.action}, {"NotAction", &rs.notAction}, {"Resource", &rs.resource}, {"NotResource", &rs.notResource}}
	for _, l := range lists {
		v, has := m[l.name]
		if !has {
			continue
		}
		vs, err := stringList(v)
		if err != nil {
			return rs, p.fail(pSyntax, "", "%s: %s %v", where, l.name, err)
		}
		*l.dst = vs
	}
	_, hasA := m["Action"]
	_, hasNA := m["NotAction"]
	_, hasR := m["Resource"]
	_, hasNR := m["NotResource"]
	if hasA && hasNA || hasR && hasNR {
		return rs, p.fail(pSyntax, "", "%s: both an element and its Not form", where)
	}
	rs.hasResourceElem = hasR || hasNR
	for _, e := range []struct {
		name string
		dst  *Principals
		has  *bool
	}{{"Principal", &rs.principal, &rs.hasPrincipalElem}, {"NotPrincipal", &rs.notPrincipal, &rs.hasNotPrincElem}} {
		v, has := m[e.name]
		if !has {
			continue
		}
		*e.has = true
		pr, err := principalsOf(v)
		if err != nil {
			return rs, p.fail(pBadPrincipal, principalArg(v), "%s: %s %v", where, e.name, err)
		}
		*e.dst = pr
	}
	if rs.hasPrincipalElem && rs.hasNotPrincElem {
		return rs, p.fail(pSyntax, "", "%s: both Principal and NotPrincipal", where)
	}
	if v, has := m["Condition"]; has {
		conds, err := p.conditionsOf(v, where)
		if err != nil {
			return rs, err
		}
		rs.conds = conds
	}
	return rs, nil
}

// stringList reads a string or a list of strings.
func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("has a value that is not a string")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, errors.New("is not a string or a list of strings")
}

// principalsOf reads a Principal element: "*" or {"AWS": …, "Service": …}.
func principalsOf(v any) (Principals, error) {
	switch x := v.(type) {
	case string:
		if x == "*" {
			return Principals{"*": {"*"}}, nil
		}
		return nil, fmt.Errorf("%q is not \"*\" or an object", x)
	case map[string]any:
		if len(x) == 0 {
			return nil, errors.New("is empty")
		}
		out := Principals{}
		for _, k := range sortedKeys(x) {
			switch k {
			case "AWS", "Service", "Federated", "CanonicalUser":
			default:
				return nil, fmt.Errorf("has unknown principal type %q", k)
			}
			vs, err := stringList(x[k])
			if err != nil || len(vs) == 0 {
				return nil, fmt.Errorf("%s is not a string or a non-empty list of strings", k)
			}
			out[k] = vs
		}
		return out, nil
	}
	return nil, errors.New("is not \"*\" or an object")
}

// principalArg renders a bad principal the way IAM quotes it.
func principalArg(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	}
	return s
}

// conditionsOf reads a Condition block: operator → key → value(s).
func (p *parser) conditionsOf(v any, where string) ([]Condition, *Error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, p.fail(pSyntax, "", "%s: Condition is not an object", where)
	}
	var out []Condition
	for _, op := range sortedKeys(block) {
		if _, _, _, known := parseOperator(op); !known {
			return nil, p.fail(pBadCondition, op, "%s: unknown condition operator %q", where, op)
		}
		keys, ok := block[op].(map[string]any)
		if !ok || len(keys) == 0 {
			return nil, p.fail(pSyntax, "", "%s: %s is not an object of condition keys", where, op)
		}
		for _, k := range sortedKeys(keys) {
			vals, err := conditionValues(keys[k])
			if err != nil {
				return nil, p.fail(pSyntax, "", "%s: %s %s: %v", where, op, k, err)
			}
			out = append(out, Condition{Operator: op, Key: k, Values: vals})
		}
	}
	return out, nil
}

// conditionValues reads a condition value: a string, number or boolean, or a
// non-empty list of them.
func conditionValues(v any) ([]string, error) {
	scalar := func(e any) (string, bool) {
		switch x := e.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		case bool:
			if x {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if s, ok := scalar(v); ok {
		return []string{s}, nil
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, errors.New("is not a value or a non-empty list of values")
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := scalar(e)
		if !ok {
			return nil, errors.New("has a value that is not a string, number or boolean")
		}
		out = append(out, s)
	}
	return out, nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
