package query

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Encode renders the response of action: out (an SDK output struct such as
// *iam.CreateRoleOutput, or nil for operations without output) inside
// <ActionResponse><ActionResult>, then the ResponseMetadata with the request
// id. Elements follow the model's member order; lists are <member> items;
// unset members are left out. The document is indented by two spaces, as AWS
// sends it.
func (m *Model) Encode(action string, out any, requestID string) ([]byte, error) {
	op, ok := m.Operations[action]
	if !ok {
		return nil, fmt.Errorf("query: encode: unknown action %s", action)
	}
	w := &writer{}
	w.open(action+"Response", ` xmlns="`+m.Namespace+`"`)
	if op.Output != "" && op.ResultWrapper != "" {
		v := reflect.ValueOf(out)
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		w.open(op.ResultWrapper, "")
		if v.IsValid() {
			if err := m.encodeStruct(w, m.Shapes[op.Output], v); err != nil {
				return nil, fmt.Errorf("query: encode %s: %w", action, err)
			}
		}
		w.close(op.ResultWrapper)
	}
	w.open("ResponseMetadata", "")
	w.leaf("RequestId", requestID)
	w.close("ResponseMetadata")
	w.close(action + "Response")
	return w.buf.Bytes(), nil
}

// EncodeError renders the Query error body:
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
func (m *Model) EncodeError(code, message string, status int, requestID string) []byte {
	w := &writer{}
	w.open("ErrorResponse", ` xmlns="`+m.Namespace+`"`)
	w.open("Error", "")
	w.leaf("Type", errorType(status))
	w.leaf("Code", code)
	w.leaf("Message", message)
	w.close("Error")
	w.leaf("RequestId", requestID)
	w.close("ErrorResponse")
	return w.buf.Bytes()
}

func (m *Model) encodeStruct(w *writer, s *Shape, v reflect.Value) error {
	for _, mem := range s.Members {
		f := v.FieldByName(goName(mem.Name))
		if !f.IsValid() {
			return fmt.Errorf("no Go field for member %s", mem.Name)
		}
		if err := m.encodeValue(w, mem.wire(), m.Shapes[mem.Shape], f, mem.Required); err != nil {
			return err
		}
	}
	return nil
}

// encodeValue writes one element; nil pointers, nil slices and maps are
// omitted unless the member is required (an empty list is then <Name/>).
func (m *Model) encodeValue(w *writer, name string, s *Shape, f reflect.Value, required bool) error {
	switch f.Kind() {
	case reflect.Pointer, reflect.Interface:
		if f.IsNil() {
			return nil
		}
		f = f.Elem()
	case reflect.Slice, reflect.Map:
		if f.IsNil() && !required {
			return nil
		}
	}
	switch s.Type {
	case "structure":
		start := w.buf.Len()
		w.open(name, "")
		inner := w.buf.Len()
		if err := m.encodeStruct(w, s, f); err != nil {
			return err
		}
		if w.buf.Len() == inner { // no member set: <Name/>
			w.buf.Truncate(start)
			w.depth--
			w.empty(name)
			return nil
		}
		w.close(name)
	case "list":
		if f.Len() == 0 {
			w.empty(name)
			return nil
		}
		item := m.Shapes[s.Member.Shape]
		w.open(name, "")
		for i := 0; i < f.Len(); i++ {
			if err := m.encodeValue(w, s.listItem(), item, f.Index(i), true); err != nil {
				return err
			}
		}
		w.close(name)
	case "map":
		return m.encodeMap(w, name, s, f)
	default:
		text, err := scalarText(f)
		if err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		w.leaf(name, text)
	}
	return nil
}

func (m *Model) encodeMap(w *writer, name string, s *Shape, f reflect.Value) error {
	if f.Len() == 0 {
		w.empty(name)
		return nil
	}
	keys := f.MapKeys()
	strs := make([]string, len(keys))
	for i, k := range keys {
		strs[i] = fmt.Sprint(k.Interface())
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	sortByString(order, strs)
	w.open(name, "")
	for _, i := range order {
		w.open("entry", "")
		w.leaf("key", strs[i])
		if err := m.encodeValue(w, "value", m.Shapes[s.Value.Shape], f.MapIndex(keys[i]), true); err != nil {
			return err
		}
		w.close("entry")
	}
	w.close(name)
	return nil
}

// scalarText formats strings, numbers, booleans and timestamps (ISO 8601 in
// UTC with whole seconds, as IAM sends them).
func scalarText(f reflect.Value) (string, error) {
	if t, ok := f.Interface().(time.Time); ok {
		return t.UTC().Format("2006-01-02T15:04:05Z"), nil
	}
	switch f.Kind() {
	case reflect.String:
		return f.String(), nil
	case reflect.Int, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(f.Int(), 10), nil
	case reflect.Bool:
		return strconv.FormatBool(f.Bool()), nil
	}
	return "", fmt.Errorf("unsupported Go type %s", f.Type())
}

func sortByString(order []int, strs []string) {
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && strs[order[j]] < strs[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}

// writer builds an indented XML document.
type writer struct {
	buf   bytes.Buffer
	depth int
}

func (w *writer) indent() { w.buf.WriteString(strings.Repeat("  ", w.depth)) }

func (w *writer) open(name, attrs string) {
	w.indent()
	w.buf.WriteString("<" + name + attrs + ">\n")
	w.depth++
}

func (w *writer) close(name string) {
	w.depth--
	w.indent()
	w.buf.WriteString("</" + name + ">\n")
}

func (w *writer) empty(name string) {
	w.indent()
	w.buf.WriteString("<" + name + "/>\n")
}

func (w *writer) leaf(name, text string) {
	w.indent()
	w.buf.WriteString("<" + name + ">")
	escape(&w.buf, text)
	w.buf.WriteString("</" + name + ">\n")
}

// escape writes text content: &, < and > as entities and carriage returns
// as a character reference (so they survive parsing); quotes stay as they
// are, which text content allows.
func escape(b *bytes.Buffer, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteRune(r)
		}
	}
}
