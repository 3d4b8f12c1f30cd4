package policy

import (
	"strings"
	"unicode/utf8"
)

// A pattern is a compiled Action, Resource or condition value: literal text,
// the wildcards * and ? (when the element allows them), and policy variables
// (${aws:username}, ${s3:prefix, 'default'}) resolved at evaluation time.
// Compiling once at Parse time keeps evaluation free of allocations.
type pattern struct {
	toks []token
	fold bool // ASCII case-insensitive (actions)
	// Fast paths for the common shapes.
	kind patKind
	lit  string // for patExact and patPrefix
}

type patKind uint8

const (
	patGeneral patKind = iota
	patAny             // "*"
	patExact           // no wildcard, no variable
	patPrefix          // literal then a single trailing "*"
)

type tokKind uint8

const (
	tLit  tokKind = iota
	tStar         // *
	tOne          // ?
	tVar          // ${key} or ${key, 'default'}
)

type token struct {
	kind   tokKind
	lit    string // tLit text; tVar lower-case key
	def    string // tVar default
	hasDef bool
}

// compilePattern compiles s. glob makes * and ? wildcards; vars makes ${…}
// policy variables (only under Version 2012-10-17); fold makes matching
// ASCII case-insensitive.
func compilePattern(s string, glob, vars, fold bool) pattern {
	p := pattern{fold: fold}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t := lit.String()
			if fold {
				t = strings.ToLower(t)
			}
			p.toks = append(p.toks, token{kind: tLit, lit: t})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case glob && c == '*':
			flush()
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != tStar {
				p.toks = append(p.toks, token{kind: tStar})
			}
		case glob && c == '?':
			flush()
			p.toks = append(p.toks, token{kind: tOne})
		case vars && c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				lit.WriteByte(c)
				continue
			}
			body := s[i+2 : i+2+end]
			i += 2 + end
			switch body {
			case "*", "?", "$": // escapes for the literal characters
				lit.WriteString(body)
				continue
			}
			flush()
			p.toks = append(p.toks, parseVariable(body))
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	switch {
	case len(p.toks) == 0:
		p.kind, p.lit = patExact, ""
	case len(p.toks) == 1 && p.toks[0].kind == tStar:
		p.kind = patAny
	case len(p.toks) == 1 && p.toks[0].kind == tLit:
		p.kind, p.lit = patExact, p.toks[0].lit
	case len(p.toks) == 2 && p.toks[0].kind == tLit && p.toks[1].kind == tStar:
		p.kind, p.lit = patPrefix, p.toks[0].lit
	}
	return p
}

// parseVariable parses the inside of ${…}: a key, optionally followed by a
// comma and a default value in single quotes.
func parseVariable(body string) token {
	t := token{kind: tVar}
	key := body
	if comma := strings.IndexByte(body, ','); comma >= 0 {
		key = body[:comma]
		def := strings.TrimSpace(body[comma+1:])
		if len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
			t.def, t.hasDef = def[1:len(def)-1], true
		}
	}
	t.lit = strings.ToLower(strings.TrimSpace(key))
	return t
}

// match reports whether s matches the pattern. Variables are resolved by st;
// an unresolvable variable without a default never matches.
func (p *pattern) match(s string, st *evalState) bool {
	switch p.kind {
	case patAny:
		return true
	case patExact:
		return equalFoldIf(s, p.lit, p.fold)
	case patPrefix:
		return len(s) >= len(p.lit) && equalFoldIf(s[:len(p.lit)], p.lit, p.fold)
	}
	// Greedy matching with one backtracking point (the last *): every other
	// token consumes a length fixed once its variable is resolved, so this
	// is linear in practice and never exponential.
	toks := p.toks
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			if t.kind == tStar {
				starTi, starSi = ti, si
				ti++
				continue
			}
			if n, ok := p.matchToken(t, s[si:], st); ok {
				si += n
				ti++
				continue
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:]) // * spans whole characters
		starSi += n
		ti, si = starTi+1, starSi
	}
}

// matchToken matches one non-star token at the start of s and returns how
// many bytes it consumed.
func (p *pattern) matchToken(t *token, s string, st *evalState) (int, bool) {
	switch t.kind {
	case tLit:
		if len(s) >= len(t.lit) && equalFoldIf(s[:len(t.lit)], t.lit, p.fold) {
			return len(t.lit), true
		}
	case tOne:
		if s != "" {
			_, n := utf8.DecodeRuneInString(s)
			return n, true
		}
	case tVar:
		v, ok := st.variable(t.lit)
		if !ok {
			if !t.hasDef {
				return 0, false
			}
			v = t.def
		}
		if len(s) >= len(v) && (s[:len(v)] == v || p.fold && strings.EqualFold(s[:len(v)], v)) {
			return len(v), true
		}
	}
	return 0, false
}

// equalFoldIf compares s with lower-case lit, ignoring case if fold (ASCII
// fast path; Unicode case folding when either side is not ASCII, for
// characters whose two cases have the same length).
func equalFoldIf(s, lit string, fold bool) bool {
	if !fold {
		return s == lit
	}
	if len(s) != len(lit) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || lit[i] >= utf8.RuneSelf {
			return strings.EqualFold(s, lit)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lit[i] {
			return false
		}
	}
	return true
}
