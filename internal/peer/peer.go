// Package peer carries replication between Ferry processes that serve
// different regions. The source process's Client implements
// replication.Peers: it finds which peer serves a destination bucket and
// sends it the replica (or a tag update), signed with SigV4 by the role
// session the source assumed. The destination process's Handler
// authenticates that call as the role session (through the shared STS
// state) and runs the destination hops itself, with its own policy engine,
// bucket policies and KMS keys (replication.Engine.Accept and AcceptTags);
// a refusal comes back with its §6.2 failure reason.
//
// The endpoints live under /_ferry/replica/:
//
//	GET  bucket?name=B  the bucket's owner, region and versioning
//	                    (signed by a process's admin key)
//	GET  buckets?account=A  the account's buckets here, for ListBuckets
//	                    (signed by a process's admin key)
//	PUT  object         a replica: the JSON Envelope, then the bytes
//	PUT  tags           a tag update: the JSON Envelope
//
// Answers: 200 done; 409 {"reason", "error"} a permanent failure; 404 no
// such bucket (lookups); anything else is transient and retried.
package peer

import (
	"github.com/ferrystore/ferry/internal/replication"
)

// Path is where Handler is served.
const Path = "/_ferry/replica/"

// Header names of a replica write: the envelope's length and SHA-256, both
// signed. The body itself is a signed aws-chunked stream
// (sigv4.SignStreaming), verified chunk by chunk as it arrives.
const (
	HeaderEnvelopeLength = "X-Ferry-Envelope-Length"
	HeaderEnvelopeSHA256 = "X-Ferry-Envelope-Sha256"
)

// Envelope is what the source sends with a replica: the task (rule,
// destination, options), the source version, and the replica as the
// source hops left it.
type Envelope struct {
	Task    replication.Task           `json:"task"`
	Source  replication.ObjectVersion  `json:"source"`
	Replica *replication.ObjectVersion `json:"replica,omitempty"`
}

// failure is the body of a 409 answer.
type failure struct {
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

// maxEnvelope bounds an envelope (a version's metadata, tags and parts).
const maxEnvelope = 8 << 20
