package query

import (
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
)

// Decode fills in (a pointer to an SDK input struct such as
// *iam.CreateRoleInput) from the request parameters of action, then checks
// the model's constraints. Member names are the Go field names (with the
// first letter upper-cased); lists use X.member.N and maps X.entry.N.key and
// X.entry.N.value. Unknown parameters are ignored, as AWS does. A violated
// constraint or a missing required member is a ValidationError listing every
// violation, in model order.
func (m *Model) Decode(action string, params url.Values, in any) error {
	op, ok := m.Operations[action]
	if !ok {
		return ErrInvalidAction(action, params.Get("Version"))
	}
	if op.Input == "" {
		return nil
	}
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return aws.Internal(fmt.Errorf("query: decode %s into %T: not a struct pointer", action, in))
	}
	d := &decoder{m: m, params: params}
	d.structure(m.Shapes[op.Input], "", "", v.Elem())
	if d.err != nil {
		return aws.Internal(fmt.Errorf("query: decode %s: %w", action, d.err))
	}
	return validationError(d.violations)
}

// decoder walks a shape and the matching Go value together.
type decoder struct {
	m          *Model
	params     url.Values
	violations []string
	err        error // a mismatch between model and Go type: a Ferry bug
}

// structure decodes the members of s found under prefix ("" at the top, else
// "Name." / "Name.member.1."); path is the member path for messages.
func (d *decoder) structure(s *Shape, prefix, path string, v reflect.Value) {
	for _, mem := range s.Members {
		f := v.FieldByName(goName(mem.Name))
		if !f.IsValid() {
			d.err = fmt.Errorf("no Go field for member %s", mem.Name)
			return
		}
		key := prefix + mem.wire()
		mpath := path + lowerFirst(mem.Name)
		target := d.m.Shapes[mem.Shape]
		if !d.present(target, key) {
			if mem.Required {
				d.violate("Value null at '%s' failed to satisfy constraint: Member must not be null", mpath)
			}
			continue
		}
		d.value(target, key, mpath, f)
	}
}

// present reports whether any parameter is at key (or below it).
func (d *decoder) present(s *Shape, key string) bool {
	if _, ok := d.params[key]; ok {
		return true
	}
	if s.Type == "string" || s.Type == "integer" || s.Type == "long" || s.Type == "boolean" || s.Type == "timestamp" {
		return false
	}
	for k := range d.params {
		if strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}

func (d *decoder) value(s *Shape, key, path string, f reflect.Value) {
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			f.Set(reflect.New(f.Type().Elem()))
		}
		f = f.Elem()
	}
	switch s.Type {
	case "structure":
		d.structure(s, key+".", path+".", f)
	case "list":
		d.list(s, key, path, f)
	case "map":
		d.mapValue(s, key, path, f)
	default:
		d.scalar(s, d.params.Get(key), path, f)
	}
}

func (d *decoder) list(s *Shape, key, path string, f reflect.Value) {
	item := d.m.Shapes[s.Member.Shape]
	base := key + "." + s.listItem() + "."
	if s.Flattened {
		base = key + "."
	}
	out := reflect.MakeSlice(f.Type(), 0, 0)
	for i := 1; ; i++ {
		k := base + strconv.Itoa(i)
		if !d.present(item, k) {
			break
		}
		elem := reflect.New(f.Type().Elem()).Elem()
		d.value(item, k, path+"."+strconv.Itoa(i)+".member", elem)
		out = reflect.Append(out, elem)
	}
	f.Set(out)
	d.length(s, int64(out.Len()), "", path)
}

func (d *decoder) mapValue(s *Shape, key, path string, f reflect.Value) {
	out := reflect.MakeMap(f.Type())
	for i := 1; ; i++ {
		k := key + ".entry." + strconv.Itoa(i)
		if !d.present(d.m.Shapes[s.Key.Shape], k+".key") {
			break
		}
		kv := reflect.New(f.Type().Key()).Elem()
		vv := reflect.New(f.Type().Elem()).Elem()
		d.scalar(d.m.Shapes[s.Key.Shape], d.params.Get(k+".key"), path, kv)
		d.value(d.m.Shapes[s.Value.Shape], k+".value", path, vv)
		out.SetMapIndex(kv, vv)
	}
	f.Set(out)
	d.length(s, int64(out.Len()), "", path)
}

func (d *decoder) scalar(s *Shape, raw, path string, f reflect.Value) {
	switch s.Type {
	case "string":
		if f.Kind() != reflect.String {
			d.err = fmt.Errorf("member %s: Go type %s for a string", path, f.Type())
			return
		}
		f.SetString(raw)
		d.length(s, int64(len([]rune(raw))), raw, path)
		d.pattern(s, raw, path)
		d.enum(s, raw, path)
	case "integer", "long":
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			d.violate("%s at '%s' failed to satisfy constraint: Member must be a number", d.echo(raw), path)
			return
		}
		f.SetInt(n)
		switch {
		case s.HasMin && n < s.Min:
			d.violate("%s at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", d.echo(raw), path, s.Min)
		case s.HasMax && n > s.Max:
			d.violate("%s at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", d.echo(raw), path, s.Max)
		}
	case "boolean":
		b, err := strconv.ParseBool(raw)
		if err != nil {
			d.violate("%s at '%s' failed to satisfy constraint: Member must be a boolean", d.echo(raw), path)
			return
		}
		f.SetBool(b)
	case "timestamp":
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			d.violate("%s at '%s' failed to satisfy constraint: Member must be a timestamp", d.echo(raw), path)
			return
		}
		f.Set(reflect.ValueOf(t))
	default:
		d.err = fmt.Errorf("member %s: unsupported shape type %s", path, s.Type)
	}
}

// length checks min and max of a string's or list's length.
func (d *decoder) length(s *Shape, n int64, raw, path string) {
	switch {
	case s.HasMin && n < s.Min:
		d.violate("%s at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", d.echo(raw), path, s.Min)
	case s.HasMax && n > s.Max:
		d.violate("%s at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", d.echo(raw), path, s.Max)
	}
}

func (d *decoder) pattern(s *Shape, raw, path string) {
	if re := compiled(s.Pattern); re != nil && !re.MatchString(raw) {
		d.violate("%s at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", d.echo(raw), path, s.Pattern)
	}
}

func (d *decoder) enum(s *Shape, raw, path string) {
	if len(s.Enum) == 0 {
		return
	}
	for _, e := range s.Enum {
		if e == raw {
			return
		}
	}
	d.violate("%s at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", d.echo(raw), path, strings.Join(s.Enum, ", "))
}

// echo is how a violation names the value: STS quotes it, IAM does not.
func (d *decoder) echo(raw string) string {
	if d.m.EchoValues {
		return "Value '" + raw + "'"
	}
	return "Value"
}

func (d *decoder) violate(format string, args ...any) {
	d.violations = append(d.violations, fmt.Sprintf(format, args...))
}

var patterns sync.Map // pattern → *regexp.Regexp, or nil when RE2 cannot express it

// compiled returns the anchored regexp of a model pattern, or nil for the
// patterns written with \u escapes (Java syntax, full Unicode ranges) that
// Ferry does not check.
func compiled(p string) *regexp.Regexp {
	if p == "" || strings.Contains(p, `\u`) {
		return nil
	}
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		re = nil
	}
	patterns.Store(p, re)
	return re
}

func goName(member string) string {
	return strings.ToUpper(member[:1]) + member[1:]
}

func lowerFirst(s string) string {
	return strings.ToLower(s[:1]) + s[1:]
}
