package s3

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// versionFormat1 opens a version record stored as an envelope: the format
// byte, the length of the JSON attributes as a uvarint, the JSON attributes,
// then the bytes of the inline segments in order. Keeping object bytes out of
// the JSON means no base64, no JSON scan of the data on every GET, smaller
// rows, and listings that never touch the bytes. A record that begins with
// '{' is plain JSON (the inline bytes base64 inside).
const versionFormat1 = 0x01

// versionAttrs is a Version whose inline segments carry only their size:
// the bytes travel in the record's tail.
type versionAttrs Version

// encodeVersion encodes v as a version record.
func encodeVersion(v *Version) []byte {
	segs := v.Data
	tail := 0
	stripped := make([]Segment, len(segs))
	for i, sg := range segs {
		stripped[i] = sg
		if sg.Inline != nil {
			stripped[i].Inline = nil
			if sg.Stored == 0 {
				stripped[i].Size = int64(len(sg.Inline))
			}
			tail += len(sg.Inline)
		}
	}
	attrs := versionAttrs(*v)
	attrs.Data = stripped
	js, err := json.Marshal(&attrs)
	if err != nil {
		panic(fmt.Sprintf("s3: encode version: %v", err)) // records are plain data
	}
	out := make([]byte, 0, 1+binary.MaxVarintLen64+len(js)+tail)
	out = append(out, versionFormat1)
	out = binary.AppendUvarint(out, uint64(len(js)))
	out = append(out, js...)
	for _, sg := range segs {
		out = append(out, sg.Inline...)
	}
	return out
}

// decodeVersion decodes a version record into v. With withData false the
// inline bytes are left out (listings need only the attributes); otherwise
// they are copied, so raw may be reused by the caller.
func decodeVersion(raw []byte, v *Version, withData bool) error {
	if len(raw) == 0 || raw[0] != versionFormat1 {
		return decode(raw, v)
	}
	n, w := binary.Uvarint(raw[1:])
	if w <= 0 || n > uint64(len(raw)-1-w) {
		return fmt.Errorf("s3: decode version: bad envelope")
	}
	js, tail := raw[1+w:1+w+int(n)], raw[1+w+int(n):]
	if err := json.Unmarshal(js, (*versionAttrs)(v)); err != nil {
		return fmt.Errorf("s3: decode version: %w", err)
	}
	if !withData {
		return nil
	}
	var data []byte
	for i := range v.Data {
		sg := &v.Data[i]
		if sg.Blob != "" || sg.Size == 0 {
			continue
		}
		n := sg.storedSize()
		if int64(len(tail)) < n {
			return fmt.Errorf("s3: decode version: inline data truncated")
		}
		if data == nil {
			data = make([]byte, len(tail))
			copy(data, tail)
			tail = data
		}
		sg.Inline, tail = tail[:n:n], tail[n:]
	}
	if len(tail) != 0 {
		return fmt.Errorf("s3: decode version: %d stray bytes after inline data", len(tail))
	}
	return nil
}
