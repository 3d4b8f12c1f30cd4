package s3

import (
	"context"

	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/replication"
)

// ValidBucketName applies S3's naming rules for general purpose buckets.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-'
		if !ok {
			return false
		}
	}
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) || strings.Contains(name, "..") {
		return false
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, sfx := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, sfx) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// CreateBucketInput is CreateBucket's request.
type CreateBucketInput struct {
	Bucket string
	// Region is the region the request was signed for (the endpoint).
	Region string
	// LocationConstraint is the body's constraint, "" when absent.
	LocationConstraint string
	ObjectOwnership    string
	// ACL is x-amz-acl, Grants the x-amz-grant-* headers by permission.
	ACL    string
	Grants map[string]string
	// ObjectLock is x-amz-bucket-object-lock-enabled: true: the bucket is
	// created versioned, with Object Lock enabled.
	ObjectLock bool
}

// CreateBucketResult says where the bucket was created.
type CreateBucketResult struct {
	Region string
	// Existing is true when us-east-1's legacy behaviour answered 200 for a
	// bucket the caller already owned.
	Existing bool
}

// bucketRegion applies CreateBucket's LocationConstraint rules. A request
// to us-east-1 (the global endpoint) may create a bucket in any served
// region, as AWS allows; a regional endpoint only in its own region.
func (s *Service) bucketRegion(endpoint, constraint string) (string, error) {
	switch {
	case constraint == "" && endpoint == "us-east-1":
		return "us-east-1", nil
	case constraint == "":
		return "", aws.ErrIllegalLocationConstraint("")
	case constraint == "us-east-1" && endpoint == "us-east-1":
		return "", aws.ErrInvalidLocationConstraint(constraint)
	case constraint == "EU":
		constraint = "eu-west-1"
		if endpoint != constraint && endpoint != "us-east-1" {
			return "", aws.ErrIllegalLocationConstraint("EU")
		}
	case constraint != endpoint && endpoint != "us-east-1":
		return "", aws.ErrIllegalLocationConstraint(constraint)
	}
	if !s.regions[constraint] {
		return "", aws.ErrInvalidLocationConstraint(constraint)
	}
	return constraint, nil
}

// CreateBucket creates a bucket owned by the caller's account.
func (s *Service) CreateBucket(ctx context.Context, p aws.Principal, in CreateBucketInput) (CreateBucketResult, error) {
	if !ValidBucketName(in.Bucket) {
		return CreateBucketResult{}, aws.ErrInvalidBucketName(in.Bucket)
	}
	if err := s.authorizeCreate(ctx, p, in); err != nil {
		return CreateBucketResult{}, err
	}
	region, err := s.bucketRegion(in.Region, in.LocationConstraint)
	if err != nil {
		return CreateBucketResult{}, err
	}
	ownership, err := validOwnership(in.ObjectOwnership)
	if err != nil {
		return CreateBucketResult{}, err
	}
	if in.ACL != "" && !cannedACLs[in.ACL] {
		return CreateBucketResult{}, aws.ErrInvalidCannedACL(in.ACL)
	}
	if (in.ACL != "" && in.ACL != "private" || len(in.Grants) > 0) && ownership == OwnershipEnforced {
		return CreateBucketResult{}, aws.ErrInvalidBucketAclWithObjectOwnership()
	}
	acl, err := resolveACL(ACLInput{Canned: in.ACL, Grants: in.Grants}, p.Account, p.Account)
	if err != nil {
		return CreateBucketResult{}, err
	}
	if ownership == OwnershipEnforced || ownerOnlyDefault(acl, p.Account) {
		acl = nil
	}
	unlock := s.lock(in.Bucket, "")
	defer unlock()
	existing, err := s.Bucket(in.Bucket)
	if err == nil {
		if existing.Account != p.Account {
			return CreateBucketResult{}, aws.ErrBucketAlreadyExists(in.Bucket)
		}
		if existing.Region == "us-east-1" && region == "us-east-1" {
			return CreateBucketResult{Region: region, Existing: true}, nil
		}
		return CreateBucketResult{}, aws.ErrBucketAlreadyOwnedByYou(in.Bucket)
	}
	if !aws.IsCode(err, "NoSuchBucket") {
		return CreateBucketResult{}, err
	}
	if err := s.takenByPeer(ctx, p, in.Bucket); err != nil {
		return CreateBucketResult{}, err
	}
	block := blockAll
	b := Bucket{Name: in.Bucket, Account: p.Account, Region: region, Created: s.clock.Now().UTC(), ObjectOwnership: ownership,
		PublicAccessBlock: &block, ACL: acl}
	if in.ObjectLock {
		b.Versioning, b.ObjectLock = versioningOn, &ObjectLock{}
	}
	batch := s.store.NewBatch()
	batch.Set(bucketKey(b.Name), encode(&b))
	batch.Set(accountBucketKey(b.Account, b.Name), nil)
	err = commit(batch)
	s.buckets.Forget(b.Name)
	if err != nil {
		return CreateBucketResult{}, err
	}
	return CreateBucketResult{Region: region}, nil
}

// cannedACLs are the values x-amz-acl accepts.
var cannedACLs = map[string]bool{
	"private": true, "public-read": true, "public-read-write": true, "authenticated-read": true,
	"aws-exec-read": true, "bucket-owner-read": true, "bucket-owner-full-control": true, "log-delivery-write": true,
}

func validOwnership(v string) (string, error) {
	switch v {
	case "":
		return OwnershipEnforced, nil
	case "BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter":
		return v, nil
	}
	return "", aws.ErrInvalidObjectOwnership(v)
}

// authorizeCreate decides CreateBucket: s3:CreateBucket on the new bucket
// in the caller's account, plus s3:PutBucketOwnershipControls when the
// request sets Object Ownership, s3:PutBucketAcl when it sets an ACL, and
// s3:PutBucketObjectLockConfiguration with s3:PutBucketVersioning when it
// enables Object Lock.
func (s *Service) authorizeCreate(ctx context.Context, p aws.Principal, in CreateBucketInput) error {
	b := &Bucket{Name: in.Bucket, Account: p.Account}
	acc := []access{on(ActionCreateBucket, "")}
	if in.ObjectOwnership != "" {
		acc = append(acc, on(ActionPutOwnership, "", "s3:x-amz-object-ownership", in.ObjectOwnership))
	}
	if in.ACL != "" || len(in.Grants) > 0 {
		acc = append(acc, on(ActionPutBucketAcl, ""))
	}
	if in.ObjectLock {
		acc = append(acc, on(ActionPutLockConfiguration, ""), on(ActionPutVersioning, ""))
	}
	for _, a := range acc {
		if err := s.authorize(ctx, p, b, a); err != nil {
			return err
		}
	}
	return nil
}

// HeadBucket checks that the bucket exists and the caller may read it.
func (s *Service) HeadBucket(ctx context.Context, p aws.Principal, bucket string) (*Bucket, error) {
	return s.bucketFor(ctx, p, bucket, on(ActionListBucket, ""))
}

// GetBucketLocation returns the bucket's region.
func (s *Service) GetBucketLocation(ctx context.Context, p aws.Principal, bucket string) (string, error) {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionGetBucketLocation, ""))
	if err != nil {
		return "", err
	}
	return b.Region, nil
}

// DeleteBucket deletes an empty bucket and any incomplete multipart uploads.
func (s *Service) DeleteBucket(ctx context.Context, p aws.Principal, bucket string) error {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionDeleteBucket, ""))
	if err != nil {
		return err
	}
	unlock := s.lock(bucket, "")
	defer unlock()
	empty, err := s.rangeEmpty(bucketVersionPrefix(bucket))
	if err != nil {
		return err
	}
	if !empty {
		return aws.ErrBucketNotEmpty(bucket, b.Versioning != "")
	}
	uploads, err := s.uploadIDs(bucket)
	if err != nil {
		return err
	}
	var orphans []Segment
	batch := s.store.NewBatch()
	for _, id := range uploads {
		parts, err := s.allParts(id)
		if err != nil {
			batch.Close()
			return err
		}
		orphans = append(orphans, partSegments(parts)...)
		batch.DeleteRange(partPrefix(id), meta.PrefixEnd(partPrefix(id)))
	}
	up := uploadPrefix(bucket)
	batch.DeleteRange(up, meta.PrefixEnd(up))
	nk := meta.NewKey(tableNull).String(bucket)
	batch.DeleteRange(nk, meta.PrefixEnd(nk))
	batch.Delete(bucketKey(bucket))
	batch.Delete(accountBucketKey(b.Account, bucket))
	err = commit(batch)
	s.buckets.Forget(bucket)
	if err != nil {
		return err
	}
	s.removeData(orphans)
	return nil
}

func (s *Service) rangeEmpty(prefix []byte) (bool, error) {
	it, err := s.store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return false, aws.Internal(err)
	}
	found := it.First()
	if err := it.Close(); err != nil {
		return false, aws.Internal(err)
	}
	return !found, nil
}

// uploadIDs lists the ids of a bucket's incomplete uploads.
func (s *Service) uploadIDs(bucket string) ([]string, error) {
	prefix := uploadPrefix(bucket)
	it, err := s.store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return nil, aws.Internal(err)
	}
	var ids []string
	for ok := it.First(); ok; ok = it.Next() {
		var u Upload
		if err := decode(it.Value(), &u); err != nil {
			it.Close()
			return nil, aws.Internal(err)
		}
		ids = append(ids, u.UploadID)
	}
	if err := it.Close(); err != nil {
		return nil, aws.Internal(err)
	}
	return ids, nil
}

// ListBucketsInput is ListBuckets' request.
type ListBucketsInput struct {
	Prefix            string
	BucketRegion      string
	MaxBuckets        int // 0: all
	ContinuationToken string
}

// ListBucketsOutput is ListBuckets' answer.
type ListBucketsOutput struct {
	Buckets           []Bucket
	ContinuationToken string
}

// ListBuckets lists the caller's buckets in name order: this process's
// and, with peers that can list (SetPeers), those other processes serve.
func (s *Service) ListBuckets(ctx context.Context, p aws.Principal, in ListBucketsInput) (ListBucketsOutput, error) {
	if _, err := s.authz.Authorize(ctx, authz.Request{Principal: p, Action: ActionListAllMyBuckets,
		Keys: s.conditionKeys(ctx, access{action: ActionListAllMyBuckets}, "")}); err != nil {
		return ListBucketsOutput{}, err
	}
	all, err := s.AccountBuckets(p.Account)
	if err != nil {
		return ListBucketsOutput{}, err
	}
	if l, ok := s.peers.(PeerBucketLister); ok {
		remote, err := l.AccountBuckets(ctx, p.Account)
		if err != nil {
			return ListBucketsOutput{}, aws.ErrServiceUnavailable().
				WithCause(fmt.Errorf("list the buckets other regions serve: %w", err))
		}
		all = append(all, remote...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	var out ListBucketsOutput
	for _, b := range all {
		if !strings.HasPrefix(b.Name, in.Prefix) || (in.ContinuationToken != "" && b.Name <= in.ContinuationToken) ||
			(in.BucketRegion != "" && b.Region != in.BucketRegion) {
			continue
		}
		if in.MaxBuckets > 0 && len(out.Buckets) == in.MaxBuckets {
			out.ContinuationToken = out.Buckets[len(out.Buckets)-1].Name
			break
		}
		out.Buckets = append(out.Buckets, Bucket{Name: b.Name, Account: b.Account, Region: b.Region, Created: b.Created})
	}
	return out, nil
}

// BucketSummary is what a bucket listing shows of a bucket.
type BucketSummary struct {
	Name    string        `json:"name"`
	Account aws.AccountID `json:"account"`
	Region  string        `json:"region"`
	Created time.Time     `json:"created"`
}

// PeerBucketLister lists an account's buckets that other processes serve.
type PeerBucketLister interface {
	AccountBuckets(ctx context.Context, account aws.AccountID) ([]BucketSummary, error)
}

// AccountBuckets lists the buckets of an account this process serves, in
// name order (no authorization: callers decide).
func (s *Service) AccountBuckets(account aws.AccountID) ([]BucketSummary, error) {
	prefix := accountBucketPrefix(account)
	it, err := s.store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return nil, aws.Internal(err)
	}
	defer it.Close()
	var out []BucketSummary
	for ok := it.First(); ok; ok = it.Next() {
		name, _, okName := meta.ReadString(it.Key()[len(prefix):])
		if !okName {
			return nil, aws.Internal(fmt.Errorf("bad account index key %q", it.Key()))
		}
		b, err := s.Bucket(name)
		if aws.IsCode(err, "NoSuchBucket") {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, BucketSummary{Name: b.Name, Account: b.Account, Region: b.Region, Created: b.Created})
	}
	return out, nil
}

// GetBucketVersioning returns "", "Enabled" or "Suspended".
func (s *Service) GetBucketVersioning(ctx context.Context, p aws.Principal, bucket string) (string, error) {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionGetVersioning, ""))
	if err != nil {
		return "", err
	}
	return b.Versioning, nil
}

// PutBucketVersioning sets the bucket's versioning state.
func (s *Service) PutBucketVersioning(ctx context.Context, p aws.Principal, bucket, status string) error {
	if status != versioningOn && status != versioningOff {
		return aws.ErrIllegalVersioningConfiguration()
	}
	if _, err := s.bucketFor(ctx, p, bucket, on(ActionPutVersioning, "")); err != nil {
		return err
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		if status == versioningOff && b.LockEnabled() {
			return aws.ErrObjectLockVersioningLocked()
		}
		if status == versioningOff && b.Replication != nil {
			return replication.ErrVersioningLocked()
		}
		b.Versioning = status
		return nil
	})
}

// updateBucket applies a read-modify-write to a bucket record under the bucket lock.
func (s *Service) updateBucket(name string, fn func(*Bucket) error) error {
	unlock := s.lock(name, "")
	defer unlock()
	b, err := s.Bucket(name)
	if err != nil {
		return err
	}
	if err := fn(b); err != nil {
		return err
	}
	batch := s.store.NewBatch()
	batch.Set(bucketKey(name), encode(b))
	err = commit(batch)
	s.buckets.Forget(name)
	return err
}

// GetBucketOwnershipControls returns the bucket's Object Ownership, or
// OwnershipControlsNotFoundError once they were deleted.
func (s *Service) GetBucketOwnershipControls(ctx context.Context, p aws.Principal, bucket string) (string, error) {
	b, err := s.bucketFor(ctx, p, bucket, on(ActionGetOwnership, ""))
	if err != nil {
		return "", err
	}
	if b.ObjectOwnership == "" {
		return "", aws.ErrOwnershipControlsNotFound(bucket)
	}
	return b.ObjectOwnership, nil
}

// PutBucketOwnershipControls sets the bucket's Object Ownership.
func (s *Service) PutBucketOwnershipControls(ctx context.Context, p aws.Principal, bucket, ownership string) error {
	switch ownership {
	case OwnershipEnforced, "BucketOwnerPreferred", "ObjectWriter":
	default:
		return aws.ErrMalformedXML()
	}
	if _, err := s.bucketFor(ctx, p, bucket, on(ActionPutOwnership, "")); err != nil {
		return err
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		b.ObjectOwnership = ownership
		return nil
	})
}

// DeleteBucketOwnershipControls removes the bucket's ownership controls:
// objects are then owned by their writers (ObjectWriter).
func (s *Service) DeleteBucketOwnershipControls(ctx context.Context, p aws.Principal, bucket string) error {
	if _, err := s.bucketFor(ctx, p, bucket, on(ActionPutOwnership, "")); err != nil {
		return err
	}
	return s.updateBucket(bucket, func(b *Bucket) error {
		b.ObjectOwnership = ""
		return nil
	})
}
