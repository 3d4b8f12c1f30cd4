package kms

import "context"

// Requests that an AWS service makes to KMS on a caller's behalf carry the
// service's endpoint name, which key policies test with kms:ViaService.

type viaServiceKey struct{}

// WithViaService returns ctx marked as a request made through service, for
// example "s3.us-east-1.amazonaws.com".
func WithViaService(ctx context.Context, service string) context.Context {
	return context.WithValue(ctx, viaServiceKey{}, service)
}

// ViaService returns the service a request was made through, "" for a
// direct call.
func ViaService(ctx context.Context) string {
	s, _ := ctx.Value(viaServiceKey{}).(string)
	return s
}
