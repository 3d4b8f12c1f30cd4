package authz

import (
	"strconv"
	"time"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/sts"
	"github.com/ferrystore/ferry/policy"
)

// The global condition keys AWS sets for every request. The keys that
// describe the principal (aws:PrincipalArn, aws:PrincipalAccount,
// aws:PrincipalType, aws:userid, aws:username, aws:PrincipalTag/…,
// aws:PrincipalIsAWSService) are derived by the policy engine from
// policy.Principal.

// context is the request's condition keys: the service's own and the
// global keys AWS sets for every request.
func (a *Authorizer) context(req Request, info Info, sess *sts.Session) policy.Context {
	c := req.Keys // built for this request by the caller: extended in place
	setDefault := func(k string, v ...string) {
		if _, ok := c.Get(k); !ok {
			c.Set(k, v...)
		}
	}
	now := a.clock.Now().UTC()
	setDefault("aws:CurrentTime", now.Format(time.RFC3339))
	setDefault("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	setDefault("aws:SecureTransport", strconv.FormatBool(info.Secure))
	if info.SourceIP.IsValid() {
		setDefault("aws:SourceIp", info.SourceIP.String())
	}
	if info.Region != "" {
		setDefault("aws:RequestedRegion", info.Region)
	}
	p := req.Principal
	if len(info.CalledVia) > 0 {
		setDefault("aws:ViaAWSService", "true")
		setDefault("aws:CalledVia", info.CalledVia...)
		setDefault("aws:CalledViaFirst", info.CalledVia[0])
		setDefault("aws:CalledViaLast", info.CalledVia[len(info.CalledVia)-1])
	} else {
		setDefault("aws:ViaAWSService", "false")
	}
	if p.Type != aws.PrincipalService {
		// aws:SourceAccount and aws:SourceArn exist only where a service
		// principal calls directly.
		c.Delete("aws:SourceAccount")
		c.Delete("aws:SourceArn")
	}
	if sess != nil {
		// Temporary credentials: Ferry has no MFA, so the key is present
		// and false (it is absent for long-term keys, as in AWS).
		setDefault("aws:MultiFactorAuthPresent", "false")
		setDefault("aws:TokenIssueTime", sess.Created.UTC().Format(time.RFC3339))
		if sess.SourceIdentity != "" {
			setDefault("aws:SourceIdentity", sess.SourceIdentity)
		}
	}
	return c
}
