package iam

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ferrystore/ferry/internal/aws"
)

// Customer managed policies and their versions.

const (
	maxPolicyVersions = 5
	maxPolicySize     = 6144 // PolicySize, counted without whitespace
)

var versionPattern = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)

// parsePolicyARN splits arn:aws:iam::ACCOUNT:policy/PATH/NAME.
func parsePolicyARN(arn string) (account aws.AccountID, name string, err error) {
	if !strings.HasPrefix(arn, "arn:") {
		return "", "", errBadARN(arn)
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[1] == "" || parts[2] == "" {
		return "", "", errValidation("Invalid ARN:  Could not be parsed!")
	}
	res, ok := strings.CutPrefix(parts[5], "policy/")
	if parts[2] != "iam" || !ok || res == "" {
		return "", "", errBadARN(arn)
	}
	return aws.AccountID(parts[4]), res[strings.LastIndex(res, "/")+1:], nil
}

// policy loads a managed policy by ARN (nil when it does not exist).
func (s *Service) policy(arn string) (*ManagedPolicy, error) {
	account, name, err := parsePolicyARN(arn)
	if err != nil {
		return nil, err
	}
	if account == "aws" {
		if p, ok := awsManaged[name]; ok && p.ARN == arn {
			c := *p
			return &c, nil
		}
		return nil, nil
	}
	var p ManagedPolicy
	found, err := s.load(entityKey(kindPolicy, account, name), &p)
	if err != nil || !found || p.ARN != arn {
		return nil, err
	}
	return &p, nil
}

// existingPolicy authorizes action on a policy ARN, then loads it.
func (s *Service) existingPolicy(ctx context.Context, p aws.Principal, action, arn string) (*ManagedPolicy, error) {
	if _, _, err := parsePolicyARN(arn); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p, action, arn, nil); err != nil {
		return nil, err
	}
	pol, err := s.policy(arn)
	if err != nil {
		return nil, err
	}
	if pol == nil {
		return nil, errNoSuchPolicy(arn)
	}
	return pol, nil
}

// checkIdentityPolicy validates an identity policy and its size.
func (s *Service) checkIdentityPolicy(doc string) error {
	if err := s.validate(doc, KindIdentity); err != nil {
		return err
	}
	if len(strings.Join(strings.Fields(doc), "")) > maxPolicySize {
		return errQuota("PolicySize", maxPolicySize)
	}
	return nil
}

// CreatePolicy creates a customer managed policy with version v1.
func (s *Service) CreatePolicy(ctx context.Context, p aws.Principal, in *sdk.CreatePolicyInput) (*sdk.CreatePolicyOutput, error) {
	name := deref(in.PolicyName)
	path, err := cleanPath(in.Path)
	if err != nil {
		return nil, err
	}
	account := callerAccount(p)
	arn := entityARN(account, "policy", path, name)
	if err := s.authorize(ctx, p, "CreatePolicy", arn, nil); err != nil {
		return nil, err
	}
	tags := fromSDKTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, errInvalidInput("Duplicate tag keys found.")
	}
	doc := deref(in.PolicyDocument)
	if err := s.checkIdentityPolicy(doc); err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var existing ManagedPolicy
	if found, err := s.load(entityKey(kindPolicy, account, name), &existing); err != nil {
		return nil, err
	} else if found {
		return nil, errPolicyExists(name)
	}
	now := s.clock.Now().UTC()
	pol := &ManagedPolicy{Account: account, Name: name, Path: path, ID: newUniqueID("ANPA"), ARN: arn, Description: deref(in.Description),
		Created: now, Updated: now, Default: "v1", Versions: []PolicyVersion{{ID: "v1", Document: doc, Created: now}}, NextVersion: 2, Tags: tags}
	if err := s.commit(map[string]any{string(entityKey(kindPolicy, account, name)): pol}); err != nil {
		return nil, err
	}
	return &sdk.CreatePolicyOutput{Policy: pol.sdk()}, nil
}

// GetPolicy returns a managed policy (customer or AWS managed).
func (s *Service) GetPolicy(ctx context.Context, p aws.Principal, in *sdk.GetPolicyInput) (*sdk.GetPolicyOutput, error) {
	pol, err := s.existingPolicy(ctx, p, "GetPolicy", deref(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	return &sdk.GetPolicyOutput{Policy: pol.sdk()}, nil
}

// ListPolicies lists managed policies: Scope All (default), AWS or Local,
// optionally only attached ones or those under a path prefix.
func (s *Service) ListPolicies(ctx context.Context, p aws.Principal, in *sdk.ListPoliciesInput) (*sdk.ListPoliciesOutput, error) {
	account := callerAccount(p)
	if err := s.authorize(ctx, p, "ListPolicies", entityARN(account, "policy", "/", ""), nil); err != nil {
		return nil, err
	}
	var all []ManagedPolicy
	if in.Scope != types.PolicyScopeTypeLocal {
		for _, name := range []string{"AdministratorAccess", "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess"} {
			all = append(all, *awsManaged[name])
		}
	}
	if in.Scope != types.PolicyScopeTypeAws {
		local, err := scan[ManagedPolicy](s, kindPolicy, account)
		if err != nil {
			return nil, err
		}
		all = append(all, local...)
	}
	prefix := deref(in.PathPrefix)
	var names []string
	var kept []ManagedPolicy
	for _, pol := range all {
		if !strings.HasPrefix(pol.Path, prefix) || (in.OnlyAttached && pol.Attachments == 0) {
			continue
		}
		names, kept = append(names, pol.ARN), append(kept, pol)
	}
	slices.SortFunc(kept, func(a, b ManagedPolicy) int { return strings.Compare(a.ARN, b.ARN) })
	slices.Sort(names)
	from, to, truncated, next, err := page(names, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &sdk.ListPoliciesOutput{Policies: []types.Policy{}, IsTruncated: truncated}
	for i := from; i < to; i++ {
		sp := kept[i].sdk()
		sp.Tags = nil
		out.Policies = append(out.Policies, *sp)
	}
	if truncated {
		out.Marker = ptr(next)
	}
	return out, nil
}

// DeletePolicy deletes a customer managed policy that nothing uses.
func (s *Service) DeletePolicy(ctx context.Context, p aws.Principal, in *sdk.DeletePolicyInput) (*sdk.DeletePolicyOutput, error) {
	arn := deref(in.PolicyArn)
	return &sdk.DeletePolicyOutput{}, s.updatePolicy(ctx, p, "DeletePolicy", arn, "Cannot delete policies outside your own account.", func(pol *ManagedPolicy, records map[string]any) error {
		if pol.Attachments > 0 || pol.BoundaryUses > 0 {
			return errDeleteConflict("Cannot delete a policy attached to entities.")
		}
		records[string(entityKey(kindPolicy, pol.Account, pol.Name))] = nil
		return nil
	})
}

// CreatePolicyVersion adds a version (at most five), optionally as the default.
func (s *Service) CreatePolicyVersion(ctx context.Context, p aws.Principal, in *sdk.CreatePolicyVersionInput) (*sdk.CreatePolicyVersionOutput, error) {
	doc := deref(in.PolicyDocument)
	var created PolicyVersion
	var result *ManagedPolicy
	err := s.updatePolicy(ctx, p, "CreatePolicyVersion", deref(in.PolicyArn), "Cannot update policies outside your own account.", func(pol *ManagedPolicy, _ map[string]any) error {
		if err := s.checkIdentityPolicy(doc); err != nil {
			return err
		}
		if len(pol.Versions) >= maxPolicyVersions {
			return errVersionLimit()
		}
		now := s.clock.Now().UTC()
		created = PolicyVersion{ID: "v" + strconv.Itoa(pol.NextVersion), Document: doc, Created: now}
		pol.NextVersion++
		pol.Versions = append(pol.Versions, created)
		if in.SetAsDefault {
			pol.Default = created.ID
		}
		pol.Updated = now
		result = pol
		return nil
	})
	if err != nil {
		return nil, err
	}
	v := result.sdkVersion(&created, false)
	return &sdk.CreatePolicyVersionOutput{PolicyVersion: &v}, nil
}

// GetPolicyVersion returns one version with its (URL-encoded) document.
func (s *Service) GetPolicyVersion(ctx context.Context, p aws.Principal, in *sdk.GetPolicyVersionInput) (*sdk.GetPolicyVersionOutput, error) {
	arn, id := deref(in.PolicyArn), deref(in.VersionId)
	if err := checkVersionID(id); err != nil {
		return nil, err
	}
	pol, err := s.existingPolicy(ctx, p, "GetPolicyVersion", arn)
	if err != nil {
		return nil, err
	}
	v := pol.version(id)
	if v == nil {
		return nil, errNoSuchVersion(arn, id)
	}
	out := pol.sdkVersion(v, true)
	return &sdk.GetPolicyVersionOutput{PolicyVersion: &out}, nil
}

// ListPolicyVersions lists a policy's versions, newest first.
func (s *Service) ListPolicyVersions(ctx context.Context, p aws.Principal, in *sdk.ListPolicyVersionsInput) (*sdk.ListPolicyVersionsOutput, error) {
	pol, err := s.existingPolicy(ctx, p, "ListPolicyVersions", deref(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	out := &sdk.ListPolicyVersionsOutput{Versions: []types.PolicyVersion{}}
	for i := len(pol.Versions) - 1; i >= 0; i-- {
		out.Versions = append(out.Versions, pol.sdkVersion(&pol.Versions[i], false))
	}
	return out, nil
}

// SetDefaultPolicyVersion makes a version the default.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, p aws.Principal, in *sdk.SetDefaultPolicyVersionInput) (*sdk.SetDefaultPolicyVersionOutput, error) {
	arn, id := deref(in.PolicyArn), deref(in.VersionId)
	if err := checkVersionID(id); err != nil {
		return nil, err
	}
	return &sdk.SetDefaultPolicyVersionOutput{}, s.updatePolicy(ctx, p, "SetDefaultPolicyVersion", arn, "Cannot update policies outside your own account.", func(pol *ManagedPolicy, _ map[string]any) error {
		if pol.version(id) == nil {
			return errNoSuchVersion(arn, id)
		}
		pol.Default = id
		pol.Updated = s.clock.Now().UTC()
		return nil
	})
}

// DeletePolicyVersion deletes a version other than the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, p aws.Principal, in *sdk.DeletePolicyVersionInput) (*sdk.DeletePolicyVersionOutput, error) {
	arn, id := deref(in.PolicyArn), deref(in.VersionId)
	if err := checkVersionID(id); err != nil {
		return nil, err
	}
	return &sdk.DeletePolicyVersionOutput{}, s.updatePolicy(ctx, p, "DeletePolicyVersion", arn, "Cannot delete policy versions for policies outside your own account.", func(pol *ManagedPolicy, _ map[string]any) error {
		i := slices.IndexFunc(pol.Versions, func(v PolicyVersion) bool { return v.ID == id })
		if i < 0 {
			return errNoSuchVersion(arn, id)
		}
		if id == pol.Default {
			return errDeleteConflict("Cannot delete the default version of a policy.")
		}
		pol.Versions = slices.Delete(pol.Versions, i, i+1)
		return nil
	})
}

func checkVersionID(id string) error {
	if !versionPattern.MatchString(id) {
		return errValidation(`1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	}
	return nil
}

// updatePolicy authorizes action on a customer managed policy and applies
// change under the write lock. AWS managed policies are refused with
// awsMessage.
func (s *Service) updatePolicy(ctx context.Context, p aws.Principal, action, arn, awsMessage string, change func(*ManagedPolicy, map[string]any) error) error {
	if strings.HasPrefix(arn, AWSManagedPrefix) {
		if pol, err := s.policy(arn); err != nil {
			return err
		} else if pol == nil {
			return errNoSuchPolicy(arn)
		}
		return errAWSManaged(awsMessage)
	}
	if _, err := s.existingPolicy(ctx, p, action, arn); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	pol, err := s.policy(arn)
	if err != nil {
		return err
	}
	if pol == nil {
		return errNoSuchPolicy(arn)
	}
	key := string(entityKey(kindPolicy, pol.Account, pol.Name))
	records := map[string]any{key: pol}
	if err := change(pol, records); err != nil {
		return err
	}
	return s.commit(records)
}

// adjustPolicy changes a customer managed policy's attachment or boundary
// counters inside a batch (AWS managed policies keep no counters). It must be
// called with the write lock held.
func (s *Service) adjustPolicy(arn string, attachments, boundaries int, records map[string]any) error {
	if strings.HasPrefix(arn, AWSManagedPrefix) {
		return nil
	}
	account, name, err := parsePolicyARN(arn)
	if err != nil {
		return err
	}
	key := string(entityKey(kindPolicy, account, name))
	pol, ok := records[key].(*ManagedPolicy)
	if !ok {
		if pol, err = s.policy(arn); err != nil {
			return err
		}
		if pol == nil {
			return fmt.Errorf("iam: policy %s vanished", arn)
		}
	}
	pol.Attachments += attachments
	pol.BoundaryUses += boundaries
	records[key] = pol
	return nil
}
