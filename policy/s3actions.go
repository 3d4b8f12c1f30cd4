package policy

import "strings"

type actionTarget uint8

const (
	targetAny    actionTarget = iota // wildcards, or not an S3 action
	targetBucket                     // works on arn:aws:s3:::bucket
	targetObject                     // works on arn:aws:s3:::bucket/key
)

// objectActions are the S3 actions whose resource is an object (Service
// Authorization Reference, Amazon S3, resource type "object"). Every other
// S3 action names the bucket.
var objectActions = map[string]bool{
	"abortmultipartupload": true, "bypassgovernanceretention": true, "deleteobject": true,
	"deleteobjecttagging": true, "deleteobjectversion": true, "deleteobjectversiontagging": true,
	"getobject": true, "getobjectacl": true, "getobjectattributes": true, "getobjectlegalhold": true,
	"getobjectretention": true, "getobjecttagging": true, "getobjecttorrent": true,
	"getobjectversion": true, "getobjectversionacl": true, "getobjectversionattributes": true,
	"getobjectversionforreplication": true, "getobjectversiontagging": true,
	"getobjectversiontorrent": true, "listmultipartuploadparts": true,
	"objectowneroverridetobucketowner": true, "putobject": true, "putobjectacl": true,
	"putobjectlegalhold": true, "putobjectretention": true, "putobjecttagging": true,
	"putobjectversionacl": true, "putobjectversiontagging": true, "replicatedelete": true,
	"replicateobject": true, "replicatetags": true, "restoreobject": true,
	"initiatereplication": true, "deleteobjectversiontags": true,
}

// s3ActionTarget says what resource type an S3 action applies to.
func s3ActionTarget(action string) actionTarget {
	vendor, name, ok := strings.Cut(action, ":")
	if !ok || !strings.EqualFold(vendor, "s3") || strings.ContainsAny(name, "*?") {
		return targetAny
	}
	if objectActions[strings.ToLower(name)] {
		return targetObject
	}
	return targetBucket
}
