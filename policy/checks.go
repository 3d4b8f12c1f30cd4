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

// checkResourceColons: IAM's legacy parser rejects an ARN-like resource with
// an empty field before its sixth ("arn:aws:s3::bucket") or an empty vendor.
// A resource with a format problem is left to checkResourceFormat, which
// reports later with the resource in the message.
func (p *parser) checkResourceColons(s *rawStatement) *Error {
	for _, r := range p.resources(s) {
		if r == "*" || p.resourceProblem(r) != "" {
			continue
		}
		parts := strings.Split(r, ":")
		if strings.Count(r, ":") < 5 && strings.Contains(r, "::") || len(parts) > 2 && parts[2] == "" {
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

// iamPathPrefixes are the resource types an IAM ARN may name.
var iamPathPrefixes = []string{"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
	"server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/"}

// resourceProblem returns IAM's sentence for a bad resource, "" if good.
// A missing field is shown padded with "*", as IAM does.
func (p *parser) resourceProblem(r string) string {
	if r == "*" {
		return ""
	}
	if p.kind == BucketPolicy {
		return p.bucketResourceProblem(r)
	}
	_, rest, ok := strings.Cut(r, ":")
	if !ok {
		return fmt.Sprintf("Resource %s must be in ARN format or \"*\".", r)
	}
	partition, rest, hasVendor := strings.Cut(rest, ":")
	if partition != "*" && !validPartition(partition) {
		f := strings.SplitN(rest, ":", 4)
		pad := func(i int) string {
			if i < len(f) && (f[i] != "" || i > 0 || len(f) > 1) {
				return f[i]
			}
			return "*"
		}
		return fmt.Sprintf("Partition \"%s\" is not valid for resource \"arn:%s:%s:%s:%s:%s\".", partition, partition, pad(0), pad(1), pad(2), pad(3))
	}
	if !hasVendor {
		return "Resource vendor must be fully qualified and cannot contain regexes."
	}
	f := strings.SplitN(rest, ":", 4) // vendor, region, account, resource
	for len(f) < 4 {
		f = append(f, "")
	}
	vendor, region, res := f[0], f[1], f[3]
	switch vendor {
	case "s3":
		if region != "" && !strings.HasPrefix(res, "accesspoint/") {
			return fmt.Sprintf("Resource %s can not contain region information.", r)
		}
	case "iam":
		if region != "" {
			return fmt.Sprintf("IAM resource %s cannot contain region information.", r)
		}
		if res != "" && res != "root" && !strings.HasPrefix(res, "*") && !hasAnyPrefix(res, iamPathPrefixes) {
			return "IAM resource path must either be \"*\", root, or start with " + strings.Join(iamPathPrefixes, ", ") + "."
		}
	}
	return ""
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
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

// validVendor: "*", or letters, digits, dashes and dots.
func validVendor(v string) bool {
	if v == "*" {
		return true
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
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
	for _, a := range p.actions(s) {
		if a != "*" && !strings.HasPrefix(strings.ToLower(a), "sts:") {
			return p.fail(pTrustAction, "", "%s: action %q", p.where(s), a)
		}
	}
	if s.hasResourceElem {
		return p.fail(pResourceInTrust, "", "%s: a trust policy cannot have Resource", p.where(s))
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
