package policy

import "fmt"

// Error is a rejected policy document. Code and Message are what the owning
// service answers (IAM and STS MalformedPolicyDocument or LimitExceeded, S3
// MalformedPolicy, KMS MalformedPolicyDocumentException…), word for word, so
// the API layers only map Code to their HTTP status. Detail says, for Ferry's
// logs and diagnostics, where in the document the problem is; it is never sent
// to clients.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Detail  string
}

// Error returns the AWS message followed by the detail, if any.
func (e *Error) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Detail)
}

// Error codes, by service.
const (
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"          // IAM, STS
	CodeLimitExceeded           = "LimitExceeded"                    // IAM quotas
	CodeValidationError         = "ValidationError"                  // STS length constraint
	CodeMalformedPolicy         = "MalformedPolicy"                  // S3
	CodeKMSMalformed            = "MalformedPolicyDocumentException" // KMS
	CodeKMSValidation           = "ValidationException"              // KMS length constraint
	CodeSQSInvalidAttribute     = "InvalidAttributeValue"            // SQS
)

// problem is one class of validation failure; messages maps it to each
// service's wording.
type problem int

const (
	pJSON             problem = iota // not JSON, or not an object
	pBadJSON                         // S3: starts with '{' but is not valid JSON
	pEmptyStatement                  // Statement is an empty list
	pSyntax                          // wrong types, unknown fields, empty lists…
	pVersion                         // missing or old Version where 2012-10-17 is required
	pBadVersion                      // Version that is not a known value
	pLegacy                          // Effect casing, unparsable condition values
	pSid                             // duplicate Sid
	pSidChars                        // IAM: Sid with characters other than A-Z a-z 0-9
	pNoStatement                     // no Statement element
	pNoEffect                        // no Effect
	pNoAction                        // no Action/NotAction
	pNoResource                      // no Resource/NotResource where required
	pNoPrincipal                     // resource policy without Principal/NotPrincipal
	pPrincipalInIdent                // identity policy with Principal
	pResourceInTrust                 // trust policy with Resource
	pBadPrincipal                    // principal value not valid
	pBadAction                       // action without vendor, with two colons…
	pTrustAction                     // trust policy action other than sts:*
	pBadResource                     // resource not an ARN, wrong bucket…
	pActionResource                  // S3: no resource fits an action
	pUnknownField                    // S3: unknown element
	pBadCondition                    // unknown condition operator
)

// newError builds the error for problem p in a document of kind k. arg is the
// offending value where the message quotes one.
func newError(k Kind, p problem, arg, detail string) *Error {
	e := &Error{Kind: k, Detail: detail}
	switch {
	case k == BucketPolicy:
		e.Code, e.Message = CodeMalformedPolicy, s3Message(p, arg)
	case k == KeyPolicy:
		e.Code, e.Message = CodeKMSMalformed, kmsMessage(p)
	case k == QueuePolicy:
		// [Inf] SQS answers every bad Policy attribute with this sentence.
		e.Code, e.Message = CodeSQSInvalidAttribute, sqsPolicyMessage
	default:
		e.Code, e.Message = CodeMalformedPolicyDocument, iamMessage(k, p, arg)
	}
	return e
}

// sqsPolicyMessage is SQS's answer to a Policy attribute it cannot accept.
const sqsPolicyMessage = "Invalid value for the parameter Policy."

// iamMessage is IAM's (and STS's) wording. Sources: the AWS-validated IAM
// snapshots and captures listed in shared/spec/errors.md §6.
func iamMessage(k Kind, p problem, arg string) string {
	switch p {
	case pJSON:
		if k == TrustPolicy {
			return "This policy contains invalid Json"
		}
		return "Syntax errors in policy."
	case pVersion:
		return "Policy document must be version 2012-10-17 or greater."
	case pLegacy:
		return "The policy failed legacy parsing"
	case pSid:
		return "Statement IDs (SID) in a single policy must be unique."
	case pSidChars:
		return "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	case pNoAction:
		return "Policy statement must contain actions."
	case pNoResource:
		return "Policy statement must contain resources."
	case pPrincipalInIdent:
		return "Policy document should not specify a principal."
	case pResourceInTrust:
		return "Has prohibited field Resource"
	case pNoPrincipal:
		// [Inf] IAM's wording for a trust policy without a principal was not
		// captured; it follows the "Has prohibited field" family.
		return "Missing required field Principal"
	case pBadPrincipal:
		return "Invalid principal in policy: " + arg
	case pTrustAction:
		return "AssumeRole policy may only specify STS AssumeRole actions."
	case pBadAction:
		return arg // the action checks build the exact sentence
	case pBadResource:
		return arg
	}
	return "Syntax errors in policy."
}

// s3Message is S3's PutBucketPolicy wording (MalformedPolicy). The JSON,
// Statement, principal, resource and action/resource messages are observed;
// the version, invalid-action, invalid-JSON and empty-Statement messages are
// the ones another S3 implementation (versitygw) answers [Emu]; the effect
// and condition-operator messages are [Inf].
func s3Message(p problem, arg string) string {
	switch p {
	case pJSON:
		return "Policies must be valid JSON and the first byte must be '{'"
	case pBadJSON:
		return "This policy contains invalid Json" // [Emu] versitygw
	case pEmptyStatement:
		return "Could not parse the policy: Statement is empty!" // [Emu] versitygw
	case pNoStatement:
		return "Missing required field Statement"
	case pNoEffect:
		return "Missing required field Effect"
	case pNoAction:
		return "Missing required field Action"
	case pNoResource:
		return "Missing required field Resource"
	case pNoPrincipal:
		return "Missing required field Principal"
	case pBadPrincipal:
		return "Invalid principal in policy"
	case pBadResource:
		return "Policy has invalid resource"
	case pBadAction:
		return "Policy has invalid action"
	case pActionResource:
		return "Action does not apply to any resource(s) in statement"
	case pUnknownField:
		return "Unknown field " + arg
	case pLegacy:
		return "Invalid effect: " + arg
	case pBadVersion, pVersion:
		return "The policy must contain a valid version string"
	case pBadCondition:
		return "Invalid Condition type : " + arg
	}
	return "Policies must be valid JSON and the first byte must be '{'"
}

// kmsMessage is KMS's wording. Only the invalid-principal sentence was
// observed; the others are [Inf] and generic.
func kmsMessage(p problem) string {
	switch p {
	case pBadPrincipal, pNoPrincipal:
		return "Policy contains a statement with one or more invalid principals."
	case pJSON:
		return "The policy is not in a valid JSON format."
	}
	return "The policy document is malformed."
}

// sizeError is the error for a document over its size limit. entity names
// the user, group or role for inline policies ("role r").
func sizeError(k Kind, doc string, limit int, entity string) *Error {
	e := &Error{Kind: k, Detail: fmt.Sprintf("%d characters, limit %d", k.Size(doc), limit)}
	switch {
	case k == Session:
		e.Code = CodeValidationError
		e.Message = fmt.Sprintf("1 validation error detected: Value '%s' at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", doc, limit)
	case k == KeyPolicy:
		e.Code = CodeKMSValidation
		e.Message = fmt.Sprintf("1 validation error detected: Value '%s' at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", doc, limit)
	case k == QueuePolicy:
		e.Code, e.Message = CodeSQSInvalidAttribute, sqsPolicyMessage
	case k == BucketPolicy:
		// [Inf] S3's text for an oversized bucket policy was not captured.
		e.Code = CodeMalformedPolicy
		e.Message = "Policies must be less than 20 KB"
	case k == TrustPolicy:
		e.Code = CodeLimitExceeded
		e.Message = fmt.Sprintf("Cannot exceed quota for ACLSizePerRole: %d", limit)
	case entity != "":
		e.Code = CodeLimitExceeded
		e.Message = fmt.Sprintf("Maximum policy size of %d bytes exceeded for %s", limit, entity)
	default:
		e.Code = CodeLimitExceeded
		e.Message = fmt.Sprintf("Cannot exceed quota for PolicySize: %d", limit)
	}
	return e
}
