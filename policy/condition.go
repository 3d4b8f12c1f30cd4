package policy

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition is one key test of a Condition block, as written:
// {"Operator": {"Key": Values}}. Operator keeps its set qualifier and
// IfExists suffix ("ForAnyValue:StringLikeIfExists").
type Condition struct {
	Operator string
	Key      string
	Values   []string
}

// opBase is an operator without qualifier, negation or IfExists.
type opBase uint8

const (
	opStringEquals opBase = iota
	opStringEqualsIgnoreCase
	opStringLike
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opArnLike // ArnEquals and ArnLike match the same way
	opNull
)

type opInfo struct {
	base    opBase
	negated bool
}

// operators maps each operator name (without qualifier and IfExists) to its
// meaning. Source: IAM User Guide, "IAM JSON policy elements: Condition
// operators".
var operators = map[string]opInfo{
	"StringEquals":              {opStringEquals, false},
	"StringNotEquals":           {opStringEquals, true},
	"StringEqualsIgnoreCase":    {opStringEqualsIgnoreCase, false},
	"StringNotEqualsIgnoreCase": {opStringEqualsIgnoreCase, true},
	"StringLike":                {opStringLike, false},
	"StringNotLike":             {opStringLike, true},
	"NumericEquals":             {opNumericEquals, false},
	"NumericNotEquals":          {opNumericEquals, true},
	"NumericLessThan":           {opNumericLessThan, false},
	"NumericLessThanEquals":     {opNumericLessThanEquals, false},
	"NumericGreaterThan":        {opNumericGreaterThan, false},
	"NumericGreaterThanEquals":  {opNumericGreaterThanEquals, false},
	"DateEquals":                {opDateEquals, false},
	"DateNotEquals":             {opDateEquals, true},
	"DateLessThan":              {opDateLessThan, false},
	"DateLessThanEquals":        {opDateLessThanEquals, false},
	"DateGreaterThan":           {opDateGreaterThan, false},
	"DateGreaterThanEquals":     {opDateGreaterThanEquals, false},
	"Bool":                      {opBool, false},
	"BinaryEquals":              {opBinaryEquals, false},
	"IpAddress":                 {opIPAddress, false},
	"NotIpAddress":              {opIPAddress, true},
	"ArnEquals":                 {opArnLike, false},
	"ArnLike":                   {opArnLike, false},
	"ArnNotEquals":              {opArnLike, true},
	"ArnNotLike":                {opArnLike, true},
	"Null":                      {opNull, false},
}

type qualifier uint8

const (
	qualNone qualifier = iota
	qualAny            // ForAnyValue:
	qualAll            // ForAllValues:
)

// condition is a compiled Condition.
type condition struct {
	Condition
	lkey     string
	base     opBase
	negated  bool
	ifExists bool
	qual     qualifier
	pats     []pattern      // string operators
	arns     [][]pattern    // Arn operators: six segment patterns per value
	nums     []float64      // Numeric operators
	times    []int64        // Date operators (Unix nanoseconds)
	nets     []netip.Prefix // IpAddress
	nullWant bool           // Null: true means "the key must be absent"
}

// errCondValue marks a condition value the operator cannot use (a bad date
// or number), which IAM reports as a legacy-parsing failure.
type errCondValue struct{ msg string }

// Error returns the description of the bad value.
func (e errCondValue) Error() string { return e.msg }

// parseOperator splits "ForAllValues:StringLikeIfExists" into its parts.
func parseOperator(op string) (opInfo, qualifier, bool, bool) {
	q := qualNone
	name := op
	switch {
	case strings.HasPrefix(name, "ForAnyValue:"):
		q, name = qualAny, name[len("ForAnyValue:"):]
	case strings.HasPrefix(name, "ForAllValues:"):
		q, name = qualAll, name[len("ForAllValues:"):]
	}
	ifExists := false
	if base, ok := strings.CutSuffix(name, "IfExists"); ok && base != "Null" {
		name, ifExists = base, true
	}
	info, ok := operators[name]
	return info, q, ifExists, ok
}

// compileCondition compiles c; vars enables policy variables in values.
func compileCondition(c Condition, vars bool) (condition, error) {
	info, q, ifExists, ok := parseOperator(c.Operator)
	if !ok {
		return condition{}, fmt.Errorf("unknown condition operator %q", c.Operator)
	}
	cc := condition{Condition: c, lkey: strings.ToLower(c.Key), base: info.base, negated: info.negated, ifExists: ifExists, qual: q}
	for _, v := range c.Values {
		switch cc.base {
		case opStringEquals, opBinaryEquals:
			cc.pats = append(cc.pats, compilePattern(v, false, vars, false))
		case opStringEqualsIgnoreCase:
			cc.pats = append(cc.pats, compilePattern(v, false, vars, true))
		case opStringLike:
			cc.pats = append(cc.pats, compilePattern(v, true, vars, false))
		case opArnLike:
			segs := splitARN(v)
			ps := make([]pattern, len(segs))
			for i, s := range segs {
				ps[i] = compilePattern(s, true, vars, false)
			}
			cc.arns = append(cc.arns, ps)
		case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return condition{}, errCondValue{fmt.Sprintf("%s: %q is not a number", c.Operator, v)}
			}
			cc.nums = append(cc.nums, n)
		case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
			t, ok := parseDate(v)
			if !ok {
				return condition{}, errCondValue{fmt.Sprintf("%s: %q is not a date", c.Operator, v)}
			}
			cc.times = append(cc.times, t)
		case opIPAddress:
			p, err := parsePrefix(v)
			if err != nil {
				return condition{}, fmt.Errorf("%s: %q is not an IP address or CIDR block", c.Operator, v)
			}
			cc.nets = append(cc.nets, p)
		case opBool:
			if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
				return condition{}, fmt.Errorf("Bool: %q is not true or false", v)
			}
			cc.pats = append(cc.pats, compilePattern(v, false, false, true))
		case opNull:
			switch strings.ToLower(v) {
			case "true":
				cc.nullWant = true
			case "false":
				cc.nullWant = false
			default:
				return condition{}, fmt.Errorf("Null: %q is not true or false", v)
			}
		}
	}
	return cc, nil
}

// splitARN splits an ARN into its six colon-separated fields; a value with
// fewer fields is kept whole, and then only "*" matches anything.
func splitARN(v string) []string {
	parts := strings.SplitN(v, ":", 6)
	if len(parts) != 6 {
		return []string{v}
	}
	return parts
}

func parsePrefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// dateLayouts are the ISO 8601 forms AWS accepts in Date conditions.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate reads an ISO 8601 date or a number of seconds since the epoch
// (aws:EpochTime).
func parseDate(v string) (int64, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n * int64(time.Second), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UnixNano(), true
		}
	}
	return 0, false
}

// eval tests the condition against the request. Missing keys follow the IAM
// User Guide: a positive operator is false, a negated one true; IfExists is
// true; ForAllValues is true and ForAnyValue false on a missing or empty key;
// Null tests presence.
func (c *condition) eval(st *evalState) bool {
	v := st.values(c.lkey)
	n := v.len()
	if c.base == opNull {
		return (n == 0) == c.nullWant
	}
	if n == 0 {
		switch {
		case c.ifExists:
			return true
		case c.qual == qualAll:
			return true
		case c.qual == qualAny:
			return false
		}
		return c.negated
	}
	switch c.qual {
	case qualAny:
		for i := 0; i < n; i++ {
			if c.matchAny(v.at(i), st) != c.negated {
				return true
			}
		}
		return false
	case qualAll:
		for i := 0; i < n; i++ {
			if c.matchAny(v.at(i), st) == c.negated {
				return false
			}
		}
		return true
	}
	if c.negated {
		for i := 0; i < n; i++ {
			if c.matchAny(v.at(i), st) {
				return false
			}
		}
		return true
	}
	for i := 0; i < n; i++ {
		if c.matchAny(v.at(i), st) {
			return true
		}
	}
	return false
}

// matchAny reports whether the request value x matches any policy value under
// the (positive) base operator.
func (c *condition) matchAny(x string, st *evalState) bool {
	switch c.base {
	case opStringEquals, opStringLike, opBinaryEquals, opStringEqualsIgnoreCase, opBool:
		for i := range c.pats {
			if c.pats[i].match(x, st) {
				return true
			}
		}
	case opArnLike:
		for _, segs := range c.arns {
			if matchARN(segs, x, st) {
				return true
			}
		}
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return false
		}
		for _, n := range c.nums {
			if compare(c.base-opNumericEquals, f, n) {
				return true
			}
		}
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := parseDate(x)
		if !ok {
			return false
		}
		for _, n := range c.times {
			if compare(c.base-opDateEquals, float64(t), float64(n)) {
				return true
			}
		}
	case opIPAddress:
		a, err := netip.ParseAddr(x)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range c.nets {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

// compare applies the comparison rel (0 =, 1 <, 2 <=, 3 >, 4 >=) to the
// request value x and the policy value y.
func compare(rel opBase, x, y float64) bool {
	switch rel {
	case 0:
		return x == y
	case 1:
		return x < y
	case 2:
		return x <= y
	case 3:
		return x > y
	default:
		return x >= y
	}
}

// matchARN matches x field by field against the six segment patterns.
func matchARN(segs []pattern, x string, st *evalState) bool {
	if len(segs) != 6 {
		return segs[0].kind == patAny
	}
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(x, ':')
		if j < 0 {
			return false
		}
		if !segs[i].match(x[:j], st) {
			return false
		}
		x = x[j+1:]
	}
	return segs[5].match(x, st)
}
