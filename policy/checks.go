package policy

import (
	"errors"
	"fmt"
	"strings"
)

// The value checks, one stage each. Each returns the first problem in one
// statement.

func (p *parser) where(s *rawStatement) string { return fmt.Sprintf("statement #%d", s.idx+1) }

// checkEffect: Effect is exactly "Allow" or "Deny" (case-sensitive).
func (p *parser) checkEffect(s *rawStatement) *Error {
	if !s.hasEffect {
		return p.fail(pNoEffect, "", "%s: no Effect", p.where(s))
	}
	if s.effect != string(Allow) && s.effect != string(Deny) {
		return p.fail(pLegacy, s.effect, "%s: Effect %q is not Allow or Deny", p.where(s), s.effect)
	}
	return nil
}

// checkConditionValues: values fit their operator (dates, numbers, IPs),
// and keys carry a vendor prefix.
func (p *parser) checkConditionValues(s *rawStatement) *Error {
	for _, c := range s.conds {
		if p.kind.iamFamily() && !strings.Contains(c.Key, ":") {
			return p.fail(pBadAction, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", "%s: condition key %q has no vendor", p.where(s), c.Key)
		}
		if _, err := compileCondition(c, p.vars); err != nil {
			var cv errCondValue
			if errors.As(err, &cv) {
				return p.fail(pLegacy, c.Operator, "%s: %v", p.where(s), err)
			}
			return p.fail(pSyntax, c.Operator, "%s: %v", p.where(s), err)
		}
	}
	return nil
}

// checkResourceColons: an ARN with too few fields fails IAM's legacy parser.
func (p *parser) checkResourceColons(s *rawStatement) *Error {
	for _, r := range p.resources(s) {
		if strings.HasPrefix(r, "arn:") && strings.Count(r, ":") < 5 && strings.Count(r, ":") >= 2 {
			return p.fail(pLegacy, r, "%s: resource %q has fewer than six ARN fields", p.where(s), r)
		}
	}
	return nil
}

func (p *parser) resources(s *rawStatement) []string {
	if s.notResource != nil {
		return s.notResource
	}
	return s.resource
}

func (p *parser) actions(s *rawStatement) []string {
	if s.notAction != nil {
		return s.notAction
	}
	return s.action
}

// checkActionsPresent: Action or NotAction, not empty.
func (p *parser) checkActionsPresent(s *rawStatement) *Error {
	if len(p.actions(s)) == 0 {
		return p.fail(pNoAction, "", "%s: no Action or NotAction", p.where(s))
	}
	return nil
}

// checkResourceFormat: "*" or an ARN in a known partition; S3 ARNs carry no
// region; a bucket policy names only its own bucket.
func (p *parser) checkResourceFormat(s *rawStatement) *Error {
	for _, r := range p.resources(s) {
		if msg := p.resourceProblem(r); msg != "" {
			return p.fail(pBadResource, msg, "%s: resource %q", p.where(s), r)
		}
	}
	return nil
}

// resourceProblem returns IAM's sentence for a bad resource, "" if good.
func (p *parser) resourceProblem(r string) string {
	if r == "*" {
		return ""
	}
	if p.kind == BucketPolicy {
		return p.bucketResourceProblem(r)
	}
	if !strings.HasPrefix(r, "arn:") {
		return fmt.Sprintf("Resource %s must be in ARN format or \"*\".", r)
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) < 3 || parts[2] == "" || strings.ContainsAny(parts[2], "*?") {
		return "Resource vendor must be fully qualified and cannot contain regexes."
	}
	for len(parts) < 6 {
		parts = append(parts, "*")
	}
	if !validPartition(parts[1]) && !strings.ContainsAny(parts[1], "*?$") {
		return fmt.Sprintf("Partition \"%s\" is not valid for resource \"%s\".", parts[1], strings.Join(parts, ":"))
	}
	switch parts[2] {
	case "s3":
		if parts[3] != "" && !strings.ContainsAny(parts[3], "*?") && !strings.HasPrefix(parts[5], "accesspoint/") && !strings.Contains(parts[5], "accesspoint/") && !strings.HasPrefix(parts[5], "job/") && !strings.HasPrefix(parts[5], "storage-lens/") {
			return fmt.Sprintf("Resource %s can not contain region information.", r)
		}
	case "iam":
		if parts[3] != "" && parts[3] != "*" {
			return fmt.Sprintf("IAM resource %s cannot contain region information.", r)
		}
	}
	return ""
}

// bucketResourceProblem checks a bucket policy resource: an S3 ARN of the
// policy's bucket or its objects.
func (p *parser) bucketResourceProblem(r string) string {
	const prefix = "arn:aws:s3:::"
	if !strings.HasPrefix(r, prefix) || len(r) == len(prefix) {
		return "bad"
	}
	if p.opt.Bucket == "" {
		return ""
	}
	bucket := r[len(prefix):]
	if i := strings.IndexByte(bucket, '/'); i >= 0 {
		bucket = bucket[:i]
	}
	pat := compilePattern(bucket, true, false, false)
	if !pat.match(p.opt.Bucket, nil) {
		return "bad"
	}
	return ""
}

// checkActionFormat: "*" or vendor:action, one colon, a vendor of letters,
// digits and dashes. Kinds restrict vendors: trust policies take sts only,
// bucket policies s3 only.
func (p *parser) checkActionFormat(s *rawStatement) *Error {
	for _, a := range p.actions(s) {
		if a == "*" {
			continue
		}
		vendor, _, ok := strings.Cut(a, ":")
		switch {
		case !ok:
			return p.fail(pBadAction, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", "%s: action %q", p.where(s), a)
		case strings.Count(a, ":") > 1:
			return p.fail(pBadAction, "Actions/Condition can contain only one colon.", "%s: action %q", p.where(s), a)
		case !validVendor(vendor):
			return p.fail(pBadAction, fmt.Sprintf("Vendor %s is not valid", vendor), "%s: action %q", p.where(s), a)
		case p.kind == BucketPolicy && !strings.EqualFold(vendor, "s3"):
			return p.fail(pBadAction, "", "%s: action %q is not an S3 action", p.where(s), a)
		}
	}
	return nil
}

func validVendor(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '*' || c == '?') {
			return false
		}
	}
	return true
}

// checkPrincipalPresence: identity-side policies have no Principal;
// resource-based ones must have one.
func (p *parser) checkPrincipalPresence(s *rawStatement) *Error {
	has := s.hasPrincipalElem || s.hasNotPrincElem
	switch {
	case p.kind.resourceBased() && !has:
		return p.fail(pNoPrincipal, "", "%s: no Principal", p.where(s))
	case !p.kind.resourceBased() && has:
		return p.fail(pPrincipalInIdent, "", "%s: an %s cannot name a principal", p.where(s), p.kind)
	}
	return nil
}

// checkResourcesPresent: every kind but trust policies needs resources.
func (p *parser) checkResourcesPresent(s *rawStatement) *Error {
	if p.kind != TrustPolicy && len(p.resources(s)) == 0 {
		return p.fail(pNoResource, "", "%s: no Resource or NotResource", p.where(s))
	}
	return nil
}

// checkTrust: a trust policy has no Resource and only sts actions.
func (p *parser) checkTrust(s *rawStatement) *Error {
	if p.kind != TrustPolicy {
		return nil
	}
	if s.hasResourceElem {
		return p.fail(pResourceInTrust, "", "%s: a trust policy cannot have Resource", p.where(s))
	}
	for _, a := range p.actions(s) {
		if a != "*" && !strings.HasPrefix(strings.ToLower(a), "sts:") {
			return p.fail(pTrustAction, "", "%s: action %q", p.where(s), a)
		}
	}
	return nil
}

// checkPrincipalValues: every principal value is well-formed (and exists,
// when Options.PrincipalExists is set).
func (p *parser) checkPrincipalValues(s *rawStatement) *Error {
	pr := s.principal
	if s.hasNotPrincElem {
		pr = s.notPrincipal
	}
	for _, typ := range pr.types() {
		for _, v := range pr[typ] {
			if !p.validPrincipal(typ, v) {
				return p.fail(pBadPrincipal, fmt.Sprintf("%q:%q", typ, v), "%s: principal %s %q", p.where(s), typ, v)
			}
		}
	}
	return nil
}

func (p *parser) validPrincipal(typ, v string) bool {
	switch typ {
	case "*":
		return true
	case "AWS":
		if v == "*" {
			return true
		}
		a, ok := parseAWSPrincipal(v)
		if !ok {
			return false
		}
		if p.opt.PrincipalExists != nil && a.kind != awsAccount && a.kind != awsUniqueID {
			return p.opt.PrincipalExists(v)
		}
		return true
	case "Service":
		return v != "" && !strings.ContainsAny(v, " \t*:/")
	case "Federated":
		return v != "" && !strings.ContainsAny(v, " \t*")
	case "CanonicalUser":
		return len(v) == 64 && strings.Trim(strings.ToLower(v), "0123456789abcdef") == ""
	}
	return false
}

// checkBucketActions: in a bucket policy, some resource of the statement
// must be of the type each action works on (bucket or object).
func (p *parser) checkBucketActions(s *rawStatement) *Error {
	if p.kind != BucketPolicy || s.notResource != nil || s.notAction != nil {
		return nil
	}
	var bucket, object bool
	for _, r := range s.resource {
		rest := strings.TrimPrefix(r, "arn:aws:s3:::")
		switch {
		case r == "*" || strings.HasSuffix(rest, "*") && !strings.Contains(rest, "/"):
			bucket, object = true, true
		case strings.Contains(rest, "/"):
			object = true
		default:
			bucket = true
		}
	}
	for _, a := range s.action {
		switch s3ActionTarget(a) {
		case targetObject:
			if !object {
				return p.fail(pActionResource, "", "%s: %s needs an object resource (bucket/key)", p.where(s), a)
			}
		case targetBucket:
			if !bucket {
				return p.fail(pActionResource, "", "%s: %s needs the bucket resource", p.where(s), a)
			}
		}
	}
	return nil
}

// uniqueSids: IAM rejects two statements with the same non-empty Sid.
func (p *parser) uniqueSids() *Error {
	seen := map[string]bool{}
	for _, s := range p.stmts {
		if s.sid == "" {
			continue
		}
		if seen[s.sid] {
			return p.fail(pSid, "", "Sid %q appears twice", s.sid)
		}
		seen[s.sid] = true
	}
	return nil
}
