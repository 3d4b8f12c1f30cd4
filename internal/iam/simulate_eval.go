package iam

import (
	"encoding/base64"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// simulation is the principal and the policies one simulation evaluates.
// Each policy's Named.Name is its index in sources, which says how the
// results label it.
type simulation struct {
	principal     policy.Principal
	identity      []policy.Named
	boundary      *policy.Named
	resource      *policy.Named
	resourceOwner string // account owning resources whose ARN names none
	context       policy.Context
	sources       []types.Statement // SourcePolicyId and SourcePolicyType
}

// Keys of EvalDecisionDetails.
const (
	detailIdentity = "IAM Policy"
	detailResource = "Resource Policy"
)

// add parses doc and records how results label it.
func (sim *simulation) add(doc string, kind policy.Kind, id string, typ types.PolicySourceType) (*policy.Named, error) {
	pol, err := policy.ParseOptions(doc, kind, policy.Options{MaxSize: -1})
	if err != nil {
		return nil, err
	}
	n := policy.Named{Name: strconv.Itoa(len(sim.sources)), Policy: pol}
	sim.sources = append(sim.sources, types.Statement{SourcePolicyId: ptr(id), SourcePolicyType: typ})
	if kind == policy.Identity {
		sim.identity = append(sim.identity, n)
	}
	return &n, nil
}

// addStored adds a stored policy of a user or role (an identity policy or
// its boundary): inline ones are labelled with their name and the entity's
// kind, managed ones with their ARN. A stored document that no longer
// parses cannot be evaluated.
func (sim *simulation) addStored(d PolicyDocument, entity string, kind policy.Kind) (*policy.Named, error) {
	id, typ := d.Name, types.PolicySourceType(entity)
	switch {
	case strings.HasPrefix(d.ARN, AWSManagedPrefix):
		id, typ = d.ARN, types.PolicySourceTypeAwsManaged
	case d.ARN != "":
		id, typ = d.ARN, types.PolicySourceTypeUserManaged
	}
	n, err := sim.add(d.Document, kind, id, typ)
	if err != nil {
		// [Inf] message: not observed from AWS.
		return nil, aws.New("PolicyEvaluation", http.StatusInternalServerError, "The policy "+id+" could not be evaluated: "+err.Error())
	}
	return n, nil
}

// addInputs parses PolicyInputList and PermissionsBoundaryPolicyInputList;
// a given boundary replaces the entity's.
func (sim *simulation) addInputs(in simInput) error {
	for i, doc := range in.policies {
		if _, err := sim.add(doc, policy.Identity, "PolicyInputList."+strconv.Itoa(i+1), types.PolicySourceTypeNone); err != nil {
			return invalidPolicy("PolicyInputList."+strconv.Itoa(i+1), err)
		}
	}
	switch len(in.boundaries) {
	case 0:
		return nil
	case 1:
	default:
		// [Inf] message: not observed from AWS.
		return errInvalidInput("Only one permissions boundary policy can be simulated.")
	}
	n, err := sim.add(in.boundaries[0], policy.Boundary, "PermissionsBoundaryPolicyInputList.1", types.PolicySourceTypeNone)
	if err != nil {
		return invalidPolicy("PermissionsBoundaryPolicyInputList.1", err)
	}
	sim.boundary = n
	return nil
}

// invalidPolicy is the InvalidInput answer to a malformed input document.
func invalidPolicy(id string, err error) error {
	msg := err.Error()
	if pe, ok := err.(*policy.Error); ok {
		msg = pe.Message
	}
	// [Inf] message: not observed from AWS.
	return errInvalidInput("Invalid policy document " + id + ": " + msg)
}

// setResource parses the resource policy and settles the resources' owner:
// ResourceOwner (an account's root ARN or its id), else the caller's
// account.
func (sim *simulation) setResource(in simInput) error {
	sim.resourceOwner = sim.principal.Account
	if o := in.resourceOwner; o != "" {
		acct := strings.TrimSuffix(strings.TrimPrefix(o, "arn:aws:iam::"), ":root")
		if !aws.AccountID(acct).Valid() {
			// [Inf] message: not observed from AWS.
			return errInvalidInput("Invalid ResourceOwner " + o + ": use arn:aws:iam::ACCOUNT-ID:root.")
		}
		sim.resourceOwner = acct
	}
	if in.resourcePolicy == nil {
		return nil
	}
	pol, err := policy.ParseOptions(*in.resourcePolicy, resourceKind(in.actions), policy.Options{MaxSize: -1})
	if err != nil {
		return invalidPolicy("ResourcePolicy", err)
	}
	sim.resource = &policy.Named{Name: strconv.Itoa(len(sim.sources)), Policy: pol}
	sim.sources = append(sim.sources, types.Statement{SourcePolicyId: ptr("ResourcePolicy"), SourcePolicyType: types.PolicySourceTypeResource})
	return nil
}

// resourceKind reads a resource policy as the kind of resource the actions
// are about: a key policy for KMS (required even in the key's account), a
// trust policy for STS, else a bucket policy.
func resourceKind(actions []string) policy.Kind {
	kind := policy.BucketPolicy
	for i, a := range actions {
		k := policy.BucketPolicy
		service, _, _ := strings.Cut(a, ":")
		switch strings.ToLower(service) {
		case "kms":
			k = policy.KeyPolicy
		case "sts":
			k = policy.TrustPolicy
		}
		if i > 0 && k != kind {
			return policy.BucketPolicy
		}
		kind = k
	}
	return kind
}

// simulationContext turns ContextEntries into condition keys.
func simulationContext(entries []types.ContextEntry) (policy.Context, error) {
	var c policy.Context
	for _, e := range entries {
		name := deref(e.ContextKeyName)
		if name == "" {
			// [Inf] message: not observed from AWS.
			return c, errInvalidInput("A context entry has no ContextKeyName.")
		}
		for _, v := range e.ContextKeyValues {
			if !validContextValue(e.ContextKeyType, v) {
				// [Inf] message: not observed from AWS.
				return c, errInvalidInput("Invalid value " + v + " for context key " + name + " of type " + string(e.ContextKeyType) + ".")
			}
		}
		c.Set(name, e.ContextKeyValues...)
	}
	return c, nil
}

// validContextValue checks a value against its ContextKeyType (list types
// check each value as the scalar type); untyped and string values are
// anything.
func validContextValue(typ types.ContextKeyTypeEnum, v string) bool {
	switch strings.TrimSuffix(string(typ), "List") {
	case "numeric":
		_, err := strconv.ParseFloat(v, 64)
		return err == nil
	case "boolean":
		return strings.EqualFold(v, "true") || strings.EqualFold(v, "false")
	case "ip":
		_, errAddr := netip.ParseAddr(v)
		_, errPrefix := netip.ParsePrefix(v)
		return errAddr == nil || errPrefix == nil
	case "date":
		_, errTime := time.Parse(time.RFC3339, v)
		_, errEpoch := strconv.ParseInt(v, 10, 64)
		return errTime == nil || errEpoch == nil
	case "binary":
		_, err := base64.StdEncoding.DecodeString(v)
		return err == nil
	}
	return true
}

// evaluate decides one action on one resource; listed says the resource
// was named in ResourceArns (not the default "*").
func (sim *simulation) evaluate(action, resource string, listed bool) types.EvaluationResult {
	req := policy.Request{Principal: sim.principal, Action: action, Resource: resource,
		ResourceAccount: sim.ownerOf(resource), Context: sim.context}
	d := policy.Evaluate(req, policy.Set{Identity: sim.identity, Boundary: sim.boundary, Resource: sim.resource})
	decision := evalDecision(d.Reason)
	matched := sim.statements(d.Deciding)
	missingKeys := d.MissingKeys()
	details := sim.details(d, resource)
	boundary := sim.boundaryDetail(d)
	out := types.EvaluationResult{EvalActionName: ptr(action), EvalResourceName: ptr(resource), EvalDecision: decision,
		MatchedStatements: matched, EvalDecisionDetails: details, PermissionsBoundaryDecisionDetail: boundary}
	if !listed {
		out.MissingContextValues = missingKeys
		return out
	}
	out.MissingContextValues = []string{}
	out.ResourceSpecificResults = []types.ResourceSpecificResult{{EvalResourceName: ptr(resource),
		EvalResourceDecision: decision, MatchedStatements: matched, MissingContextValues: missingKeys,
		EvalDecisionDetails: details, PermissionsBoundaryDecisionDetail: boundary}}
	return out
}

// ownerOf is the account of a resource: the one its ARN names, else the
// simulation's resource owner.
func (sim *simulation) ownerOf(resource string) string {
	if a := arnAccount(resource); a != "" && a != "aws" {
		return string(a)
	}
	return sim.resourceOwner
}

func evalDecision(r policy.Reason) types.PolicyEvaluationDecisionType {
	switch r {
	case policy.Allowed:
		return types.PolicyEvaluationDecisionTypeAllowed
	case policy.ExplicitDeny:
		return types.PolicyEvaluationDecisionTypeExplicitDeny
	}
	return types.PolicyEvaluationDecisionTypeImplicitDeny
}

// statements labels the statements that decided.
func (sim *simulation) statements(refs []policy.StatementRef) []types.Statement {
	out := make([]types.Statement, 0, len(refs))
	for _, r := range refs {
		st := sim.sources[atoi(r.Policy)]
		st.StartPosition = &types.Position{Line: int32(r.Start.Line), Column: int32(r.Start.Column)}
		st.EndPosition = &types.Position{Line: int32(r.End.Line), Column: int32(r.End.Column)}
		out = append(out, st)
	}
	return out
}

// details is EvalDecisionDetails: with a resource policy, what the identity
// side and the resource policy each said; without one, empty for a named
// resource and absent for "*".
func (sim *simulation) details(d policy.Decision, resource string) map[string]types.PolicyEvaluationDecisionType {
	if sim.resource == nil {
		if resource == "*" {
			return nil
		}
		return map[string]types.PolicyEvaluationDecisionType{}
	}
	var idAllow, bAllow, idDeny, resAllow, resDeny bool
	for _, r := range d.Evaluated {
		allow, deny := said(r)
		switch r.Side {
		case policy.SideResource:
			resAllow, resDeny = allow, deny
		case policy.SideBoundary:
			bAllow, idDeny = allow, idDeny || deny
		default:
			idAllow, idDeny = idAllow || allow, idDeny || deny
		}
	}
	return map[string]types.PolicyEvaluationDecisionType{
		detailIdentity: sideDecision(idAllow && (sim.boundary == nil || bAllow), idDeny),
		detailResource: sideDecision(resAllow, resDeny),
	}
}

// said reports whether a policy had a matching Allow and a matching Deny.
func said(r policy.PolicyResult) (allow, deny bool) {
	for _, m := range r.Matched {
		if m.Effect == policy.Deny {
			deny = true
		} else {
			allow = true
		}
	}
	return allow, deny
}

func sideDecision(allow, deny bool) types.PolicyEvaluationDecisionType {
	switch {
	case deny:
		return types.PolicyEvaluationDecisionTypeExplicitDeny
	case allow:
		return types.PolicyEvaluationDecisionTypeAllowed
	}
	return types.PolicyEvaluationDecisionTypeImplicitDeny
}

// boundaryDetail says, when a boundary was simulated, whether it allows the
// request (an Allow matched and no Deny did).
func (sim *simulation) boundaryDetail(d policy.Decision) *types.PermissionsBoundaryDecisionDetail {
	if sim.boundary == nil {
		return nil
	}
	for _, r := range d.Evaluated {
		if r.Side == policy.SideBoundary {
			allow, deny := said(r)
			return &types.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: allow && !deny}
		}
	}
	return &types.PermissionsBoundaryDecisionDetail{}
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
