package s3

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ferrystore/ferry/internal/meta"
)

// tb is what the seeding helpers need from testing.TB and rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// newListService returns a service over a memory store (no blobs: the
// seeded versions carry no data).
func newListService(t tb) *Service {
	t.Helper()
	return New(Config{Store: meta.NewMemory(), Regions: []string{"us-east-1"}})
}

// world is a bucket seeded through commitVersion plus a naive model of it.
type world struct {
	t    tb
	s    *Service
	b    *Bucket
	rows map[string][]modelRow // newest first
}

type modelRow struct {
	vid string
	dm  bool
}

func newWorld(t tb, versioning string) *world {
	t.Helper()
	s := newListService(t)
	b := &Bucket{Name: "bkt", Account: testOwner.Account, Region: "us-east-1", Versioning: versioning}
	batch := s.store.NewBatch()
	batch.Set(bucketKey(b.Name), encode(b))
	if err := commit(batch); err != nil {
		t.Fatal(err)
	}
	return &world{t: t, s: s, b: b, rows: map[string][]modelRow{}}
}

// put writes a version (or delete marker) the way the write path does and
// mirrors it in the model.
func (w *world) put(key string, dm bool) {
	w.t.Helper()
	unlock := w.s.lock(w.b.Name, key)
	defer unlock()
	v := &Version{Key: key, DeleteMarker: dm, Owner: w.b.Account, LastModified: w.s.clock.Now().UTC(), Size: int64(len(key)), ETag: "d41d8cd98f00b204e9800998ecf8427e"}
	if err := w.s.commitVersion(w.b, v, nil); err != nil {
		w.t.Fatalf("commit %q: %v", key, err)
	}
	rows := w.rows[key]
	if !w.b.Versioned() {
		kept := rows[:0:0]
		for _, r := range rows {
			if r.vid != nullVersionID {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	w.rows[key] = append([]modelRow{{vid: v.VersionID, dm: dm}}, rows...)
}

// setVersioning changes the bucket's state for later puts.
func (w *world) setVersioning(state string) { w.b.Versioning = state }

func (w *world) sortedKeys() []string {
	keys := make([]string, 0, len(w.rows))
	for k := range w.rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// entry is one listed item as the model sees it: a key (with version
// details for version listings) or a common prefix.
type entry struct {
	name     string
	isPrefix bool
	vid      string
	dm       bool
	latest   bool
}

func (e entry) String() string {
	if e.isPrefix {
		return fmt.Sprintf("CP(%q)", e.name)
	}
	if e.vid == "" {
		return fmt.Sprintf("K(%q)", e.name)
	}
	return fmt.Sprintf("V(%q,%s,dm=%v,latest=%v)", e.name, e.vid, e.dm, e.latest)
}

// rollUp is the model's delimiter grouping.
func rollUp(key, prefix, delimiter string) (string, bool) {
	if delimiter == "" {
		return "", false
	}
	i := strings.Index(key[len(prefix):], delimiter)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delimiter)], true
}

// group adds e to list, or its common prefix once (never the marker itself).
func group(list []entry, e entry, prefix, delimiter, marker string) []entry {
	cp, rolled := rollUp(e.name, prefix, delimiter)
	if !rolled {
		return append(list, e)
	}
	if cp == marker || len(list) > 0 && list[len(list)-1].isPrefix && list[len(list)-1].name == cp {
		return list
	}
	return append(list, entry{name: cp, isPrefix: true})
}

// modelCurrent lists all current objects after marker, unpaged.
func (w *world) modelCurrent(prefix, delimiter, marker string) []entry {
	var list []entry
	for _, k := range w.sortedKeys() {
		if !strings.HasPrefix(k, prefix) || k <= marker || w.rows[k][0].dm {
			continue
		}
		list = group(list, entry{name: k}, prefix, delimiter, marker)
	}
	return list
}

// modelVersions lists all versions after (keyMarker, vidMarker), unpaged.
func (w *world) modelVersions(prefix, delimiter, keyMarker string, vidMarker *string) []entry {
	var list []entry
	for _, k := range w.sortedKeys() {
		if !strings.HasPrefix(k, prefix) || k < keyMarker || k == keyMarker && vidMarker == nil {
			continue
		}
		rows := w.rows[k]
		start := 0
		if k == keyMarker {
			start = len(rows)
			for i, r := range rows {
				if r.vid == *vidMarker {
					start = i + 1
				}
			}
		}
		for i := start; i < len(rows); i++ {
			list = group(list, entry{name: k, vid: rows[i].vid, dm: rows[i].dm, latest: i == 0}, prefix, delimiter, keyMarker)
		}
	}
	return list
}

// listV2All follows continuation tokens to the end, checking each page's
// shape, and returns everything listed.
func (w *world) listV2All(prefix, delimiter, startAfter string, maxKeys int) ([]entry, error) {
	in := ListObjectsV2Input{Bucket: w.b.Name, Prefix: prefix, Delimiter: delimiter, StartAfter: startAfter, MaxKeys: maxKeys}
	var all []entry
	for pages := 0; ; pages++ {
		out, err := w.s.ListObjectsV2(context.Background(), testOwner, in)
		if err != nil {
			return nil, err
		}
		got := currentEntries(out.ListObjectsOutput)
		if len(got) > maxKeys || out.IsTruncated && len(got) != maxKeys {
			return nil, fmt.Errorf("page of %d entries (max %d, truncated %v)", len(got), maxKeys, out.IsTruncated)
		}
		if out.IsTruncated != (out.NextContinuationToken != "") {
			return nil, fmt.Errorf("truncated %v with token %q", out.IsTruncated, out.NextContinuationToken)
		}
		all = append(all, got...)
		if !out.IsTruncated || maxKeys == 0 {
			return all, nil
		}
		if pages > 10000 {
			return nil, fmt.Errorf("listing does not end")
		}
		tok := out.NextContinuationToken
		in.ContinuationToken = &tok
	}
}

// listVersionsAll follows key and version markers to the end.
func (w *world) listVersionsAll(prefix, delimiter string, maxKeys int) ([]entry, error) {
	in := ListObjectVersionsInput{Bucket: w.b.Name, Prefix: prefix, Delimiter: delimiter, MaxKeys: maxKeys}
	var all []entry
	for pages := 0; ; pages++ {
		out, err := w.s.ListObjectVersions(context.Background(), testOwner, in)
		if err != nil {
			return nil, err
		}
		got := versionEntries(out)
		if len(got) > maxKeys || out.IsTruncated && len(got) != maxKeys {
			return nil, fmt.Errorf("page of %d entries (max %d, truncated %v)", len(got), maxKeys, out.IsTruncated)
		}
		all = append(all, got...)
		if !out.IsTruncated || maxKeys == 0 {
			return all, nil
		}
		if pages > 10000 {
			return nil, fmt.Errorf("listing does not end")
		}
		in.KeyMarker, in.VersionIDMarker = out.NextKeyMarker, nil
		if out.NextVersionIDMarker != "" {
			vid := out.NextVersionIDMarker
			in.VersionIDMarker = &vid
		}
	}
}

// currentEntries merges a page's objects and prefixes in key order.
func currentEntries(out ListObjectsOutput) []entry {
	var list []entry
	for _, v := range out.Objects {
		list = append(list, entry{name: v.Key})
	}
	for _, p := range out.CommonPrefixes {
		list = append(list, entry{name: p, isPrefix: true})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].name < list[j].name })
	return list
}

// versionEntries merges a versions page with its prefixes in key order.
func versionEntries(out ListObjectVersionsOutput) []entry {
	var list []entry
	for _, v := range out.Versions {
		list = append(list, entry{name: v.Key, vid: v.VersionID, dm: v.DeleteMarker, latest: v.IsLatest})
	}
	for _, p := range out.CommonPrefixes {
		list = append(list, entry{name: p, isPrefix: true})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].name < list[j].name })
	return list
}

func sameEntries(a, b []entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
