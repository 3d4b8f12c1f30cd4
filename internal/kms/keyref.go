package kms

import (
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// ParsedRef is a key reference taken apart: exactly one of KeyID and Alias
// is set. Account is empty when the reference named no account (a bare key
// id or alias name), meaning the caller's account.
type ParsedRef struct {
	Account aws.AccountID
	Region  string
	KeyID   string
	Alias   string // "alias/NAME"
}

// ParseKeyRef parses a key id, key ARN, alias name or alias ARN as sent by a
// client. region is the region of the request: an ARN of another region is
// NotFoundException "Invalid arn REGION", as in AWS.
func ParseKeyRef(ref, region string) (ParsedRef, error) {
	switch {
	case strings.HasPrefix(ref, "alias/"):
		return ParsedRef{Region: region, Alias: ref}, nil
	case strings.HasPrefix(ref, "arn:"):
		parts := strings.SplitN(ref, ":", 6)
		if len(parts) != 6 || parts[1] != "aws" || parts[2] != "kms" || !aws.AccountID(parts[4]).Valid() {
			return ParsedRef{}, aws.ErrKMSInvalidKeyID(ref)
		}
		if parts[3] != region {
			return ParsedRef{}, aws.ErrKMSInvalidARNRegion(parts[3])
		}
		out := ParsedRef{Account: aws.AccountID(parts[4]), Region: region}
		switch res := parts[5]; {
		case strings.HasPrefix(res, "key/") && ValidKeyID(res[4:]):
			out.KeyID = res[4:]
		case strings.HasPrefix(res, "alias/") && len(res) > len("alias/"):
			out.Alias = res
		default:
			return ParsedRef{}, aws.ErrKMSInvalidKeyID(ref)
		}
		return out, nil
	case ValidKeyID(ref):
		return ParsedRef{Region: region, KeyID: ref}, nil
	}
	return ParsedRef{}, aws.ErrKMSInvalidKeyID(ref)
}

// ValidKeyID reports whether id has a key id's form: a UUID in its
// 8-4-4-4-12 hex form, or "mrk-" followed by 32 hex digits.
func ValidKeyID(id string) bool {
	if rest, ok := strings.CutPrefix(id, "mrk-"); ok {
		return len(rest) == 32 && isHex(rest)
	}
	if len(id) != 36 {
		return false
	}
	for i, c := range []byte(id) {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !isHex(string(c)) {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// resolve finds the key a reference names, in any state. A reference without
// an account means the caller's account: keys of other accounts can only be
// named by key ARN or alias ARN. "alias/aws/s3" in the caller's account
// creates the AWS managed key on first use.
func (s *Service) resolve(p aws.Principal, region, ref string) (*Key, error) {
	return s.find(p.Account, region, ref, true)
}

// Find returns the key a reference names, in any state, as a caller of
// account in region would name it — without authorizing anyone and without
// creating the AWS managed key: for diagnostics, which must change nothing.
// Errors are KMS's (NotFoundException, "Invalid arn REGION", …).
func (s *Service) Find(account aws.AccountID, region, ref string) (*Key, error) {
	return s.find(account, region, ref, false)
}

// find resolves ref for a caller of account; createManaged lets
// "alias/aws/s3" of that account create the AWS managed key.
func (s *Service) find(account aws.AccountID, region, ref string, createManaged bool) (*Key, error) {
	r, err := ParseKeyRef(ref, region)
	if err != nil {
		return nil, err
	}
	if r.Account == "" {
		r.Account = account
	}
	if r.KeyID != "" {
		return s.loadKey(r.Account, r.Region, r.KeyID)
	}
	a, err := s.readAlias(r.Account, r.Region, r.Alias)
	if createManaged && aws.IsCode(err, "NotFoundException") && r.Alias == ManagedS3Alias && r.Account == account {
		return s.managedKey(r.Account, r.Region, r.Alias)
	}
	if err != nil {
		return nil, err
	}
	return s.loadKey(r.Account, r.Region, a.TargetKeyID)
}

// aliasNamed returns the alias name ("alias/NAME") a key reference uses, ""
// when it names the key by id or key ARN: the value of kms:RequestAlias.
func aliasNamed(ref string) string {
	if strings.HasPrefix(ref, "alias/") {
		return ref
	}
	if i := strings.Index(ref, ":alias/"); strings.HasPrefix(ref, "arn:") && i >= 0 {
		return ref[i+1:]
	}
	return ""
}
