package authz_test

import (
	"context"
	"fmt"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// An anonymous GET of an object in a bucket whose policy lets everyone read
// one prefix: allowed there, denied elsewhere with S3's plain Access Denied.
func ExampleAuthorizer_Authorize() {
	a := authz.New(authz.Config{})
	bucketPolicy, err := a.Parsed(`{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow",
		"Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/public/*"}]}`, policy.BucketPolicy, "bucket policy of site")
	if err != nil {
		panic(err)
	}
	for _, key := range []string{"public/index.html", "private/keys.txt"} {
		d, err := a.Authorize(context.Background(), authz.Request{Principal: aws.Anonymous, Action: "s3:GetObject",
			Resource: "arn:aws:s3:::site/" + key, ResourceAccount: "111122223333", ResourcePolicy: bucketPolicy})
		fmt.Printf("%s: allowed=%v err=%v\n", key, d.Allowed, err)
	}
	fmt.Print(a.Recent(true)[0].Explain())
	// Output:
	// public/index.html: allowed=true err=<nil>
	// private/keys.txt: allowed=false err=AccessDenied: Access Denied
	// DENY (implicit) s3:GetObject on arn:aws:s3:::site/private/keys.txt for anonymous
	// evaluated:
	//   resource-based policy bucket policy of site: no statement matches
	// why: anonymous has no identity policies, so only a resource-based policy can allow it: the bucket policy of site has no statement allowing s3:GetObject for anonymous.
}
