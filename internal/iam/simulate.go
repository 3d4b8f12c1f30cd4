package iam

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/policy"
)

// The policy simulator: SimulatePrincipalPolicy and SimulateCustomPolicy
// evaluate documents with the policy engine, as requests are decided, and
// report per action and resource the decision, the statements that made it
// and the condition keys the caller should supply. Nothing is stored.

// simInput is what the two operations have in common.
type simInput struct {
	policies, boundaries []string
	actions, resources   []string
	resourcePolicy       *string
	resourceOwner        string
	callerARN            string
	context              []types.ContextEntry
	marker               *string
	maxItems             *int32
}

// SimulatePrincipalPolicy simulates the policies of a user or role (inline,
// attached and its permissions boundary), with extra identity policies
// from PolicyInputList and an optional resource policy. Authorized as
// iam:SimulatePrincipalPolicy on the principal's ARN.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, p aws.Principal, in *sdk.SimulatePrincipalPolicyInput) (*sdk.SimulatePrincipalPolicyOutput, error) {
	source := deref(in.PolicySourceArn)
	kind, name, err := simulationSource(source)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p, "SimulatePrincipalPolicy", source, nil); err != nil {
		return nil, err
	}
	sim := &simulation{}
	if err := s.loadSubject(sim, kind, name, source); err != nil {
		return nil, err
	}
	if in.ResourcePolicy != nil && kind != "user" && deref(in.CallerArn) == "" {
		// [Inf] message: not observed from AWS.
		return nil, errInvalidInput("CallerArn must be specified with a resource policy when the policy source is not an IAM user.")
	}
	results, truncated, marker, err := s.simulate(sim, simInput{
		policies: in.PolicyInputList, boundaries: in.PermissionsBoundaryPolicyInputList,
		actions: in.ActionNames, resources: in.ResourceArns, resourcePolicy: in.ResourcePolicy,
		resourceOwner: deref(in.ResourceOwner), callerARN: deref(in.CallerArn),
		context: in.ContextEntries, marker: in.Marker, maxItems: in.MaxItems,
	})
	if err != nil {
		return nil, err
	}
	return &sdk.SimulatePrincipalPolicyOutput{EvaluationResults: results, IsTruncated: truncated, Marker: marker}, nil
}

// SimulateCustomPolicy simulates identity policies given as documents, with
// an optional permissions boundary and resource policy. Authorized as
// iam:SimulateCustomPolicy on "*".
func (s *Service) SimulateCustomPolicy(ctx context.Context, p aws.Principal, in *sdk.SimulateCustomPolicyInput) (*sdk.SimulateCustomPolicyOutput, error) {
	if err := s.authorize(ctx, p, "SimulateCustomPolicy", "*", nil); err != nil {
		return nil, err
	}
	if in.ResourcePolicy != nil && deref(in.CallerArn) == "" {
		// [Inf] message: not observed from AWS.
		return nil, errInvalidInput("CallerArn must be specified with a resource policy.")
	}
	sim := &simulation{principal: policy.Principal{Type: policy.User, Account: string(callerAccount(p))}}
	results, truncated, marker, err := s.simulate(sim, simInput{
		policies: in.PolicyInputList, boundaries: in.PermissionsBoundaryPolicyInputList,
		actions: in.ActionNames, resources: in.ResourceArns, resourcePolicy: in.ResourcePolicy,
		resourceOwner: deref(in.ResourceOwner), callerARN: deref(in.CallerArn),
		context: in.ContextEntries, marker: in.Marker, maxItems: in.MaxItems,
	})
	if err != nil {
		return nil, err
	}
	return &sdk.SimulateCustomPolicyOutput{EvaluationResults: results, IsTruncated: truncated, Marker: marker}, nil
}

// simulationSource splits a PolicySourceArn into its entity kind ("user",
// "role" or "group") and name.
func simulationSource(arn string) (kind, name string, err error) {
	res := arnResource(arn)
	kind, rest, ok := strings.Cut(res, "/")
	if !strings.HasPrefix(arn, "arn:aws:iam::") || arnAccount(arn) == "" || !ok || rest == "" {
		// [Inf] message: not observed from AWS.
		return "", "", errInvalidInput("Invalid ARN " + arn + ".")
	}
	switch kind {
	case "user", "role", "group":
		return kind, lastSegment(rest), nil
	}
	// [Inf] message: not observed from AWS.
	return "", "", errInvalidInput("Policy source " + arn + " is not a user, group or role.")
}

// loadSubject fills sim with the user's or role's policies and makes it
// the simulated principal. Ferry has no groups.
func (s *Service) loadSubject(sim *simulation, kind, name, arn string) error {
	var inline map[string]string
	var attached []string
	var boundary string
	switch kind {
	case "user":
		u, err := s.UserByARN(arn)
		if err != nil {
			return missing(err, errNoSuchUser(name))
		}
		inline, attached, boundary = u.Inline, u.Attached, u.Boundary
		sim.principal = policy.Principal{Type: policy.User, ARN: u.ARN, Account: string(u.Account), UserID: u.ID, Tags: TagMap(u.Tags)}
	case "role":
		r, err := s.RoleByARN(arn)
		if err != nil {
			return missing(err, errNoSuchRole(name))
		}
		inline, attached, boundary = r.Inline, r.Attached, r.Boundary
		sim.principal = policy.Principal{Type: policy.AssumedRole, ARN: r.ARN, RoleARN: r.ARN, Account: string(r.Account), UserID: r.ID, Tags: TagMap(r.Tags)}
	default:
		return aws.New("NoSuchEntity", http.StatusNotFound, "The group with name "+name+" cannot be found.")
	}
	pols, err := s.gather(inline, attached, boundary, "")
	if err != nil {
		return err
	}
	for _, d := range pols.Identity {
		if _, err := sim.addStored(d, kind, policy.Identity); err != nil {
			return err
		}
	}
	if pols.Boundary != nil {
		n, err := sim.addStored(*pols.Boundary, kind, policy.Boundary)
		if err != nil {
			return err
		}
		sim.boundary = n
	}
	return nil
}

// missing turns ErrNoSuchEntity into the operation's NoSuchEntity error.
func missing(err error, notFound *aws.Error) error {
	if errors.Is(err, ErrNoSuchEntity) {
		return notFound
	}
	return err
}

// TagMap returns tags as a map of key to value, nil when there are none.
func TagMap(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out
}

// simulate completes sim from the request and evaluates every action on
// every resource, returning one page of results.
func (s *Service) simulate(sim *simulation, in simInput) ([]types.EvaluationResult, bool, *string, error) {
	if err := sim.addInputs(in); err != nil {
		return nil, false, nil, err
	}
	if err := s.setCaller(sim, in.callerARN); err != nil {
		return nil, false, nil, err
	}
	if err := sim.setResource(in); err != nil {
		return nil, false, nil, err
	}
	ctxt, err := simulationContext(in.context)
	if err != nil {
		return nil, false, nil, err
	}
	sim.context = ctxt
	if err := checkActions(in.actions); err != nil {
		return nil, false, nil, err
	}
	resources := in.resources
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	from, to, err := simPage(len(in.actions)*len(resources), in.marker, in.maxItems)
	if err != nil {
		return nil, false, nil, err
	}
	out := make([]types.EvaluationResult, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, sim.evaluate(in.actions[i/len(resources)], resources[i%len(resources)], len(in.resources) > 0))
	}
	if to < len(in.actions)*len(resources) {
		return out, true, ptr(strconv.Itoa(to)), nil
	}
	return out, false, nil, nil
}

// setCaller makes CallerArn, an IAM user's ARN, the simulated caller (with
// the policies gathered so far). The user need not exist.
func (s *Service) setCaller(sim *simulation, arn string) error {
	if arn == "" {
		return nil
	}
	if !strings.HasPrefix(arn, "arn:aws:iam::") || arnAccount(arn) == "" || !strings.HasPrefix(arnResource(arn), "user/") {
		// [Inf] message: not observed from AWS.
		return errInvalidInput("Invalid CallerArn " + arn + ": only the ARN of an IAM user can be the simulated caller.")
	}
	sim.principal = policy.Principal{Type: policy.User, ARN: arn, Account: string(arnAccount(arn))}
	if u, err := s.UserByARN(arn); err == nil {
		sim.principal.UserID, sim.principal.Tags = u.ID, TagMap(u.Tags)
	} else if !errors.Is(err, ErrNoSuchEntity) {
		return err
	}
	return nil
}

// checkActions requires "service:Action" names without wildcards.
func checkActions(actions []string) error {
	for _, a := range actions {
		svc, op, ok := strings.Cut(a, ":")
		if !ok || svc == "" || op == "" || strings.ContainsAny(a, "*?") {
			// [Inf] message: not observed from AWS.
			return errInvalidInput("Invalid action name " + a + ": use service:Action, without wildcards.")
		}
	}
	return nil
}

// simPage picks the results of one page; the marker is the index of the
// first result of the next page.
func simPage(n int, marker *string, maxItems *int32) (from, to int, err error) {
	limit := 100
	if maxItems != nil && *maxItems > 0 {
		limit = int(*maxItems)
	}
	if m := deref(marker); m != "" {
		from = atoi(m)
		if from <= 0 || from >= n {
			return 0, 0, errValidation("Invalid Marker.")
		}
	}
	return from, min(from+limit, n), nil
}
