package replication

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
)

const role = "arn:aws:iam::111111111111:role/replication"

// doc wraps rules in a configuration with a valid role.
func doc(rules ...string) string {
	return "<ReplicationConfiguration xmlns=\"" + Namespace + "\"><Role>" + role + "</Role>" + strings.Join(rules, "") + "</ReplicationConfiguration>"
}

// v2 is a valid V2 rule with inner elements spliced in before Destination
// and extra destination elements after Bucket.
func v2(id string, priority int, filter, inner, dest string) string {
	return fmt.Sprintf("<Rule><ID>%s</ID><Priority>%d</Priority><Filter>%s</Filter><Status>Enabled</Status>%s"+
		"<Destination><Bucket>arn:aws:s3:::dst</Bucket>%s</Destination>"+
		"<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule>", id, priority, filter, inner, dest)
}

// v1 is a valid V1 rule.
func v1(id, prefix, bucket, extra string) string {
	return fmt.Sprintf("<Rule><ID>%s</ID><Prefix>%s</Prefix><Status>Enabled</Status>%s<Destination><Bucket>arn:aws:s3:::%s</Bucket></Destination></Rule>", id, prefix, extra, bucket)
}

// check parses and validates a document for bucket "src".
func check(d string) error {
	c, err := Parse([]byte(d))
	if err != nil {
		return err
	}
	return c.Validate("src")
}

const (
	malformed    = "MalformedXML|The XML you provided was not well-formed or did not validate against our published schema"
	hint         = " for this version of Cross Region Replication configuration schema. Please refer to S3 Developer Guide for more information."
	rtc15        = "<ReplicationTime><Status>Enabled</Status><Time><Minutes>15</Minutes></Time></ReplicationTime>"
	metricsOn    = "<Metrics><Status>Enabled</Status></Metrics>"
	metrics15    = "<Metrics><Status>Enabled</Status><EventThreshold><Minutes>15</Minutes></EventThreshold></Metrics>"
	kmsOn        = "<SourceSelectionCriteria><SseKmsEncryptedObjects><Status>Enabled</Status></SseKmsEncryptedObjects></SourceSelectionCriteria>"
	dmrOnTagRule = "<Rule><ID>t</ID><Priority>1</Priority><Filter><Tag><Key>env</Key><Value>prod</Value></Tag></Filter><Status>Enabled</Status>" +
		"<Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination><DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication></Rule>"
)

// TestValidationErrors covers the §2.2 rows that a document alone decides
// (#4-#19) plus Ferry's [Inf] checks, with AWS's code, status and message.
func TestValidationErrors(t *testing.T) {
	long := strings.Repeat("a", 256)
	var thousandAndOne []string
	for i := 0; i <= MaxRules; i++ {
		thousandAndOne = append(thousandAndOne, v2(fmt.Sprint("r", i), i, "", "", ""))
	}
	tests := []struct {
		name, doc, want string // want: "Code|Message" or "" for valid
	}{
		{"valid V2", doc(v2("a", 1, "<Prefix>Tax</Prefix>", "", "")), ""},
		{"valid V1", doc(v1("a", "Tax", "dst", "")), ""},
		{"#4 no rules", doc(), malformed},
		{"#4 not XML", "{\"Rules\":[]}", malformed},
		{"#4 unknown element", doc(strings.Replace(v2("a", 1, "", "", ""), "<Status>", "<Color>x</Color><Status>", 1)), malformed},
		{"#4 missing Role", "<ReplicationConfiguration>" + v2("a", 1, "", "", "") + "</ReplicationConfiguration>", malformed},
		{"#4 missing Status", doc(strings.Replace(v2("a", 1, "", "", ""), "<Status>Enabled</Status>", "", 1)), malformed},
		{"#4 bad Status", doc(strings.Replace(v2("a", 1, "", "", ""), "<Status>Enabled</Status>", "<Status>On</Status>", 1)), malformed},
		{"#4 missing Destination", doc("<Rule><Prefix></Prefix><Status>Enabled</Status></Rule>"), malformed},
		{"#4 missing Bucket", doc("<Rule><Prefix></Prefix><Status>Enabled</Status><Destination></Destination></Rule>"), malformed},
		{"#4 bad StorageClass", doc(v2("a", 1, "", "", "<StorageClass>COLD</StorageClass>")), malformed},
		{"#4 bad Owner", doc(v2("a", 1, "", "", "<Account>222222222222</Account><AccessControlTranslation><Owner>Me</Owner></AccessControlTranslation>")), malformed},
		{"#4 Filter and Prefix", doc(strings.Replace(v2("a", 1, "", "", ""), "<Filter>", "<Prefix>x</Prefix><Filter>", 1)), malformed},
		{"#4 Filter with two children", doc(v2("a", 1, "<Prefix>x</Prefix><Tag><Key>k</Key><Value>v</Value></Tag>", "", "")), malformed},
		{"#4 Tag without Value", doc(v2("a", 1, "<Tag><Key>k</Key></Tag>", "", "")), malformed},
		{"#4 two Destinations", doc(strings.Replace(v2("a", 1, "", "", ""), "</Destination>", "</Destination><Destination><Bucket>arn:aws:s3:::x</Bucket></Destination>", 1)), malformed},
		{"#4 Priority not a number", doc(strings.Replace(v2("a", 1, "", "", ""), "<Priority>1</Priority>", "<Priority>high</Priority>", 1)), malformed},
		{"#4 [Inf] V1 and V2 mixed", doc(v1("a", "x", "dst", ""), v2("b", 1, "", "", "")), malformed},
		{"#5 V2 without DeleteMarkerReplication", doc(strings.Replace(v2("a", 1, "", "", ""), "<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>", "", 1)),
			"InvalidRequest|DeleteMarkerReplication must be specified" + hint},
		{"#6 V2 without Priority", doc(strings.Replace(v2("a", 1, "", "", ""), "<Priority>1</Priority>", "", 1)),
			"InvalidRequest|Priority must be specified" + hint},
		{"#7 V1 with DeleteMarkerReplication", doc(v1("a", "x", "dst", "<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication>")),
			"InvalidRequest|DeleteMarkerReplication cannot be used" + hint},
		{"#8 V1 with two destinations", doc(v1("a", "x", "dst", ""), v1("b", "y", "dst2", "")),
			"InvalidRequest|Number of distinct destination bucket ARNs cannot exceed 1"},
		{"#8 V1 with one destination twice", doc(v1("a", "x", "dst", ""), v1("b", "y", "dst", "")), ""},
		{"#9 SseKms without key", doc(v2("a", 1, "", kmsOn, "")),
			"InvalidRequest|ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present."},
		{"#9 SseKms with key", doc(v2("a", 1, "", kmsOn, "<EncryptionConfiguration><ReplicaKmsKeyID>arn:aws:kms:us-west-2:222222222222:key/k</ReplicaKmsKeyID></EncryptionConfiguration>")), ""},
		{"#10 EventThreshold without RTC", doc(v2("a", 1, "", "", metrics15)),
			"InvalidArgument|Metrics cannot contain an event threshold when ReplicationTime is not specified or Disabled"},
		{"#10 EventThreshold with RTC Disabled", doc(v2("a", 1, "", "", strings.Replace(rtc15, "Enabled", "Disabled", 1)+metrics15)),
			"InvalidArgument|Metrics cannot contain an event threshold when ReplicationTime is not specified or Disabled"},
		{"#10 Metrics alone is fine", doc(v2("a", 1, "", "", metricsOn)), ""},
		{"#11 [Inf] RTC without Metrics", doc(v2("a", 1, "", "", rtc15)),
			"InvalidRequest|ReplicationTime must be specified together with an Enabled Metrics block."},
		{"#11 [Inf] RTC with Metrics Disabled", doc(v2("a", 1, "", "", rtc15+"<Metrics><Status>Disabled</Status></Metrics>")),
			"InvalidRequest|ReplicationTime must be specified together with an Enabled Metrics block."},
		{"#11 RTC with Metrics", doc(v2("a", 1, "", "", rtc15+metrics15)), ""},
		{"#12 [Inf] Time 10 minutes", doc(v2("a", 1, "", "", strings.Replace(rtc15, "15", "10", 1)+metricsOn)),
			"InvalidArgument|The only valid value for Time Minutes is 15."},
		{"#12 [Inf] EventThreshold 30 minutes", doc(v2("a", 1, "", "", rtc15+strings.Replace(metrics15, "15", "30", 1))),
			"InvalidArgument|The only valid value for EventThreshold Minutes is 15."},
		{"#13 tag filter with delete markers", doc(dmrOnTagRule),
			"InvalidRequest|Delete marker replication is not supported if any Tag filter is specified. Please refer to S3 Developer Guide for more information."},
		{"#13 And-tags with delete markers", doc(strings.Replace(dmrOnTagRule, "<Tag><Key>env</Key><Value>prod</Value></Tag>", "<And><Prefix>p</Prefix><Tag><Key>env</Key><Value>prod</Value></Tag></And>", 1)),
			"InvalidRequest|Delete marker replication is not supported if any Tag filter is specified. Please refer to S3 Developer Guide for more information."},
		{"#14 [Inf] duplicate priority", doc(v2("a", 1, "<Prefix>x</Prefix>", "", ""), v2("b", 1, "<Prefix>y</Prefix>", "", "")),
			"InvalidRequest|Found duplicate priority 1. Rule priorities must be unique."},
		{"#15 duplicate ID", doc(v2("a", 1, "", "", ""), v2("a", 2, "", "", "")), "InvalidArgument|Rule Id must be unique."},
		{"#16 ID of 256", doc(v2(long, 1, "", "", "")), "InvalidArgument|ID length should not exceed allowed limit of 255"},
		{"#16 ID of 255", doc(v2(long[:255], 1, "", "", "")), ""},
		{"#16 prefix of 1025", doc(v1("a", strings.Repeat("p", 1025), "dst", "")), "InvalidArgument|Prefix length should not exceed allowed limit of 1024"},
		{"#16 And prefix of 1025", doc(v2("a", 1, "<And><Prefix>"+strings.Repeat("p", 1025)+"</Prefix></And>", "", "")), "InvalidArgument|Prefix length should not exceed allowed limit of 1024"},
		{"#16 1001 rules", doc(thousandAndOne...), "InvalidRequest|Number of rules in a replication configuration cannot exceed 1000"},
		{"#16 1000 rules", doc(thousandAndOne[:1000]...), ""},
		{"#16 over 2 MB", doc(v2("a", 1, "", "", "")) + strings.Repeat(" ", MaxDocument), "InvalidRequest|The replication configuration must not be larger than 2 MB"},
		{"#17 duplicate tag keys", doc(v2("a", 1, "<And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And>", "", "")),
			"InvalidRequest|Duplicate Tag Keys are not allowed."},
		{"#18 ExistingObjectReplication", doc(strings.Replace(v2("a", 1, "", "", ""), "<Destination>", "<ExistingObjectReplication><Status>Enabled</Status></ExistingObjectReplication><Destination>", 1)), malformed},
		{"#19 [Inf] V1 with ReplicaModifications", doc(v1("a", "x", "dst", "<SourceSelectionCriteria><ReplicaModifications><Status>Enabled</Status></ReplicaModifications></SourceSelectionCriteria>")),
			"InvalidRequest|ReplicaModifications cannot be used" + hint},
		{"[Inf] V1 with ReplicationTime", doc(strings.Replace(v1("a", "x", "dst", ""), "</Bucket>", "</Bucket>"+rtc15+metrics15, 1)),
			"InvalidRequest|ReplicationTime cannot be used" + hint},
		{"[Inf] V1 with Priority is accepted", doc(strings.Replace(v1("a", "x", "dst", ""), "<Prefix>", "<Priority>1</Priority><Prefix>", 1)), ""},
		{"#23 ReplicaKmsKeyID is not checked", doc(v2("a", 1, "", kmsOn, "<EncryptionConfiguration><ReplicaKmsKeyID>no-such-key</ReplicaKmsKeyID></EncryptionConfiguration>")), ""},
		{"[Inf] bad Role", strings.Replace(doc(v2("a", 1, "", "", "")), role, "arn:aws:iam::111111111111:user/bob", 1),
			"InvalidArgument|Invalid Role ARN"},
		{"[Inf] bucket name not ARN", doc(strings.Replace(v2("a", 1, "", "", ""), "arn:aws:s3:::dst", "dst", 1)), "InvalidArgument|Invalid bucket ARN"},
		{"[Inf] same bucket", doc(strings.Replace(v2("a", 1, "", "", ""), ":::dst", ":::src", 1)),
			"InvalidRequest|Destination bucket cannot be the same as the source bucket."},
		{"[Inf] AccessControlTranslation without Account", doc(v2("a", 1, "", "", "<AccessControlTranslation><Owner>Destination</Owner></AccessControlTranslation>")),
			"InvalidRequest|Account must be specified in the Destination when AccessControlTranslation is specified."},
		{"[Inf] bad Account", doc(v2("a", 1, "", "", "<Account>12</Account>")), "InvalidArgument|Invalid Account Id"},
		{"[Inf] FSX_OPENZFS", doc(v2("a", 1, "", "", "<StorageClass>FSX_OPENZFS</StorageClass>")),
			"InvalidRequest|FSX_OPENZFS is not an accepted value when replicating objects."},
		{"empty Filter and Priority 0", doc(v2("", 0, "", "", "")), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := check(tt.doc)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			e, ok := aws.As(err)
			if !ok {
				t.Fatalf("want %s, got %v", tt.want, err)
			}
			if got := e.Code + "|" + e.Message; got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			if e.Status != 400 {
				t.Fatalf("status %d, want 400", e.Status)
			}
		})
	}
}

// TestSourceAndDestinationErrors pins the errors the S3 service raises with
// this package's constructors (§2.2 #1-#3, #22 and InvalidBucketState).
func TestSourceAndDestinationErrors(t *testing.T) {
	for _, tt := range []struct {
		err    *aws.Error
		status int
		want   string
	}{
		{ErrSourceNotVersioned(), 400, "InvalidRequest|Versioning must be 'Enabled' on the bucket to apply a replication configuration"},
		{ErrDestinationNotVersioned(), 400, "InvalidRequest|Destination bucket must have versioning enabled."},
		{ErrNotFound("src"), 404, "ReplicationConfigurationNotFoundError|The replication configuration was not found"},
		{ErrVersioningLocked(), 409, "InvalidBucketState|A replication configuration is present on this bucket, so you cannot change the versioning state. To change the versioning state, first delete the replication configuration."},
	} {
		if got := tt.err.Code + "|" + tt.err.Message; got != tt.want || tt.err.Status != tt.status {
			t.Errorf("got %s (%d), want %s (%d)", got, tt.err.Status, tt.want, tt.status)
		}
	}
	if ErrNotFound("src").Field("BucketName") != "src" {
		t.Error("ReplicationConfigurationNotFoundError lacks BucketName")
	}
}
