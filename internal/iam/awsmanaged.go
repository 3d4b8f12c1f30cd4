package iam

import "time"

// The AWS managed policies Ferry knows, with the documents and versions AWS
// publishes for them. They belong to the "aws" account: anyone can read and
// attach them, nobody can change them.

// AWSManagedPrefix starts the ARN of every AWS managed policy.
const AWSManagedPrefix = "arn:aws:iam::aws:policy/"

var awsManaged = map[string]*ManagedPolicy{}

func init() {
	for _, p := range []struct {
		name, id, version, description, doc string
		created, updated                    time.Time
	}{
		{"AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "v1", "Provides full access to AWS services and resources.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC), time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)},
		{"AmazonS3FullAccess", "ANPAIFIR6V6BVTRAHWINE", "v2", "Provides full access to all buckets via the AWS Management Console.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}`,
			time.Date(2015, 2, 6, 18, 40, 58, 0, time.UTC), time.Date(2021, 9, 27, 20, 4, 40, 0, time.UTC)},
		{"AmazonS3ReadOnlyAccess", "ANPAIZTJ4DXE7G6AGAE6M", "v3", "Provides read only access to all buckets via the AWS Management Console.",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}`,
			time.Date(2015, 2, 6, 18, 40, 59, 0, time.UTC), time.Date(2023, 8, 10, 21, 31, 39, 0, time.UTC)},
	} {
		awsManaged[p.name] = &ManagedPolicy{Account: "aws", Name: p.name, Path: "/", ID: p.id, ARN: AWSManagedPrefix + p.name,
			Description: p.description, Created: p.created, Updated: p.updated, Default: p.version,
			Versions: []PolicyVersion{{ID: p.version, Document: p.doc, Created: p.updated}}}
	}
}
