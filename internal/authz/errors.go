package authz

import (
	"net/http"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/sqs"
	"github.com/ferrystore/ferry/internal/sts"
	"github.com/ferrystore/ferry/policy"
)

// deniedError is the AWS error the service named by the action's prefix
// sends for a denied decision.
func deniedError(req Request, d policy.Decision) *aws.Error {
	service, _, _ := strings.Cut(req.Action, ":")
	switch strings.ToLower(service) {
	case "s3":
		return s3Denied(req, d)
	case "kms":
		return aws.ErrKMSAccessDeniedBecause(d.Request.Principal.Display(), req.Action, d.Request.Resource, d.DenialReason())
	case "sqs":
		return sqs.ErrAccessDenied(d.AccessDeniedMessage(false))
	case "iam":
		return iam.ErrAccessDeniedBecause(req.Principal, req.Action, req.Resource, d.DenialReason())
	case "sts":
		if strings.EqualFold(req.Action, "sts:AssumeRole") {
			return sts.ErrAssumeDenied(req.Principal, req.Resource)
		}
		return aws.New("AccessDenied", http.StatusForbidden, "User: "+d.Request.Principal.Display()+
			" is not authorized to perform: "+req.Action+" on resource: "+req.Resource)
	}
	return aws.New("AccessDenied", http.StatusForbidden, d.AccessDeniedMessage(false))
}

// s3Denied is S3's AccessDenied. Within the bucket owner's account S3 now
// explains the denial (`User: ARN is not authorized to perform: ACTION on
// resource: "ARN" because …`); anonymous and cross-account callers get the
// plain "Access Denied".
func s3Denied(req Request, d policy.Decision) *aws.Error {
	p := req.Principal
	if p.IsAnonymous() || p.Type == aws.PrincipalService || p.Account == "" || d.CrossAccount {
		return aws.ErrAccessDenied()
	}
	return aws.New("AccessDenied", http.StatusForbidden, d.AccessDeniedMessage(true))
}
