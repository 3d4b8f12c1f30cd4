package policy

import "strings"

// span is where one statement's object starts and ends in the document
// text: the byte offsets of its '{' and '}'.
type span struct{ start, end int }

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
func locate(pol *Policy, doc string, spans []span) {
	if len(spans) != len(pol.Statements) {
		return
	}
	for i, sp := range spans {
		pol.Statements[i].Start = positionOf(doc, sp.start)
		pol.Statements[i].End = positionOf(doc, sp.end)
	}
}
