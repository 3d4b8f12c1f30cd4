package policy

import "testing"

// bench10 is a 10-statement identity policy with conditions, shaped like a
// replication role's policy; the request matches the last statement.
const bench10 = `{"Version":"2012-10-17","Statement":[
 {"Sid":"S1","Effect":"Allow","Action":["s3:GetReplicationConfiguration","s3:ListBucket"],"Resource":"arn:aws:s3:::src"},
 {"Sid":"S2","Effect":"Allow","Action":["s3:GetObjectVersionForReplication","s3:GetObjectVersionAcl","s3:GetObjectVersionTagging"],"Resource":"arn:aws:s3:::src/*"},
 {"Sid":"S3","Effect":"Allow","Action":["s3:GetObjectRetention","s3:GetObjectLegalHold"],"Resource":"arn:aws:s3:::src/*"},
 {"Sid":"S4","Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/*","Condition":{"StringLike":{"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::src/*"},"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}},
 {"Sid":"S5","Effect":"Allow","Action":["kms:Encrypt","kms:GenerateDataKey"],"Resource":"arn:aws:kms:us-west-2:444455556666:key/*","Condition":{"StringLike":{"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::dst/*"}}},
 {"Sid":"S6","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
 {"Sid":"S7","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"},
 {"Sid":"S8","Effect":"Allow","Action":"s3:ObjectOwnerOverrideToBucketOwner","Resource":"arn:aws:s3:::dst/*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}},
 {"Sid":"S9","Effect":"Allow","Action":"s3:ReplicateDelete","Resource":"arn:aws:s3:::dst/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
 {"Sid":"S10","Effect":"Allow","Action":["s3:ReplicateObject","s3:ReplicateTags"],"Resource":"arn:aws:s3:::dst/*","Condition":{"StringLikeIfExists":{"s3:x-amz-server-side-encryption":["aws:kms","AES256"],"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-west-2:444455556666:key/*"}}}
]}`

// BenchmarkEvaluate10 measures one decision against a 10-statement policy
// with conditions (target: at most 1 µs on the project's machine).
func BenchmarkEvaluate10(b *testing.B) {
	p := mustParse(b, bench10, Identity)
	req := Request{Principal: session, Action: "s3:ReplicateObject", Resource: "arn:aws:s3:::dst/photos/2026/cat.jpg", ResourceAccount: acctA}
	req.Context.Set("s3:x-amz-server-side-encryption", "aws:kms")
	req.Context.Set("s3:x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:us-west-2:444455556666:key/1234abcd")
	req.Context.Set("aws:SecureTransport", "true")
	set := Set{Identity: []Named{{Name: "role policy", Policy: p}}}
	if d := Evaluate(req, set); !d.Allowed {
		b.Fatalf("not allowed:\n%s", d.Explain())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !Evaluate(req, set).Allowed {
			b.Fatal("denied")
		}
	}
}

// BenchmarkParse10 measures parsing and compiling the same policy.
func BenchmarkParse10(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(bench10, Identity); err != nil {
			b.Fatal(err)
		}
	}
}
