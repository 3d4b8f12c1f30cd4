// Package policy is Ferry's IAM policy language engine: it parses and
// validates policy documents (identity policies, permissions boundaries,
// session policies, S3 bucket policies, KMS key policies and role trust
// policies), evaluates requests against a set of them the way AWS does, and
// explains every decision.
//
// It is the one place in Ferry where "allow or deny" is decided. It does no
// I/O and imports nothing from Ferry's internal packages, so other Go programs
// can use it too.
//
// The flow is:
//
//	p, err := policy.Parse(doc, policy.BucketPolicy) // *Error with AWS's message on failure
//	d := policy.Evaluate(req, policy.Set{Identity: ids, Resource: &policy.Named{Name: "bucket policy", Policy: p}})
//	if !d.Allowed { log(d.Explain()); fix := d.MissingStatements() }
//
// Evaluation follows the IAM User Guide's evaluation logic (explicit deny
// wins; same-account identity OR resource grants; cross-account identity AND
// resource grants; boundaries and session policies intersect with identity
// grants; KMS key policies and trust policies are required even in the same
// account). See Evaluate for the exact order.
package policy
