package meta

import (
	"bytes"
	"encoding/binary"
)

// Key builds order-preserving composite keys: comparing two encoded keys
// bytewise orders them as their parts, part by part. Strings are escaped
// (0x00 → 0x00 0xFF) and terminated by 0x00 0x01, so a string sorts before
// any longer string that extends it; integers are big-endian.
//
// Every method returns a new key that shares no memory with its receiver,
// so one prefix can safely be extended in several ways:
//
//	p := NewKey(t).String(bucket)
//	a, b := p.String("x"), p.String("y") // a is not overwritten by b
type Key []byte

// extend returns a copy of k with room for n more bytes; the copy never
// aliases k, so appending to it cannot clobber a key derived from k earlier.
func (k Key) extend(n int) Key {
	out := make(Key, len(k), len(k)+n)
	copy(out, k)
	return out
}

// escapedLen is the length of s once its 0x00 bytes are escaped.
func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			n++
		}
	}
	return n
}

func (k Key) appendEscaped(s string) Key {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			k = append(k, 0, 0xFF)
		} else {
			k = append(k, s[i])
		}
	}
	return k
}

// NewKey starts a key with a one-byte table prefix.
func NewKey(table byte) Key { return Key{table} }

// String appends an escaped, terminated string.
func (k Key) String(s string) Key {
	return append(k.extend(escapedLen(s)+2).appendEscaped(s), 0, 1)
}

// Raw appends a string with the escaping of String but without the
// terminator: the result is a prefix of every key whose next string part
// starts with s.
func (k Key) Raw(s string) Key {
	return k.extend(escapedLen(s)).appendEscaped(s)
}

// Uint64 appends a big-endian integer.
func (k Key) Uint64(v uint64) Key { return binary.BigEndian.AppendUint64(k.extend(8), v) }

// Bytes appends raw bytes with no escaping; use it only for the last part.
func (k Key) Bytes(b []byte) Key { return append(k.extend(len(b)), b...) }

// ReadString decodes a string part from the front of b and returns the rest.
func ReadString(b []byte) (s string, rest []byte, ok bool) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != 0 {
			out = append(out, b[i])
			continue
		}
		if i+1 >= len(b) {
			return "", nil, false
		}
		switch b[i+1] {
		case 0xFF:
			out = append(out, 0)
			i++
		case 1:
			return string(out), b[i+2:], true
		default:
			return "", nil, false
		}
	}
	return "", nil, false
}

// ReadUint64 decodes a big-endian integer part.
func ReadUint64(b []byte) (v uint64, rest []byte, ok bool) {
	if len(b) < 8 {
		return 0, nil, false
	}
	return binary.BigEndian.Uint64(b), b[8:], true
}

// PrefixEnd returns the smallest key greater than every key with prefix p,
// or nil when there is none.
func PrefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// MatchPrefix returns the first of prefixes that key starts with.
func MatchPrefix(prefixes [][]byte, key []byte) ([]byte, bool) {
	for _, p := range prefixes {
		if bytes.HasPrefix(key, p) {
			return p, true
		}
	}
	return nil, false
}

// RangeInPrefix reports whether every key of [lower, upper) starts with p
// (a nil upper is unbounded).
func RangeInPrefix(p, lower, upper []byte) bool {
	if !bytes.HasPrefix(lower, p) {
		return false
	}
	end := PrefixEnd(p)
	return end == nil || (upper != nil && bytes.Compare(upper, end) <= 0)
}
