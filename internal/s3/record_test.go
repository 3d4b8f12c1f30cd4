package s3

import (
	"bytes"
	"testing"
	"time"
)

func TestVersionRecordRoundTrip(t *testing.T) {
	v := &Version{
		Key: "k", VersionID: "v1", Seq: 7, LastModified: time.Unix(100, 0).UTC(), Size: 9, ETag: "e",
		Metadata: map[string]string{"a": "b"},
		Data: []Segment{
			{Size: 4, Inline: []byte("abcd"), CRC: 1},
			{Size: 10, Blob: "blobname"},
			{Size: 0, Inline: []byte{}},
			{Size: 5, Inline: []byte("efghi"), CRC: 2},
		},
	}
	raw := encodeVersion(v)
	tests := []struct {
		name     string
		raw      []byte
		withData bool
		inline   []string
	}{
		{"envelope with data", raw, true, []string{"abcd", "", "", "efghi"}},
		{"envelope attributes only", raw, false, []string{"", "", "", ""}},
		{"legacy JSON", encode(v), true, []string{"abcd", "", "", "efghi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Version
			if err := decodeVersion(tt.raw, &got, tt.withData); err != nil {
				t.Fatal(err)
			}
			if got.Key != "k" || got.Seq != 7 || got.Metadata["a"] != "b" || len(got.Data) != 4 {
				t.Fatalf("attributes lost: %+v", got)
			}
			for i, want := range tt.inline {
				if string(got.Data[i].Inline) != want {
					t.Errorf("segment %d inline %q, want %q", i, got.Data[i].Inline, want)
				}
			}
			if got.Data[1].Blob != "blobname" || got.Data[3].CRC != 2 {
				t.Errorf("segment attributes lost: %+v", got.Data)
			}
		})
	}
}

func TestVersionRecordCopiesData(t *testing.T) {
	raw := encodeVersion(&Version{Key: "k", Data: []Segment{{Size: 3, Inline: []byte("xyz")}}})
	var v Version
	if err := decodeVersion(raw, &v, true); err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		raw[i] = 0
	}
	if !bytes.Equal(v.Data[0].Inline, []byte("xyz")) {
		t.Fatalf("decoded data aliases the record: %q", v.Data[0].Inline)
	}
}

func TestVersionRecordDamaged(t *testing.T) {
	raw := encodeVersion(&Version{Key: "k", Data: []Segment{{Size: 3, Inline: []byte("xyz")}}})
	for _, bad := range [][]byte{
		raw[:len(raw)-1],                     // inline bytes cut short
		append(raw[:len(raw):len(raw)], 'q'), // stray byte
		{versionFormat1, 0xff},               // bad length
		{versionFormat1, 50, '{'},            // length past the end
	} {
		var v Version
		if err := decodeVersion(bad, &v, true); err == nil {
			t.Errorf("decodeVersion(%q) succeeded", bad)
		}
	}
}

func BenchmarkDecodeVersion4KiB(b *testing.B) {
	v := &Version{Key: "bench/object", VersionID: NewVersionID(1), Seq: 1, Size: 4096, ETag: "0123456789abcdef0123456789abcdef",
		LastModified: time.Now().UTC(), Data: []Segment{{Size: 4096, Inline: make([]byte, 4096)}}}
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"envelope", encodeVersion(v)}, {"json", encode(v)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var got Version
				if err := decodeVersion(c.raw, &got, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
