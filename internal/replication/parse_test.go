package replication

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// walkthrough is the rule of scenario.md: account A's src (R1) to account B's
// dst (R2), SSE-KMS with B's key, owner override, storage class, RTC with
// metrics and delete-marker replication.
const walkthrough = `<?xml version="1.0" encoding="UTF-8"?>
<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Role>arn:aws:iam::111111111111:role/s3-replication</Role>
  <Rule>
    <ID>kms-cross-account</ID>
    <Priority>1</Priority>
    <Filter><Prefix>Tax/</Prefix></Filter>
    <Status>Enabled</Status>
    <SourceSelectionCriteria>
      <SseKmsEncryptedObjects><Status>Enabled</Status></SseKmsEncryptedObjects>
    </SourceSelectionCriteria>
    <Destination>
      <Bucket>arn:aws:s3:::dst</Bucket>
      <Account>222222222222</Account>
      <StorageClass>STANDARD_IA</StorageClass>
      <AccessControlTranslation><Owner>Destination</Owner></AccessControlTranslation>
      <EncryptionConfiguration>
        <ReplicaKmsKeyID>arn:aws:kms:us-west-2:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab</ReplicaKmsKeyID>
      </EncryptionConfiguration>
      <ReplicationTime><Status>Enabled</Status><Time><Minutes>15</Minutes></Time></ReplicationTime>
      <Metrics><Status>Enabled</Status><EventThreshold><Minutes>15</Minutes></EventThreshold></Metrics>
    </Destination>
    <DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication>
  </Rule>
</ReplicationConfiguration>`

// compact removes the indentation between elements; the declaration keeps
// its newline, as S3 writes it.
func compact(s string) string {
	s = regexp.MustCompile(`>\s+<`).ReplaceAllString(strings.TrimSpace(s), "><")
	return strings.Replace(s, "?><", "?>\n<", 1)
}

func roundTrip(t *testing.T, in string) string {
	t.Helper()
	c, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate("src"); err != nil {
		t.Fatal(err)
	}
	// Through the bucket record's JSON, as the S3 service stores it.
	raw, err := json.Marshal(c.WithIDs())
	if err != nil {
		t.Fatal(err)
	}
	var stored Configuration
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	out, err := stored.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestRoundTripWalkthrough(t *testing.T) {
	got := roundTrip(t, walkthrough)
	if want := compact(walkthrough); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// TestRoundTripV1 shows a V1 rule coming back as sent (rule-level Prefix, no
// Filter, Priority or DeleteMarkerReplication added), with a generated ID.
func TestRoundTripV1(t *testing.T) {
	in := `<ReplicationConfiguration><Role>arn:aws:iam::111111111111:role/r</Role>` +
		`<Rule><Prefix></Prefix><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination></Rule>` +
		`</ReplicationConfiguration>`
	got := roundTrip(t, in)
	re := regexp.MustCompile(`^<\?xml version="1.0" encoding="UTF-8"\?>\n<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
		`<Role>arn:aws:iam::111111111111:role/r</Role><Rule><ID>([A-Za-z0-9+/=]{48})</ID><Prefix></Prefix><Status>Enabled</Status>` +
		`<Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination></Rule></ReplicationConfiguration>$`)
	if !re.MatchString(got) {
		t.Fatalf("unexpected V1 document:\n%s", got)
	}
}

// TestRoundTripV2Echo is §14 scenario 8: no IDs, an empty Filter and
// Priority 0 come back as sent, with generated IDs; And with several tags
// keeps its flattened Tag list.
func TestRoundTripV2Echo(t *testing.T) {
	in := `<ReplicationConfiguration><Role>arn:aws:iam::111111111111:role/r</Role>` +
		`<Rule><Priority>0</Priority><Filter></Filter><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination>` +
		`<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule>` +
		`<Rule><Priority>2</Priority><Filter><And><Prefix>p/</Prefix><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag></And></Filter>` +
		`<Status>Disabled</Status><Destination><Bucket>arn:aws:s3:::dst2</Bucket><Metrics><Status>Enabled</Status></Metrics></Destination>` +
		`<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>`
	got := roundTrip(t, in)
	ids := regexp.MustCompile(`<ID>([^<]*)</ID>`).FindAllStringSubmatch(got, -1)
	if len(ids) != 2 || len(ids[0][1]) != 48 || ids[0][1] == ids[1][1] {
		t.Fatalf("want two distinct generated ids, got %v", ids)
	}
	want := strings.Replace(in, `<ReplicationConfiguration>`, `<ReplicationConfiguration xmlns="`+Namespace+`">`, 1)
	want = strings.Replace(want, `<Rule><Priority>0`, `<Rule><ID>`+ids[0][1]+`</ID><Priority>0`, 1)
	want = strings.Replace(want, `<Rule><Priority>2`, `<Rule><ID>`+ids[1][1]+`</ID><Priority>2`, 1)
	if got != `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// TestWithIDsKeepsGivenIDs checks that only missing IDs are generated and the
// original configuration is not changed.
func TestWithIDsKeepsGivenIDs(t *testing.T) {
	c, err := Parse([]byte(doc(v2("mine", 1, "", "", ""), v2("", 2, "", "", ""))))
	if err != nil {
		t.Fatal(err)
	}
	out := c.WithIDs()
	if out.Rules[0].ID != "mine" || out.Rules[1].ID == "" || c.Rules[1].ID != "" {
		t.Fatalf("ids: %q %q (original %q)", out.Rules[0].ID, out.Rules[1].ID, c.Rules[1].ID)
	}
}

func TestARNs(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:s3:::dst": "dst", "arn:aws-cn:s3:::dst": "dst", "dst": "", "arn:aws:s3:::dst/key": "",
		"arn:aws:s3:us-east-1::dst": "", "arn:aws:s3:::": "",
	} {
		if got, _ := BucketFromARN(arn); got != want {
			t.Errorf("BucketFromARN(%q) = %q, want %q", arn, got, want)
		}
	}
	for arn, want := range map[string]string{
		"arn:aws:iam::111111111111:role/r": "111111111111", "arn:aws:iam::111111111111:role/path/r": "111111111111",
		"arn:aws:iam::111111111111:user/r": "", "arn:aws:iam::1111:role/r": "", "arn:aws:iam::111111111111:role/": "",
		"arn:aws:sts::111111111111:role/r": "",
	} {
		if got, _ := RoleAccount(arn); got != want {
			t.Errorf("RoleAccount(%q) = %q, want %q", arn, got, want)
		}
	}
}
