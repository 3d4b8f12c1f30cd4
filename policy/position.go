package policy

import (
	"encoding/json"
	"strings"
)

// span is where one statement's object starts and ends in the document
// text: the byte offsets of its '{' and '}'.
type span struct{ start, end int }

// statementSpans finds the statements of doc, which is known to be valid
// JSON with a top-level object: the object under "Statement", or each
// object of its list, in order.
func statementSpans(doc string) []span {
	dec := json.NewDecoder(strings.NewReader(doc))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		if key != "Statement" {
			if skipValue(dec) != nil {
				return nil
			}
			continue
		}
		return statementsIn(dec)
	}
	return nil
}

// statementsIn reads the value of the Statement element.
func statementsIn(dec *json.Decoder) []span {
	t, err := dec.Token()
	if err != nil {
		return nil
	}
	switch t {
	case json.Delim('{'):
		if sp, ok := objectSpan(dec); ok {
			return []span{sp}
		}
	case json.Delim('['):
		var out []span
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil
			}
			if t != json.Delim('{') {
				// Not an object: Parse rejects the document anyway.
				if _, isDelim := t.(json.Delim); isDelim && skipRest(dec) != nil {
					return nil
				}
				out = append(out, span{-1, -1})
				continue
			}
			sp, ok := objectSpan(dec)
			if !ok {
				return nil
			}
			out = append(out, sp)
		}
		return out
	}
	return nil
}

// objectSpan reads the rest of an object whose '{' was just read.
func objectSpan(dec *json.Decoder) (span, bool) {
	start := int(dec.InputOffset()) - 1
	if skipRest(dec) != nil {
		return span{}, false
	}
	return span{start, int(dec.InputOffset()) - 1}, true
}

// skipValue reads one value, however deep.
func skipValue(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); ok && (d == '{' || d == '[') {
		return skipRest(dec)
	}
	return nil
}

// skipRest reads up to the delimiter closing the object or list just opened.
func skipRest(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// positionOf converts a byte offset of doc to a line and column.
func positionOf(doc string, off int) Position {
	if off < 0 || off > len(doc) {
		return Position{}
	}
	line := 1 + strings.Count(doc[:off], "\n")
	col := off - strings.LastIndexByte(doc[:off], '\n')
	return Position{Line: line, Column: col}
}

// locate records each statement's Start and End.
func locate(pol *Policy, doc string) {
	spans := statementSpans(doc)
	if len(spans) != len(pol.Statements) {
		return
	}
	for i, sp := range spans {
		pol.Statements[i].Start = positionOf(doc, sp.start)
		pol.Statements[i].End = positionOf(doc, sp.end)
	}
}
