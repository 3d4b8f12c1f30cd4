package s3api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// putAll writes keys concurrently with small bodies.
func (o *objTest) putAll(t *testing.T, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	work := make(chan string)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				_, err := o.c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(k), Body: strings.NewReader(k)})
				if err != nil {
					t.Errorf("put %q: %v", k, err)
				}
			}
		}()
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
}

func TestListObjectsV2Paginator(t *testing.T) {
	o := newObjTest(t, "pages")
	var keys []string
	for i := 0; i < 2500; i++ {
		keys = append(keys, fmt.Sprintf("dir%d/key%05d", i%3, i))
	}
	o.putAll(t, keys)
	sort.Strings(keys)
	var got []string
	pages := 0
	p := s3.NewListObjectsV2Paginator(o.c, &s3.ListObjectsV2Input{Bucket: aws.String(o.bucket)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if int(aws.ToInt32(out.KeyCount)) != len(out.Contents) || aws.ToInt32(out.MaxKeys) != 1000 {
			t.Fatalf("KeyCount %d for %d objects, MaxKeys %d", aws.ToInt32(out.KeyCount), len(out.Contents), aws.ToInt32(out.MaxKeys))
		}
		for _, obj := range out.Contents {
			got = append(got, aws.ToString(obj.Key))
			if obj.Owner != nil || aws.ToInt64(obj.Size) != int64(len(*obj.Key)) || obj.StorageClass != types.ObjectStorageClassStandard {
				t.Fatalf("object %+v", obj)
			}
		}
	}
	if pages != 3 || strings.Join(got, ",") != strings.Join(keys, ",") {
		t.Fatalf("%d pages, %d keys listed of %d", pages, len(got), len(keys))
	}
	out, err := o.c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(o.bucket), Delimiter: aws.String("/"), FetchOwner: aws.Bool(true), Prefix: aws.String("dir1/"), MaxKeys: aws.Int32(2)})
	if err != nil || len(out.Contents) != 2 || out.Contents[0].Owner == nil || aws.ToString(out.Contents[0].Owner.ID) == "" || !aws.ToBool(out.IsTruncated) {
		t.Fatalf("fetch-owner page %+v %v", out, err)
	}
}

func TestListObjectsV2Delimiter(t *testing.T) {
	o := newObjTest(t, "delim")
	o.putAll(t, []string{"a/b", "a/c/d", "b", "c/d", "c/e", "d"})
	ctx := context.Background()
	tests := []struct {
		prefix, startAfter string
		max                int32
		wantKeys, wantCPs  string
		truncated          bool
	}{
		{"", "", 1000, "b,d", "a/,c/", false},
		{"", "", 2, "b", "a/", true},
		{"", "a/", 2, "b", "c/", true},
		{"a/", "", 1000, "a/b", "a/c/", false},
		{"c", "", 1000, "", "c/", false},
		{"zz", "", 1000, "", "", false},
	}
	for _, tt := range tests {
		out, err := o.c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(o.bucket), Delimiter: aws.String("/"),
			Prefix: aws.String(tt.prefix), StartAfter: aws.String(tt.startAfter), MaxKeys: aws.Int32(tt.max)})
		if err != nil {
			t.Fatal(err)
		}
		var keys, cps []string
		for _, c := range out.Contents {
			keys = append(keys, *c.Key)
		}
		for _, c := range out.CommonPrefixes {
			cps = append(cps, *c.Prefix)
		}
		if strings.Join(keys, ",") != tt.wantKeys || strings.Join(cps, ",") != tt.wantCPs || aws.ToBool(out.IsTruncated) != tt.truncated {
			t.Errorf("%+v: keys %v prefixes %v truncated %v", tt, keys, cps, aws.ToBool(out.IsTruncated))
		}
		if int(aws.ToInt32(out.KeyCount)) != len(keys)+len(cps) {
			t.Errorf("%+v: KeyCount %d", tt, aws.ToInt32(out.KeyCount))
		}
	}
}

func TestListErrors(t *testing.T) {
	o := newObjTest(t, "errs")
	ctx := context.Background()
	tests := []struct {
		query, wantMsg string
	}{
		{"list-type=2&max-keys=abc", "Provided max-keys not an integer or within integer range"},
		{"list-type=2&max-keys=-1", "Provided max-keys not an integer or within integer range"},
		{"max-keys=99999999999", "Provided max-keys not an integer or within integer range"},
		{"list-type=2&encoding-type=xml", "Invalid Encoding Method specified in Request"},
		{"list-type=2&continuation-token=bogus", "The continuation token provided is incorrect"},
		{"versions&version-id-marker=null", "A version-id marker cannot be specified without a key marker."},
		{"versions&key-marker=a&version-id-marker=", "A version-id marker cannot be empty."},
		{"versions&key-marker=a&version-id-marker=zz", "Invalid version id specified"},
	}
	for _, tt := range tests {
		resp := rawRequest(t, o.ts, http.MethodGet, "/errs?"+tt.query)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>InvalidArgument</Code><Message>"+tt.wantMsg+"</Message>") {
			t.Errorf("%s: %d %s", tt.query, resp.StatusCode, body)
		}
	}
	b := o.ts.client("AKIDACCOUNTB", "us-east-1")
	if _, err := b.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("errs")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("other account: %v", err)
	}
	if _, err := o.c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("missing")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("missing bucket: %v", err)
	}
}

func TestListEncodingURL(t *testing.T) {
	o := newObjTest(t, "enc")
	o.putAll(t, []string{"a b.txt", "a+b.txt", "100%.csv", "한/x.txt", "run books/x", "amp&<.txt"})
	resp := rawRequest(t, o.ts, http.MethodGet, "/enc?list-type=2&encoding-type=url&delimiter=/&prefix=&start-after=0")
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		"<Prefix></Prefix><StartAfter>0</StartAfter><KeyCount>6</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>",
		"<Key>100%25.csv</Key>", "<Key>a+b.txt</Key>", "<Key>a%2Bb.txt</Key>", "<Key>amp%26%3C.txt</Key>",
		"<CommonPrefixes><Prefix>%ED%95%9C/</Prefix></CommonPrefixes>", "<CommonPrefixes><Prefix>run+books/</Prefix></CommonPrefixes>",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("missing %s in\n%s", want, body)
		}
	}
	resp = rawRequest(t, o.ts, http.MethodGet, "/enc?list-type=2&prefix=a&fetch-owner=true")
	body, _ = io.ReadAll(resp.Body)
	want := `<Contents><Key>a b.txt</Key><LastModified>`
	if !strings.Contains(string(body), want) || !strings.Contains(string(body), `<ChecksumType>FULL_OBJECT</ChecksumType><Size>7</Size><Owner><ID>`) || !strings.Contains(string(body), `</ID></Owner><StorageClass>STANDARD</StorageClass></Contents>`) {
		t.Errorf("unexpected shape\n%s", body)
	}
}

func TestListObjectsV1Marker(t *testing.T) {
	o := newObjTest(t, "list-v1")
	o.putAll(t, []string{"a/1", "a/2", "b", "c/1", "d", "e/f/g"})
	ctx := context.Background()
	for _, tt := range []struct{ delim, want string }{{"", "a/1,a/2,b,c/1,d,e/f/g"}, {"/", "a/,b,c/,d,e/"}} {
		var got []string
		in := &s3.ListObjectsInput{Bucket: aws.String(o.bucket), Delimiter: aws.String(tt.delim), MaxKeys: aws.Int32(2)}
		for {
			out, err := o.c.ListObjects(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			var last string
			for _, c := range out.Contents {
				got, last = append(got, *c.Key), *c.Key
				if c.Owner == nil {
					t.Fatal("v1 always has Owner")
				}
			}
			for _, c := range out.CommonPrefixes {
				got = append(got, *c.Prefix)
			}
			sort.Strings(got)
			if (out.NextMarker != nil) != (tt.delim != "" && aws.ToBool(out.IsTruncated)) {
				t.Fatalf("NextMarker %v with delimiter %q truncated %v", out.NextMarker, tt.delim, aws.ToBool(out.IsTruncated))
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			in.Marker = aws.String(last)
			if out.NextMarker != nil {
				in.Marker = out.NextMarker
			}
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("delimiter %q: %v", tt.delim, got)
		}
	}
}

func TestListObjectVersions(t *testing.T) {
	o := newObjTest(t, "vers")
	ctx := context.Background()
	o.put(t, "k1", []byte("null one")) // null version, kept under history
	o.versioning(t, types.BucketVersioningStatusEnabled)
	v1 := o.put(t, "k1", []byte("one"))
	v2 := o.put(t, "k1", []byte("two"))
	del, err := o.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.bucket), Key: aws.String("k1")})
	if err != nil {
		t.Fatal(err)
	}
	v3 := o.put(t, "k2", []byte("three"))
	want := []string{
		"k1 " + *del.VersionId + " dm latest", "k1 " + *v2.VersionId + " v", "k1 " + *v1.VersionId + " v", "k1 null v", "k2 " + *v3.VersionId + " v latest",
	}
	describe := func(out *s3.ListObjectVersionsOutput) []string {
		type row struct {
			key, desc string
			at        int
		}
		var rows []row
		for _, v := range out.Versions {
			d := *v.Key + " " + *v.VersionId + " v"
			if aws.ToBool(v.IsLatest) {
				d += " latest"
			}
			rows = append(rows, row{*v.Key, d, 0})
		}
		for _, m := range out.DeleteMarkers {
			d := *m.Key + " " + *m.VersionId + " dm"
			if aws.ToBool(m.IsLatest) {
				d += " latest"
			}
			rows = append(rows, row{*m.Key, d, -1})
		}
		sort.SliceStable(rows, func(i, j int) bool {
			return rows[i].key < rows[j].key || rows[i].key == rows[j].key && rows[i].at < rows[j].at
		})
		var s []string
		for _, r := range rows {
			s = append(s, r.desc)
		}
		return s
	}
	out, err := o.c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(o.bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(out); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	var paged []string
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(o.bucket), MaxKeys: aws.Int32(2)}
	for {
		out, err := o.c.ListObjectVersions(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, describe(out)...)
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	// Within one page, a delete marker and versions of one key keep their
	// order only through the raw XML; across pages, compare as sets of rows.
	sort.Strings(paged)
	sorted := append([]string(nil), want...)
	sort.Strings(sorted)
	if strings.Join(paged, "|") != strings.Join(sorted, "|") {
		t.Fatalf("paged %v\nwant %v", paged, sorted)
	}
	resp := rawRequest(t, o.ts, http.MethodGet, "/vers?versions&max-keys=2")
	body, _ := io.ReadAll(resp.Body)
	shape := "<ListVersionsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>vers</Name><Prefix></Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><NextKeyMarker>k1</NextKeyMarker><NextVersionIdMarker>" + *v2.VersionId + "</NextVersionIdMarker><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated><DeleteMarker><Key>k1</Key><VersionId>" + *del.VersionId + "</VersionId><IsLatest>true</IsLatest><LastModified>"
	if !strings.Contains(string(body), shape) || !strings.Contains(string(body), "</DeleteMarker><Version><Key>k1</Key><VersionId>"+*v2.VersionId+"</VersionId><IsLatest>false</IsLatest>") {
		t.Fatalf("unexpected shape\n%s", body)
	}
}
