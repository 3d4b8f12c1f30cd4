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

type forReplicaKey struct{}

// WithReplicaWrite marks ctx as S3 Replication writing a replica. AWS's
// walkthroughs grant the replication role only kms:Encrypt on the replica
// key while its troubleshooting pages grant kms:GenerateDataKey; which call
// S3 really makes is not documented, so a data key asked for a replica is
// allowed by either permission (replication specification §5.2, [Inf]).
func WithReplicaWrite(ctx context.Context) context.Context {
	return context.WithValue(ctx, forReplicaKey{}, true)
}

// ReplicaWrite reports whether ctx is S3 Replication writing a replica.
func ReplicaWrite(ctx context.Context) bool {
	v, _ := ctx.Value(forReplicaKey{}).(bool)
	return v
}
