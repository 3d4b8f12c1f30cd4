// Package query speaks the AWS Query protocol of IAM and STS: form-encoded
// requests (POST bodies or GET query strings) naming an Action, decoded into
// aws-sdk-go-v2's iam.*Input and sts.*Input structs, and XML responses and
// errors in the exact shape of the botocore models.
//
// The models (IAM, STS) are generated from botocore: they keep each
// structure's members in model order, which is the order of the elements on
// the wire, and the constraints (required, lengths, ranges, patterns, enums)
// that produce AWS's ValidationError messages.
package query

//go:generate go run ./internal/gen -service iam -var IAM -o model_iam.go -ops AttachRolePolicy,AttachUserPolicy,CreateAccessKey,CreatePolicy,CreatePolicyVersion,CreateRole,CreateUser,DeleteAccessKey,DeletePolicy,DeletePolicyVersion,DeleteRole,DeleteRolePermissionsBoundary,DeleteRolePolicy,DeleteUser,DeleteUserPermissionsBoundary,DeleteUserPolicy,DetachRolePolicy,DetachUserPolicy,GetPolicy,GetPolicyVersion,GetRole,GetRolePolicy,GetUser,GetUserPolicy,ListAccessKeys,ListAttachedRolePolicies,ListAttachedUserPolicies,ListPolicies,ListPolicyVersions,ListRolePolicies,ListRoleTags,ListRoles,ListUserPolicies,ListUserTags,ListUsers,PutRolePermissionsBoundary,PutRolePolicy,PutUserPermissionsBoundary,PutUserPolicy,SetDefaultPolicyVersion,SimulateCustomPolicy,SimulatePrincipalPolicy,TagRole,TagUser,UntagRole,UntagUser,UpdateAccessKey,UpdateAssumeRolePolicy,UpdateRole
//go:generate go run ./internal/gen -service sts -var STS -o model_sts.go -ops AssumeRole,GetCallerIdentity,GetSessionToken

// Model is the Query-protocol description of one service.
type Model struct {
	// Namespace is the XML namespace of responses and errors.
	Namespace  string
	Operations map[string]Operation
	Shapes     map[string]*Shape
	// EchoValues quotes the offending value in ValidationError messages.
	EchoValues bool
}

// Operation names an operation's input and output shapes.
type Operation struct {
	Input, Output string
	// ResultWrapper is the element inside <XResponse> holding the output.
	ResultWrapper string
}

// Shape is a botocore shape: a structure, list, map or scalar.
type Shape struct {
	Type string
	// Members of a structure, in model (wire) order.
	Members []Member
	// Member is a list's element; Key and Value a map's.
	Member, Key, Value *Member
	Flattened          bool
	// Constraints: lengths of strings and lists, values of integers.
	Min, Max       int64
	HasMin, HasMax bool
	Pattern        string
	Enum           []string
}

// Member is a structure member (or list element) and its target shape.
type Member struct {
	Name  string
	Shape string
	// Wire is the element name when it differs from Name.
	Wire     string
	Required bool
}

// wire is the element name of a structure member.
func (m Member) wire() string {
	if m.Wire != "" {
		return m.Wire
	}
	return m.Name
}

// listItem is the element name of a list's items ("member" by default).
func (s *Shape) listItem() string {
	if s.Member != nil && s.Member.Wire != "" {
		return s.Member.Wire
	}
	return "member"
}

func init() {
	// STS echoes the offending value in ValidationError messages; IAM does not.
	STS.EchoValues = true
}
