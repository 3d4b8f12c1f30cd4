package replication

import (
	"fmt"
	"strings"
	"testing"
)

// rule builds a V2 rule to destination dst with a filter and options.
func rule(id string, priority int, dst, filter, opts string) string {
	dmr := "Disabled"
	if strings.Contains(opts, "dm") {
		dmr = "Enabled"
	}
	status := "Enabled"
	if strings.Contains(opts, "off") {
		status = "Disabled"
	}
	ssc := ""
	if strings.Contains(opts, "kms") {
		ssc += "<SseKmsEncryptedObjects><Status>Enabled</Status></SseKmsEncryptedObjects>"
	}
	if strings.Contains(opts, "mods") {
		ssc += "<ReplicaModifications><Status>Enabled</Status></ReplicaModifications>"
	}
	if ssc != "" {
		ssc = "<SourceSelectionCriteria>" + ssc + "</SourceSelectionCriteria>"
	}
	enc := ""
	if strings.Contains(opts, "kms") {
		enc = "<EncryptionConfiguration><ReplicaKmsKeyID>arn:aws:kms:us-west-2:222222222222:key/k</ReplicaKmsKeyID></EncryptionConfiguration>"
	}
	return fmt.Sprintf("<Rule><ID>%s</ID><Priority>%d</Priority><Filter>%s</Filter><Status>%s</Status>%s"+
		"<Destination><Bucket>arn:aws:s3:::%s</Bucket>%s</Destination><DeleteMarkerReplication><Status>%s</Status></DeleteMarkerReplication></Rule>",
		id, priority, filter, status, ssc, dst, enc, dmr)
}

func mustConfig(t *testing.T, rules ...string) *Configuration {
	t.Helper()
	c, err := Parse([]byte(doc(rules...)))
	if err == nil {
		err = c.Validate("src")
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// targets renders Match's answer as "bucket:ruleID" items.
func targets(c *Configuration, op Op, o Object) string {
	var out []string
	for _, t := range c.Match(op, o) {
		out = append(out, t.Bucket+":"+t.Rule.ID)
	}
	return strings.Join(out, ",")
}

const prod = "<Tag><Key>env</Key><Value>prod</Value></Tag>"

func TestMatch(t *testing.T) {
	// §14 scenario 17: star (1, STANDARD) and starship (2, STANDARD_IA).
	star := mustConfig(t,
		strings.Replace(rule("star", 1, "dst", "<Prefix>star</Prefix>", ""), "</Bucket>", "</Bucket><StorageClass>STANDARD</StorageClass>", 1),
		strings.Replace(rule("starship", 2, "dst", "<Prefix>starship</Prefix>", ""), "</Bucket>", "</Bucket><StorageClass>STANDARD_IA</StorageClass>", 1))
	multi := mustConfig(t,
		rule("all-a", 1, "dst-a", "", "dm"),
		rule("tax-b", 2, "dst-b", "<Prefix>Tax</Prefix>", "dm"),
		rule("prod-c", 3, "dst-c", prod, ""),
		rule("and-c", 4, "dst-c", "<And><Prefix>Tax/</Prefix>"+prod+"<Tag><Key>team</Key><Value>x</Value></Tag></And>", ""),
		rule("off-d", 5, "dst-d", "", "off"))
	kms := mustConfig(t,
		rule("plain", 2, "dst", "", ""),
		rule("kms", 1, "dst", "", "kms"))
	markers := mustConfig(t,
		rule("low-dm", 1, "dst", "<Prefix>a</Prefix>", "dm"),
		rule("high-nodm", 2, "dst", "<Prefix>ab</Prefix>", ""),
		rule("tag-rule", 3, "dst2", prod, ""))
	v1 := mustConfig(t, v1("a", "logs/", "dst", ""), v1("b", "", "dst", ""))
	mods := mustConfig(t,
		rule("back", 1, "dst", "", "mods"),
		rule("other", 2, "dst2", "", ""))
	disabled := mustConfig(t,
		rule("high-off", 2, "dst", "", "off"),
		rule("low-on", 1, "dst", "", ""))

	tags := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		c    *Configuration
		op   Op
		o    Object
		want string
	}{
		{"starship wins on priority", star, OpPut, Object{Key: "starship-x"}, "dst:starship"},
		{"star alone", star, OpPut, Object{Key: "start"}, "dst:star"},
		{"no rule matches", star, OpPut, Object{Key: "moon"}, ""},
		{"prefix is a byte prefix", multi, OpPut, Object{Key: "Taxes.pdf"}, "dst-a:all-a,dst-b:tax-b"},
		{"several destinations", multi, OpPut, Object{Key: "Tax/1", Tags: tags("env", "prod")}, "dst-a:all-a,dst-b:tax-b,dst-c:prod-c"},
		{"And needs every tag", multi, OpPut, Object{Key: "Tax/1", Tags: tags("env", "prod", "team", "x")}, "dst-a:all-a,dst-b:tax-b,dst-c:and-c"},
		{"tag value must be equal", multi, OpPut, Object{Key: "x", Tags: tags("env", "dev")}, "dst-a:all-a"},
		{"Disabled rule does nothing", multi, OpPut, Object{Key: "x"}, "dst-a:all-a"},
		{"[Inf] Disabled rule does not shadow", disabled, OpPut, Object{Key: "x"}, "dst:low-on"},
		{"GLACIER not replicated", multi, OpPut, Object{Key: "x", StorageClass: "GLACIER"}, ""},
		{"DEEP_ARCHIVE not replicated", multi, OpPut, Object{Key: "x", StorageClass: "DEEP_ARCHIVE"}, ""},
		{"GLACIER_IR replicated", multi, OpPut, Object{Key: "x", StorageClass: "GLACIER_IR"}, "dst-a:all-a"},
		{"SSE-KMS needs the opt-in", multi, OpPut, Object{Key: "x", KMSEncrypted: true}, ""},
		{"[Inf] SSE-KMS takes the opted-in rule below", kms, OpPut, Object{Key: "x", KMSEncrypted: true}, "dst:kms"},
		{"plain object takes the higher rule", kms, OpPut, Object{Key: "x"}, "dst:plain"},
		{"replica never replicated", multi, OpPut, Object{Key: "x", Replica: true}, ""},
		{"version delete never", multi, OpVersionDelete, Object{Key: "x"}, ""},
		{"lifecycle marker never", multi, OpLifecycleDeleteMarker, Object{Key: "x"}, ""},
		{"V2 marker with DeleteMarkerReplication", multi, OpDeleteMarker, Object{Key: "Tax/1"}, "dst-a:all-a,dst-b:tax-b"},
		{"V2 marker ignores tags", multi, OpDeleteMarker, Object{Key: "Tax/1", Tags: tags("env", "prod")}, "dst-a:all-a,dst-b:tax-b"},
		{"V2 marker under a lower rule", markers, OpDeleteMarker, Object{Key: "a1"}, "dst:low-dm"},
		{"[Inf] V2 marker: the winner's Disabled decides", markers, OpDeleteMarker, Object{Key: "ab1"}, ""},
		{"V2 marker of a KMS object", multi, OpDeleteMarker, Object{Key: "x", KMSEncrypted: true}, "dst-a:all-a"},
		{"replicated marker not again", multi, OpDeleteMarker, Object{Key: "x", Replica: true}, ""},
		{"V1 object", v1, OpPut, Object{Key: "logs/1"}, "dst:a"},
		{"V1 marker always", v1, OpDeleteMarker, Object{Key: "x"}, "dst:b"},
		{"V1 version delete never", v1, OpVersionDelete, Object{Key: "x"}, ""},
		{"metadata on original", mods, OpMetadata, Object{Key: "x"}, "dst:back,dst2:other"},
		{"metadata on replica needs ReplicaModifications", mods, OpMetadata, Object{Key: "x", Replica: true}, "dst:back"},
		{"nil configuration", nil, OpPut, Object{Key: "x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := targets(tt.c, tt.op, tt.o); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTargetStorageClass(t *testing.T) {
	c := mustConfig(t,
		strings.Replace(rule("ia", 1, "dst", "", ""), "</Bucket>", "</Bucket><StorageClass>STANDARD_IA</StorageClass>", 1),
		rule("keep", 2, "dst2", "", ""))
	ts := c.Match(OpPut, Object{Key: "k", StorageClass: "ONEZONE_IA"})
	if len(ts) != 2 || ts[0].StorageClass("ONEZONE_IA") != "STANDARD_IA" || ts[1].StorageClass("ONEZONE_IA") != "ONEZONE_IA" || ts[1].StorageClass("") != "STANDARD" {
		t.Fatalf("storage classes wrong: %+v", ts)
	}
}

// TestWalkthroughMatch is scenario.md's step 7: an SSE-KMS object under
// Tax/ goes to B's bucket, encrypted with Kd, owned by B, as STANDARD_IA.
func TestWalkthroughMatch(t *testing.T) {
	c, err := Parse([]byte(walkthrough))
	if err != nil {
		t.Fatal(err)
	}
	ts := c.Match(OpPut, Object{Key: "Tax/2026.pdf", KMSEncrypted: true})
	if len(ts) != 1 || ts[0].Bucket != "dst" {
		t.Fatalf("targets: %+v", ts)
	}
	d := ts[0].Rule.Destination
	if d.ReplicaKmsKeyID() != "arn:aws:kms:us-west-2:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab" ||
		!d.OwnerOverride() || d.Account != "222222222222" || ts[0].StorageClass("STANDARD") != "STANDARD_IA" {
		t.Fatalf("destination: %+v", d)
	}
	if got := c.Match(OpPut, Object{Key: "Other/b.txt"}); len(got) != 0 {
		t.Fatalf("Other/ replicated: %+v", got)
	}
	if got := c.Match(OpDeleteMarker, Object{Key: "Tax/2026.pdf"}); len(got) != 1 {
		t.Fatalf("marker not replicated: %+v", got)
	}
}
