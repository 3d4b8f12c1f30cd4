package demo

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// demo is one run: the options, the clients of both accounts and the names
// and ARNs of what the set-up created.
type demo struct {
	o Options

	s3A, s3B   *s3.Client // A in the source region, B in the destination region
	kmsA, kmsB *kms.Client
	kmsBOther  *kms.Client // B in another region (replica-key-wrong-region)
	iamA       *iam.Client
	stsA, stsB *sts.Client

	acctA, acctB string
	src, dst     string
	role         string
	roleARN      string
	ks, kd       string // key ARNs
	replicaKeyID string // the rule's ReplicaKmsKeyID (Kd unless broken)
}

// newDemo builds the clients and the run's names.
func newDemo(o Options) *demo {
	d := &demo{o: o,
		src:  "ferry-demo-src-" + o.Suffix,
		dst:  "ferry-demo-dst-" + o.Suffix,
		role: "ferry-demo-replication-" + o.Suffix,
	}
	d.s3A, d.s3B = d.s3Client(o.A, o.SourceRegion), d.s3Client(o.B, o.DestinationRegion)
	d.kmsA, d.kmsB = d.kmsClient(o.A, o.SourceRegion), d.kmsClient(o.B, o.DestinationRegion)
	d.kmsBOther = d.kmsClient(o.B, o.otherRegion())
	d.iamA = iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(o.Endpoint),
		HTTPClient: o.HTTPClient, Credentials: provider(o.A)})
	d.stsA, d.stsB = d.stsClient(o.A), d.stsClient(o.B)
	return d
}

// otherRegion is a region that is not the destination's: the source region.
func (o Options) otherRegion() string { return o.SourceRegion }

func provider(c Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")
}

// endpointFor is the process serving region: the destination's may be
// another process than the source's (Options.DestinationEndpoint).
func (o Options) endpointFor(region string) string {
	if region == o.DestinationRegion && o.DestinationEndpoint != "" {
		return o.DestinationEndpoint
	}
	return o.Endpoint
}

func (d *demo) s3Client(c Credentials, region string) *s3.Client {
	return s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(d.o.endpointFor(region)), UsePathStyle: true,
		HTTPClient: d.o.HTTPClient, Credentials: provider(c)})
}

func (d *demo) kmsClient(c Credentials, region string) *kms.Client {
	return kms.New(kms.Options{Region: region, BaseEndpoint: aws.String(d.o.endpointFor(region)),
		HTTPClient: d.o.HTTPClient, Credentials: provider(c)})
}

func (d *demo) stsClient(c Credentials) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(d.o.Endpoint),
		HTTPClient: d.o.HTTPClient, Credentials: provider(c)})
}

// printf writes to the demo's output.
func (d *demo) printf(format string, args ...any) { fmt.Fprintf(d.o.Out, format, args...) }

// step runs one set-up step and prints it with ✓ and what it made, or ✗
// and the error, which it returns wrapped with the step's title.
func (d *demo) step(title string, fn func() (string, error)) error {
	detail, err := fn()
	if err != nil {
		d.printf("  ✗ %s: %v\n", title, err)
		return fmt.Errorf("%s: %w", title, err)
	}
	if detail != "" {
		d.printf("  ✓ %s: %s\n", title, detail)
	} else {
		d.printf("  ✓ %s\n", title)
	}
	return nil
}

// skip prints a step the break leaves out.
func (d *demo) skip(title string) { d.printf("  - %s: skipped (--break %s)\n", title, d.o.Break) }
