package policy_test

import (
	"fmt"

	"github.com/ferrystore/ferry/policy"
)

// A replication role in account 111122223333 writes a replica into a bucket
// of account 444455556666 whose bucket policy does not name it yet.
func Example() {
	role, err := policy.Parse(`{"Version":"2012-10-17","Statement":[
	  {"Sid":"Replicate","Effect":"Allow","Action":["s3:ReplicateObject","s3:ReplicateDelete"],"Resource":"arn:aws:s3:::dst/*"}]}`, policy.Identity)
	if err != nil {
		panic(err)
	}
	bucket, err := policy.Parse(`{"Version":"2012-10-17","Statement":[
	  {"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:*","Resource":["arn:aws:s3:::dst","arn:aws:s3:::dst/*"]}]}`, policy.BucketPolicy)
	if err != nil {
		panic(err)
	}
	req := policy.Request{
		Principal: policy.Principal{Type: policy.AssumedRole, Account: "111122223333",
			ARN:     "arn:aws:sts::111122223333:assumed-role/repl/s3-replication",
			RoleARN: "arn:aws:iam::111122223333:role/repl"},
		Action:          "s3:ReplicateObject",
		Resource:        "arn:aws:s3:::dst/photo.jpg",
		ResourceAccount: "444455556666",
	}
	d := policy.Evaluate(req, policy.Set{
		Identity: []policy.Named{{Name: "inline policy replicate of role repl", Policy: role}},
		Resource: &policy.Named{Name: "bucket policy of dst", Policy: bucket},
	})
	fmt.Print(d.Explain())
	fmt.Println(d.MissingStatements()[0])
	// Output:
	// DENY (implicit) s3:ReplicateObject on arn:aws:s3:::dst/photo.jpg for arn:aws:sts::111122223333:assumed-role/repl/s3-replication (cross-account: principal in 111122223333, resource in 444455556666)
	// evaluated:
	//   identity-based policy inline policy replicate of role repl: statement "Replicate" allows
	//   resource-based policy bucket policy of dst: no statement matches
	//     statement "Owner" allows s3:ReplicateObject but names other principals ({"AWS":["arn:aws:iam::444455556666:root"]})
	// why: cross-account: the identity policies allow but the bucket policy of dst does not: the bucket policy of dst has no statement allowing s3:ReplicateObject for arn:aws:sts::111122223333:assumed-role/repl/s3-replication.
	// add to the bucket policy of dst:
	// {
	//   "Sid": "Allows3ReplicateObject",
	//   "Effect": "Allow",
	//   "Principal": {
	//     "AWS": "arn:aws:iam::111122223333:role/repl"
	//   },
	//   "Action": "s3:ReplicateObject",
	//   "Resource": "arn:aws:s3:::dst/photo.jpg"
	// }
}
