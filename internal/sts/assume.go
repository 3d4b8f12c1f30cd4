package sts

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
)

// Session durations (seconds).
const (
	defaultRoleSession  = 3600
	maxChainedSession   = 3600
	defaultUserSession  = 43200
	maxRootSession      = 3600
	minSessionDuration  = 900
	maxRoleSessionLimit = 43200
	maxPackedPolicy     = 2048
)

var (
	roleARNPattern     = regexp.MustCompile(`^arn:aws:iam::(\d{12}):role/(?:[\x21-\x7E]*/)?([\w+=,.@-]+)$`)
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]*$`)
)

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// AssumeRole issues credentials for a session of a role whose trust policy
// lets the caller in. Root users may not assume roles; a session assuming
// another role (role chaining) is limited to one hour.
func (s *Service) AssumeRole(ctx context.Context, p aws.Principal, in *sdk.AssumeRoleInput) (*sdk.AssumeRoleOutput, error) {
	roleARN, name := deref(in.RoleArn), deref(in.RoleSessionName)
	if !roleARNPattern.MatchString(roleARN) {
		return nil, errValidation(roleARN + " is invalid")
	}
	if p.Type == aws.PrincipalRoot {
		return nil, aws.New("AccessDenied", http.StatusForbidden, "Roles may not be assumed by root accounts.")
	}
	if !sessionNamePattern.MatchString(name) || len(name) < 2 || len(name) > 64 {
		return nil, errValidation("1 validation error detected: Value '" + name + "' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
	}
	tags, err := sessionTags(in.Tags, in.TransitiveTagKeys)
	if err != nil {
		return nil, err
	}
	if in.Policy != nil {
		if err := s.validate(*in.Policy, iam.KindIdentity); err != nil {
			return nil, err
		}
	}
	role, err := s.iam.RoleByARN(roleARN)
	if err != nil && !isNotFound(err) {
		return nil, aws.Internal(err)
	}
	if role == nil {
		return nil, ErrAssumeDenied(p, roleARN)
	}
	req := TrustRequest{Caller: p, Role: role, Action: "sts:AssumeRole", Context: assumeContext(p, name, in, tags)}
	if err := s.trust.AllowAssumeRole(ctx, req); err != nil {
		return nil, err
	}
	duration, err := roleDuration(in.DurationSeconds, role, p.Type == aws.PrincipalAssumedRole)
	if err != nil {
		return nil, err
	}
	sess := &Session{Principal: assumedRolePrincipal(role, name), Policy: deref(in.Policy), Tags: tags,
		TransitiveTags: in.TransitiveTagKeys, SourceIdentity: deref(in.SourceIdentity)}
	if err := s.inherit(p, sess); err != nil {
		return nil, err
	}
	for _, d := range in.PolicyArns {
		sess.PolicyARNs = append(sess.PolicyARNs, deref(d.Arn))
	}
	if err := s.issue(sess, duration); err != nil {
		return nil, err
	}
	out := &sdk.AssumeRoleOutput{Credentials: credentials(sess),
		AssumedRoleUser: &types.AssumedRoleUser{Arn: ptr(sess.Principal.ARN), AssumedRoleId: ptr(sess.Principal.UserID)}}
	if in.Policy != nil || len(in.PolicyArns) > 0 || len(tags) > 0 {
		out.PackedPolicySize = ptr(packedSize(sess))
	}
	if sess.SourceIdentity != "" {
		out.SourceIdentity = ptr(sess.SourceIdentity)
	}
	return out, nil
}

// inherit carries a calling session's source identity and transitive tags
// into a chained session, as AWS does: the source identity cannot change and
// transitive tags pass on (a tag set again in the request is refused).
func (s *Service) inherit(caller aws.Principal, sess *Session) error {
	if caller.SessionToken == "" {
		return nil
	}
	parent, err := s.Session(caller)
	switch {
	case errors.Is(err, ErrNoSuchSession):
		return nil
	case err != nil && parent == nil:
		return aws.Internal(err)
	}
	if parent.SourceIdentity != "" {
		sess.SourceIdentity = parent.SourceIdentity
	}
	for _, k := range parent.TransitiveTags {
		for requested := range sess.Tags {
			if strings.EqualFold(requested, k) {
				return errInvalidParameter("One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.")
			}
		}
	}
	for _, k := range parent.TransitiveTags {
		if sess.Tags == nil {
			sess.Tags = map[string]string{}
		}
		sess.Tags[k] = parent.Tags[k]
		sess.TransitiveTags = append(sess.TransitiveTags, k)
	}
	return nil
}

// AssumeRoleAsService lets an AWS service inside Ferry (for example
// "s3.amazonaws.com" replicating for a bucket) assume a role. The trust
// decision sees the service principal and aws:SourceAccount/aws:SourceArn.
// Not reachable over HTTP.
func (s *Service) AssumeRoleAsService(ctx context.Context, service, roleARN, sourceAccount, sourceARN string) (*Session, error) {
	caller := ServiceCaller(service)
	role, err := s.iam.RoleByARN(roleARN)
	if err != nil && !isNotFound(err) {
		return nil, aws.Internal(err)
	}
	if role == nil {
		return nil, ErrAssumeDenied(caller, roleARN)
	}
	principal, keys := ServiceSession(service, role, sourceAccount, sourceARN)
	if err := s.trust.AllowAssumeRole(ctx, TrustRequest{Caller: caller, Role: role, Action: "sts:AssumeRole", Context: keys}); err != nil {
		return nil, err
	}
	sess := &Session{Principal: principal, SourceAccount: sourceAccount, SourceARN: sourceARN}
	if err := s.issue(sess, defaultRoleSession*time.Second); err != nil {
		return nil, err
	}
	return sess, nil
}

// ServiceCaller is the principal of an AWS service (such as
// "s3.amazonaws.com") calling STS inside Ferry.
func ServiceCaller(service string) aws.Principal {
	return aws.Principal{Type: aws.PrincipalService, ARN: service, UserID: service}
}

// ServiceSession is what AssumeRoleAsService gives service for role: the
// session's principal, and the condition keys of the trust decision
// (sts:RoleSessionName, aws:SourceAccount, aws:SourceArn). Diagnostics use
// it to ask the same questions without creating a session.
func ServiceSession(service string, role *iam.Role, sourceAccount, sourceARN string) (aws.Principal, map[string][]string) {
	name := strings.SplitN(service, ".", 2)[0] + "-session"
	keys := map[string][]string{"sts:RoleSessionName": {name}}
	if sourceAccount != "" {
		keys["aws:SourceAccount"] = []string{sourceAccount}
	}
	if sourceARN != "" {
		keys["aws:SourceArn"] = []string{sourceARN}
	}
	return assumedRolePrincipal(role, name), keys
}

// assumedRolePrincipal is the principal of a role session: ARN
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION (no role path), user id
// ROLEID:SESSION, and the role ARN for aws:PrincipalArn.
func assumedRolePrincipal(role *iam.Role, session string) aws.Principal {
	return aws.Principal{Type: aws.PrincipalAssumedRole, Account: role.Account,
		ARN:    "arn:aws:sts::" + string(role.Account) + ":assumed-role/" + role.Name + "/" + session,
		UserID: role.ID + ":" + session, RoleARN: role.ARN}
}

// roleDuration applies the default and the role's and chaining limits.
func roleDuration(requested *int32, role *iam.Role, chained bool) (time.Duration, error) {
	d := int32(defaultRoleSession)
	if requested != nil {
		d = *requested
	}
	switch {
	case d < minSessionDuration:
		return 0, errValidation("1 validation error detected: Value '" + itoa(d) + "' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
	case d > maxRoleSessionLimit:
		return 0, errValidation("1 validation error detected: Value '" + itoa(d) + "' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200")
	case chained && d > maxChainedSession:
		return 0, errValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	case d > role.MaxSessionDuration:
		return 0, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return time.Duration(d) * time.Second, nil
}

// sessionTags checks tags (keys unique case-insensitively) and that the
// transitive keys are among them.
func sessionTags(in []types.Tag, transitive []string) (map[string]string, error) {
	if len(in) == 0 && len(transitive) == 0 {
		return nil, nil
	}
	tags := map[string]string{}
	lower := map[string]bool{}
	for _, t := range in {
		k := strings.ToLower(deref(t.Key))
		if lower[k] {
			return nil, errInvalidParameter("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		lower[k] = true
		tags[deref(t.Key)] = deref(t.Value)
	}
	for _, k := range transitive {
		if !lower[strings.ToLower(k)] {
			return nil, errInvalidParameter("The specified transitive tag key must be included in the requested tags.")
		}
	}
	return tags, nil
}

// assumeContext is the condition context of an AssumeRole request.
func assumeContext(p aws.Principal, name string, in *sdk.AssumeRoleInput, tags map[string]string) map[string][]string {
	keys := map[string][]string{
		"aws:PrincipalArn":     {p.PrincipalARN()},
		"aws:PrincipalAccount": {string(p.Account)},
		"sts:RoleSessionName":  {name},
	}
	if in.ExternalId != nil {
		keys["sts:ExternalId"] = []string{*in.ExternalId}
	}
	if in.SourceIdentity != nil {
		keys["sts:SourceIdentity"] = []string{*in.SourceIdentity}
	}
	for k, v := range tags {
		keys["aws:RequestTag/"+k] = []string{v}
		keys["aws:TagKeys"] = append(keys["aws:TagKeys"], k)
	}
	return keys
}

// packedSize is the share (percent) of the packed session budget used by
// the session policy, policy ARNs and tags.
func packedSize(sess *Session) int32 {
	n := len(sess.Policy)
	for _, a := range sess.PolicyARNs {
		n += len(a)
	}
	tags, _ := json.Marshal(sess.Tags)
	if len(sess.Tags) > 0 {
		n += len(tags)
	}
	return int32((n*100 + maxPackedPolicy - 1) / maxPackedPolicy)
}

// GetSessionToken issues credentials for the calling user or root (12 hours
// by default, at most one hour for root). Session credentials cannot call it.
func (s *Service) GetSessionToken(_ context.Context, p aws.Principal, in *sdk.GetSessionTokenInput) (*sdk.GetSessionTokenOutput, error) {
	if p.SessionToken != "" || p.Type == aws.PrincipalAssumedRole {
		return nil, aws.New("AccessDenied", http.StatusForbidden, "Cannot call GetSessionToken with session credentials")
	}
	if p.Type != aws.PrincipalUser && p.Type != aws.PrincipalRoot {
		return nil, aws.New("AccessDenied", http.StatusForbidden, "User: "+p.ARN+" is not authorized to perform: sts:GetSessionToken")
	}
	d := int32(defaultUserSession)
	if p.Type == aws.PrincipalRoot {
		d = maxRootSession
	}
	if in.DurationSeconds != nil {
		d = *in.DurationSeconds
		if d < minSessionDuration {
			return nil, errValidation("1 validation error detected: Value '" + itoa(d) + "' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
		}
		if p.Type == aws.PrincipalRoot && d > maxRootSession {
			d = maxRootSession
		}
	}
	principal := p
	sess := &Session{Principal: principal}
	if err := s.issue(sess, time.Duration(d)*time.Second); err != nil {
		return nil, err
	}
	return &sdk.GetSessionTokenOutput{Credentials: credentials(sess)}, nil
}

// GetCallerIdentity tells the caller who it is: account, ARN and user id
// (the account id for root, AIDA… for users, AROA…:session for role
// sessions). It needs no permission.
func (s *Service) GetCallerIdentity(_ context.Context, p aws.Principal, _ *sdk.GetCallerIdentityInput) (*sdk.GetCallerIdentityOutput, error) {
	return &sdk.GetCallerIdentityOutput{Account: ptr(string(p.Account)), Arn: ptr(p.ARN), UserId: ptr(p.UserID)}, nil
}

func credentials(sess *Session) *types.Credentials {
	exp := sess.Expiration.UTC()
	return &types.Credentials{AccessKeyId: ptr(sess.AccessKeyID), SecretAccessKey: ptr(sess.SecretAccessKey),
		SessionToken: ptr(sess.SessionToken), Expiration: &exp}
}

func isNotFound(err error) bool { return errors.Is(err, iam.ErrNoSuchEntity) }

func itoa(n int32) string { return strconv.Itoa(int(n)) }
