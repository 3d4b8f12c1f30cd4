package meta

import (
	"bytes"
	"math"
	"testing"
)

func TestKeyEncoding(t *testing.T) {
	tests := []struct {
		name string
		key  Key
		want []byte
	}{
		{"table only", NewKey(7), []byte{7}},
		{"empty string", NewKey(1).String(""), []byte{1, 0, 1}},
		{"plain string", NewKey(1).String("ab"), []byte{1, 'a', 'b', 0, 1}},
		{"escaped zero", NewKey(1).String("a\x00b"), []byte{1, 'a', 0, 0xFF, 'b', 0, 1}},
		{"0xFF kept", NewKey(1).String("\xff"), []byte{1, 0xFF, 0, 1}},
		{"raw has no terminator", NewKey(1).Raw("a\x00"), []byte{1, 'a', 0, 0xFF}},
		{"uint64", NewKey(2).Uint64(0x0102030405060708), []byte{2, 1, 2, 3, 4, 5, 6, 7, 8}},
		{"bytes", NewKey(3).String("k").Bytes([]byte{0, 0xFF}), []byte{3, 'k', 0, 1, 0, 0xFF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Equal(tt.key, tt.want) {
				t.Fatalf("got % x, want % x", []byte(tt.key), tt.want)
			}
		})
	}
}

func TestKeyOrder(t *testing.T) {
	// Each key must sort strictly before the next one.
	ordered := []Key{
		NewKey(1).String(""),
		NewKey(1).String("").String("z"),
		NewKey(1).String("a"),
		NewKey(1).String("a").String(""),
		NewKey(1).String("a").String("b"),
		NewKey(1).String("a\x00"),
		NewKey(1).String("a\x00\x00"),
		NewKey(1).String("a\x00\x01"),
		NewKey(1).String("a\x01"),
		NewKey(1).String("ab"),
		NewKey(1).String("a\xff"),
		NewKey(1).String("b").Uint64(0),
		NewKey(1).String("b").Uint64(1),
		NewKey(1).String("b").Uint64(256),
		NewKey(1).String("b").Uint64(math.MaxUint64),
		NewKey(2),
	}
	for i := 1; i < len(ordered); i++ {
		if bytes.Compare(ordered[i-1], ordered[i]) >= 0 {
			t.Errorf("key %d (% x) does not sort before key %d (% x)", i-1, []byte(ordered[i-1]), i, []byte(ordered[i]))
		}
	}
}

func TestKeyPrefixSharing(t *testing.T) {
	p := NewKey(1).String("bucket")
	a := p.String("a")
	b := p.String("bb")
	c := p.Uint64(9)
	d := p.Raw("x")
	e := p.Bytes([]byte("zz"))
	if string(a) != "\x01bucket\x00\x01a\x00\x01" {
		t.Errorf("a was clobbered: %q", a)
	}
	if string(b) != "\x01bucket\x00\x01bb\x00\x01" {
		t.Errorf("b was clobbered: %q", b)
	}
	if string(c) != "\x01bucket\x00\x01\x00\x00\x00\x00\x00\x00\x00\x09" {
		t.Errorf("c was clobbered: %q", c)
	}
	if string(d) != "\x01bucket\x00\x01x" || string(e) != "\x01bucket\x00\x01zz" {
		t.Errorf("d or e was clobbered: %q %q", d, e)
	}
	// Appending to a returned key must not clobber a sibling either.
	_ = append(a, 'q')
	if string(b) != "\x01bucket\x00\x01bb\x00\x01" {
		t.Errorf("append to a clobbered b: %q", b)
	}
}

func TestReadString(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		want     string
		wantRest []byte
		ok       bool
	}{
		{"empty", []byte{0, 1}, "", []byte{}, true},
		{"plain with rest", []byte{'a', 0, 1, 'x'}, "a", []byte{'x'}, true},
		{"escaped", []byte{0, 0xFF, 0, 0xFF, 0, 1}, "\x00\x00", []byte{}, true},
		{"unterminated", []byte{'a'}, "", nil, false},
		{"dangling zero", []byte{'a', 0}, "", nil, false},
		{"bad escape", []byte{'a', 0, 2}, "", nil, false},
		{"nothing", nil, "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rest, ok := ReadString(tt.in)
			if ok != tt.ok || s != tt.want || (ok && !bytes.Equal(rest, tt.wantRest)) {
				t.Fatalf("ReadString(% x) = %q, % x, %v; want %q, % x, %v", tt.in, s, rest, ok, tt.want, tt.wantRest, tt.ok)
			}
		})
	}
}

func TestReadUint64(t *testing.T) {
	k := NewKey(0).Uint64(42).String("t")
	v, rest, ok := ReadUint64(k[1:])
	if !ok || v != 42 || string(rest) != "t\x00\x01" {
		t.Fatalf("ReadUint64 = %d, %q, %v", v, rest, ok)
	}
	if _, _, ok := ReadUint64([]byte{1, 2, 3}); ok {
		t.Fatal("ReadUint64 accepted a short input")
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		in, want []byte
	}{
		{[]byte("ab"), []byte("ac")},
		{[]byte{'a', 0xFF}, []byte{'b'}},
		{[]byte{0xFF, 0xFF}, nil},
		{nil, nil},
	}
	for _, tt := range tests {
		if got := PrefixEnd(tt.in); !bytes.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("PrefixEnd(% x) = % x, want % x", tt.in, got, tt.want)
		}
	}
	// The input must not be modified.
	in := []byte{'a', 'b'}
	PrefixEnd(in)
	if string(in) != "ab" {
		t.Errorf("PrefixEnd modified its input: %q", in)
	}
}

// compareTuples orders string tuples part by part, a shorter tuple first
// when it is a prefix of the other.
func compareTuples(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := bytes.Compare([]byte(a[i]), []byte(b[i])); c != 0 {
			return c
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func encodeTuple(parts []string) Key {
	k := NewKey(0)
	for _, p := range parts {
		k = k.String(p)
	}
	return k
}

func FuzzKeyOrder(f *testing.F) {
	f.Add("a", "b", "a", "")
	f.Add("a\x00", "", "a", "\x01")
	f.Add("", "\x00\xff", "", "\x00")
	f.Add("x\xff", "y", "x", "\xff\x00\x01")
	f.Fuzz(func(t *testing.T, a1, a2, b1, b2 string) {
		cases := [][2][]string{
			{{a1, a2}, {b1, b2}},
			{{a1}, {b1, b2}},
			{{a1, a2}, {b1}},
			{{a1}, {b1}},
		}
		for _, c := range cases {
			ka, kb := encodeTuple(c[0]), encodeTuple(c[1])
			if got, want := bytes.Compare(ka, kb), compareTuples(c[0], c[1]); got != want {
				t.Fatalf("tuples %q vs %q: bytewise %d, tuple order %d", c[0], c[1], got, want)
			}
			for _, k := range []struct {
				enc   Key
				parts []string
			}{{ka, c[0]}, {kb, c[1]}} {
				rest := []byte(k.enc[1:])
				for _, want := range k.parts {
					s, r, ok := ReadString(rest)
					if !ok || s != want {
						t.Fatalf("ReadString of %q: got %q, %v; want %q", k.parts, s, ok, want)
					}
					rest = r
				}
				if len(rest) != 0 {
					t.Fatalf("trailing bytes after %q: % x", k.parts, rest)
				}
			}
		}
	})
}

// BenchmarkKeyEncode builds a version row key (table, bucket, object key,
// sequence number) and reads it back: the work of every object lookup.
func BenchmarkKeyEncode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		k := NewKey('V').String("my-bucket").String("photos/2026/11/23/IMG_0001.jpg").Uint64(^uint64(1234567890))
		s, rest, ok := ReadString(k[1:])
		if !ok || s != "my-bucket" {
			b.Fatal("bad key")
		}
		if _, _, ok := ReadString(rest); !ok {
			b.Fatal("bad key")
		}
	}
}

func TestMatchPrefixAndRangeInPrefix(t *testing.T) {
	prefixes := [][]byte{{'i'}, {'t'}}
	if p, ok := MatchPrefix(prefixes, []byte("tx")); !ok || string(p) != "t" {
		t.Fatalf("MatchPrefix(tx) = %q, %v", p, ok)
	}
	if _, ok := MatchPrefix(prefixes, []byte("j")); ok {
		t.Fatal("MatchPrefix(j) matched")
	}
	for _, c := range []struct {
		p, lower, upper string
		nilUpper, want  bool
	}{
		{"i", "i", "j", false, true},
		{"i", "ia", "ib", false, true},
		{"i", "i", "k", false, false},
		{"i", "i", "", true, false},
		{"i", "h", "i", false, false},
		{"", "a", "", true, true},
	} {
		var upper []byte
		if !c.nilUpper {
			upper = []byte(c.upper)
		}
		if got := RangeInPrefix([]byte(c.p), []byte(c.lower), upper); got != c.want {
			t.Errorf("RangeInPrefix(%q, %q, %q) = %v", c.p, c.lower, upper, got)
		}
	}
}
