package authz

import (
	"errors"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/sts"
)

// Identities is the Source backed by Ferry's IAM and STS services.
type Identities struct {
	IAM *iam.Service
	STS *sts.Service
}

// Policies implements Source. A user or role deleted while its credentials
// or sessions live on has no policies.
func (s Identities) Policies(p aws.Principal) (iam.PrincipalPolicies, error) {
	pols, err := s.IAM.PoliciesFor(p)
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return iam.PrincipalPolicies{}, nil
	}
	return pols, err
}

// Tags implements Source: the user's tags, or the tags of a session's role.
func (s Identities) Tags(p aws.Principal) (map[string]string, error) {
	var tags []iam.Tag
	switch p.Type {
	case aws.PrincipalUser:
		u, err := s.IAM.UserByARN(p.ARN)
		if err != nil {
			return nil, ignoreMissing(err)
		}
		tags = u.Tags
	case aws.PrincipalAssumedRole:
		r, err := s.IAM.RoleByARN(p.RoleARN)
		if err != nil {
			return nil, ignoreMissing(err)
		}
		tags = r.Tags
	}
	return iam.TagMap(tags), nil
}

// Session implements Source.
func (s Identities) Session(p aws.Principal) (*sts.Session, error) {
	if s.STS == nil {
		return nil, sts.ErrNoSuchSession
	}
	return s.STS.Session(p)
}

// ManagedPolicy implements Source.
func (s Identities) ManagedPolicy(arn string) (iam.PolicyDocument, error) {
	return s.IAM.ManagedPolicyDocument(arn)
}

func ignoreMissing(err error) error {
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil
	}
	return err
}

// Generation implements Source: IAM's write generation.
func (s Identities) Generation() uint64 { return s.IAM.Generation() }
