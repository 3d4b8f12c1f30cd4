package s3

import (
	"context"
	"fmt"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"

	"github.com/ferrystore/ferry/internal/aws"
)

// trickyKeys sort in surprising ways: "a/" against "a-" and "a0", prefixes
// of each other, multi-byte runes, '%', spaces and 0xFF-adjacent runes.
var trickyKeys = []string{
	"a", "a/", "a/b", "a/b/c", "a/b/c/d", "a/c", "a0", "a-", "a-/x", "a.b", "a b", "a%2Fb", "%",
	"b", "b/", "b//c", "é", "é/ü", "日本/語", "z\u007f", "\U0010ffff/x", "~", "a/\U0001F600",
}

// seedTricky writes the tricky keys with history: some overwritten, some
// deleted (delete marker current), some deleted and then rewritten.
func seedTricky(t tb) *world {
	w := newWorld(t, versioningOn)
	for i, k := range trickyKeys {
		w.put(k, false)
		switch i % 4 {
		case 1:
			w.put(k, false)
		case 2:
			w.put(k, true)
		case 3:
			w.put(k, true)
			w.put(k, false)
		}
	}
	w.setVersioning(versioningOff)
	w.put("a/b", false) // a null version on top of versioned history
	w.put("nul", false)
	return w
}

func TestListCurrentMatchesModel(t *testing.T) {
	w := seedTricky(t)
	tests := []struct {
		prefix, delimiter, startAfter string
	}{
		{"", "", ""}, {"", "/", ""}, {"a", "/", ""}, {"a/", "/", ""}, {"a/b", "/", ""},
		{"", "-", ""}, {"", "b", ""}, {"", "//", ""}, {"", "/", "a/"}, {"", "/", "a/b"},
		{"", "/", "a"}, {"", "", "a/b/c"}, {"a/", "", "a"}, {"a/", "", "zzz"}, {"é", "/", ""},
		{"", "é", ""}, {"x", "/", ""}, {"", "a", ""}, {"", "/", "\U0010ffff"}, {"b/", "/", ""},
	}
	for _, tt := range tests {
		for _, max := range []int{1, 2, 3, 7, 1000} {
			t.Run(fmt.Sprintf("%q/%q/%q/%d", tt.prefix, tt.delimiter, tt.startAfter, max), func(t *testing.T) {
				got, err := w.listV2All(tt.prefix, tt.delimiter, tt.startAfter, max)
				if err != nil {
					t.Fatal(err)
				}
				if want := w.modelCurrent(tt.prefix, tt.delimiter, tt.startAfter); !sameEntries(got, want) {
					t.Fatalf("got  %v\nwant %v", got, want)
				}
			})
		}
	}
}

func TestListVersionsMatchesModel(t *testing.T) {
	w := seedTricky(t)
	tests := []struct{ prefix, delimiter string }{
		{"", ""}, {"", "/"}, {"a", "/"}, {"a/", "/"}, {"", "-"}, {"b", ""}, {"é", "/"}, {"zz", ""},
	}
	for _, tt := range tests {
		for _, max := range []int{1, 2, 5, 1000} {
			t.Run(fmt.Sprintf("%q/%q/%d", tt.prefix, tt.delimiter, max), func(t *testing.T) {
				got, err := w.listVersionsAll(tt.prefix, tt.delimiter, max)
				if err != nil {
					t.Fatal(err)
				}
				if want := w.modelVersions(tt.prefix, tt.delimiter, "", nil); !sameEntries(got, want) {
					t.Fatalf("got  %v\nwant %v", got, want)
				}
			})
		}
	}
}

func TestListObjectsV1Marker(t *testing.T) {
	w := seedTricky(t)
	ctx := context.Background()
	for _, delim := range []string{"", "/"} {
		var all []entry
		in := ListObjectsInput{Bucket: w.b.Name, Delimiter: delim, MaxKeys: 2}
		for {
			out, err := w.s.ListObjects(ctx, testOwner, in)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, currentEntries(out)...)
			if !out.IsTruncated {
				break
			}
			in.Marker = out.Last
		}
		if want := w.modelCurrent("", delim, ""); !sameEntries(all, want) {
			t.Fatalf("delimiter %q: got %v\nwant %v", delim, all, want)
		}
	}
}

func TestListEdgeCases(t *testing.T) {
	w := seedTricky(t)
	ctx := context.Background()
	out, err := w.s.ListObjectsV2(ctx, testOwner, ListObjectsV2Input{Bucket: w.b.Name, MaxKeys: 0})
	if err != nil || out.IsTruncated || len(out.Objects)+len(out.CommonPrefixes) != 0 {
		t.Fatalf("max-keys 0: %+v %v", out, err)
	}
	bad := []string{"", "x", encodeToken("a")[1:], "AAAA"}
	for _, tok := range bad {
		tok := tok
		_, err := w.s.ListObjectsV2(ctx, testOwner, ListObjectsV2Input{Bucket: w.b.Name, MaxKeys: 5, ContinuationToken: &tok})
		if !aws.IsCode(err, "InvalidArgument") {
			t.Errorf("token %q: %v", tok, err)
		}
	}
	tok := encodeToken("a/")
	out, err = w.s.ListObjectsV2(ctx, testOwner, ListObjectsV2Input{Bucket: w.b.Name, Delimiter: "/", StartAfter: "zzzz", MaxKeys: 1, ContinuationToken: &tok})
	if err != nil || len(out.Objects) != 1 || out.Objects[0].Key != "b" {
		t.Fatalf("token must win over start-after: %+v %v", out, err)
	}
	other := aws.Principal{Type: aws.PrincipalRoot, Account: "222222222222"}
	if _, err := w.s.ListObjectsV2(ctx, other, ListObjectsV2Input{Bucket: w.b.Name, MaxKeys: 5}); !aws.IsCode(err, "AccessDenied") {
		t.Fatalf("other account: %v", err)
	}
	if _, err := w.s.ListObjectVersions(ctx, aws.Anonymous, ListObjectVersionsInput{Bucket: w.b.Name, MaxKeys: 5}); !aws.IsCode(err, "AccessDenied") {
		t.Fatalf("anonymous: %v", err)
	}
	if _, err := w.s.ListObjects(ctx, testOwner, ListObjectsInput{Bucket: "nope", MaxKeys: 5}); !aws.IsCode(err, "NoSuchBucket") {
		t.Fatalf("missing bucket: %v", err)
	}
}

func TestListVersionMarkers(t *testing.T) {
	w := seedTricky(t)
	ctx := context.Background()
	str := func(s string) *string { return &s }
	tests := []struct {
		name, keyMarker string
		vid             *string
		wantMsg         string
	}{
		{"without key marker", "", str("null"), "A version-id marker cannot be specified without a key marker."},
		{"empty", "a", str(""), "A version-id marker cannot be empty."},
		{"malformed", "a", str("xyz"), "Invalid version id specified"},
		{"null", "a/b", str("null"), ""},
		{"real", "a", str(w.rows["a"][0].vid), ""},
		{"key only", "a/b", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ListObjectVersionsInput{Bucket: w.b.Name, KeyMarker: tt.keyMarker, VersionIDMarker: tt.vid, MaxKeys: 1000}
			out, err := w.s.ListObjectVersions(ctx, testOwner, in)
			if tt.wantMsg != "" {
				e, ok := aws.As(err)
				if !ok || e.Message != tt.wantMsg || e.Field("ArgumentName") != "version-id-marker" {
					t.Fatalf("got %v, want %q", err, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := w.modelVersions("", "", tt.keyMarker, tt.vid)
			if got := versionEntries(out); !sameEntries(got, want) {
				t.Fatalf("got  %v\nwant %v", got, want)
			}
		})
	}
}

// keyGen draws keys from a small alphabet so that prefixes, delimiters and
// shared stems collide often.
func keyGen() *rapid.Generator[string] {
	return rapid.StringOfN(rapid.SampledFrom([]rune{'a', 'b', '/', '-', '0', 'é', '%', ' '}), 1, 5, -1)
}

func TestListProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := newWorld(rt, rapid.SampledFrom([]string{"", versioningOn}).Draw(rt, "versioning"))
		keys := rapid.SliceOfN(keyGen(), 0, 25).Draw(rt, "keys")
		for _, k := range keys {
			w.put(k, rapid.IntRange(0, 3).Draw(rt, "dm") == 0)
		}
		prefix := rapid.StringOfN(rapid.SampledFrom([]rune{'a', 'b', '/'}), 0, 2, -1).Draw(rt, "prefix")
		delim := rapid.SampledFrom([]string{"", "/", "-", "a", "//", "é"}).Draw(rt, "delimiter")
		startAfter := rapid.SampledFrom([]string{"", "a", "a/", "b", "a/b"}).Draw(rt, "startAfter")
		max := rapid.IntRange(1, 6).Draw(rt, "max")
		got, err := w.listV2All(prefix, delim, startAfter, max)
		if err != nil {
			rt.Fatal(err)
		}
		if want := w.modelCurrent(prefix, delim, startAfter); !sameEntries(got, want) {
			rt.Fatalf("current: got %v\nwant %v", got, want)
		}
		gotV, err := w.listVersionsAll(prefix, delim, max)
		if err != nil {
			rt.Fatal(err)
		}
		if want := w.modelVersions(prefix, delim, "", nil); !sameEntries(gotV, want) {
			rt.Fatalf("versions: got %v\nwant %v", gotV, want)
		}
	})
}

func FuzzListV2(f *testing.F) {
	f.Add("", "/", "", 2)
	f.Add("a", "-", "a/", 1)
	f.Add("é", "é", "\xff", 3)
	f.Add("a/b", "//", "a", 1000)
	w := seedTricky(f)
	f.Fuzz(func(t *testing.T, prefix, delimiter, startAfter string, max int) {
		if !utf8.ValidString(prefix + delimiter + startAfter) {
			t.Skip("S3 keys and parameters are UTF-8")
		}
		max = max%1000 + 1
		if max <= 0 {
			max += 1000
		}
		got, err := w.listV2All(prefix, delimiter, startAfter, max)
		if err != nil {
			t.Fatal(err)
		}
		if want := w.modelCurrent(prefix, delimiter, startAfter); !sameEntries(got, want) {
			t.Fatalf("got  %v\nwant %v", got, want)
		}
	})
}
