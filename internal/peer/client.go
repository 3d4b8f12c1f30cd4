package peer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/replication"
	"github.com/ferrystore/ferry/internal/s3"
	"github.com/ferrystore/ferry/internal/sigv4"
)

// Client reaches the regions served by other processes.
type Client struct {
	// Regions maps each peer region to its endpoint.
	Regions map[string]string
	// Admin returns this process's admin key, which signs bucket lookups
	// (IAM is shared, so every peer knows it).
	Admin func() (sdkaws.Credentials, error)
	// Secret returns the secret key of a role session (by access key id).
	Secret func(accessKeyID string) (string, error)
	// HTTP is the client used; nil means one without a body timeout.
	HTTP *http.Client
	// Now is the signing clock (nil: time.Now).
	Now func() time.Time

	// where remembers which peer serves each destination bucket (a
	// located), so that a replica costs one call, not a lookup first.
	where sync.Map
}

// located is where a destination bucket was found: the peer (by its
// configured region) and the bucket's region, which signs the call.
type located struct{ peer, region string }

var (
	_ replication.Peers   = (*Client)(nil)
	_ s3.PeerBucketLister = (*Client)(nil)
)

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// ReplicationBucket finds the peer serving a bucket: ErrBucketNotFound
// when every peer answers that it has none, a transient error when a peer
// that might have it cannot be asked.
func (c *Client) ReplicationBucket(ctx context.Context, name string) (replication.BucketInfo, error) {
	info, _, err := c.locate(ctx, name)
	return info, err
}

// locate is ReplicationBucket that also says which peer (by its configured
// region) answered.
func (c *Client) locate(ctx context.Context, name string) (replication.BucketInfo, string, error) {
	creds, err := c.Admin()
	if err != nil {
		return replication.BucketInfo{}, "", fmt.Errorf("peer lookup of %s: %w", name, err)
	}
	regions := make([]string, 0, len(c.Regions))
	for r := range c.Regions {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	var errs []error
	for _, region := range regions {
		info, found, err := c.lookup(ctx, creds, region, name)
		switch {
		case err != nil:
			errs = append(errs, err)
		case found:
			return info, region, nil
		}
	}
	if len(errs) > 0 {
		return replication.BucketInfo{}, "", fmt.Errorf("peer lookup of %s: %w", name, errors.Join(errs...))
	}
	return replication.BucketInfo{}, "", fmt.Errorf("%w: %s (no peer serves it)", replication.ErrBucketNotFound, name)
}

func (c *Client) lookup(ctx context.Context, creds sdkaws.Credentials, region, name string) (replication.BucketInfo, bool, error) {
	var info replication.BucketInfo
	u := c.Regions[region] + Path + "bucket?" + url.Values{"name": {name}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return info, false, err
	}
	status, raw, err := c.send(req, creds, region)
	switch {
	case err != nil:
		return info, false, err
	case status == http.StatusNotFound:
		return info, false, nil
	case status != http.StatusOK:
		return info, false, fmt.Errorf("%s answered %d: %s", region, status, bytes.TrimSpace(raw))
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		return info, false, fmt.Errorf("%s: decode bucket: %w", region, err)
	}
	return info, true, nil
}

// AccountBuckets lists an account's buckets at every peer (for
// ListBuckets); it fails when a peer cannot be asked, rather than answer
// with part of the list.
func (c *Client) AccountBuckets(ctx context.Context, account aws.AccountID) ([]s3.BucketSummary, error) {
	creds, err := c.Admin()
	if err != nil {
		return nil, fmt.Errorf("peer bucket listing: %w", err)
	}
	var all []s3.BucketSummary
	for region, endpoint := range c.Regions {
		u := endpoint + Path + "buckets?" + url.Values{"account": {string(account)}}.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		status, raw, err := c.send(req, creds, region)
		if err != nil {
			return nil, fmt.Errorf("list buckets at %s: %w", region, err)
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("list buckets at %s: %d: %s", region, status, bytes.TrimSpace(raw))
		}
		var list []s3.BucketSummary
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("list buckets at %s: decode: %w", region, err)
		}
		all = append(all, list...)
	}
	return all, nil
}

// Replicate implements replication.Peers.
func (c *Client) Replicate(ctx context.Context, session aws.Principal, t *replication.Task, src, replica *replication.ObjectVersion, body io.Reader) error {
	env, err := json.Marshal(Envelope{Task: *t, Source: *src, Replica: replica})
	if err != nil {
		return fmt.Errorf("encode replica of %s: %w", t.Key, err)
	}
	return c.deliver(ctx, session, t, "object", env, body, replica.Size)
}

// ReplicateTags implements replication.Peers.
func (c *Client) ReplicateTags(ctx context.Context, session aws.Principal, t *replication.Task, src *replication.ObjectVersion) error {
	env, err := json.Marshal(Envelope{Task: *t, Source: *src})
	if err != nil {
		return fmt.Errorf("encode tags of %s: %w", t.Key, err)
	}
	return c.deliver(ctx, session, t, "tags", env, nil, 0)
}

// deliver finds the destination's peer and sends it the envelope (and the
// bytes), signed by the role session.
func (c *Client) deliver(ctx context.Context, session aws.Principal, t *replication.Task, op string, env []byte, body io.Reader, size int64) error {
	loc, cached := c.where.Load(t.Destination)
	if !cached {
		info, peer, err := c.locate(ctx, t.Destination)
		if errors.Is(err, replication.ErrBucketNotFound) {
			return replication.Fail(replication.ReasonDstBucketNotFound, err)
		}
		if err != nil {
			return err
		}
		loc = located{peer: peer, region: info.Region}
		c.where.Store(t.Destination, loc)
	}
	err := c.put(ctx, session, loc.(located), op, env, body, size)
	var f *replication.Failure
	if err != nil && (!errors.As(err, &f) || f.Reason == replication.ReasonDstBucketNotFound) {
		// The peer is unreachable, failing, or no longer has the bucket:
		// look it up afresh next time.
		c.where.Delete(t.Destination)
		if cached && f != nil {
			// The bucket may have moved to another peer: retry (and find it
			// there, or fail then) rather than fail on a remembered place.
			return fmt.Errorf("%s: %v (looked up again at the next attempt)", loc.(located).peer, f) // transient
		}
	}
	return err
}

// put sends the envelope (and the bytes) to the peer at loc, signed by the
// role session.
func (c *Client) put(ctx context.Context, session aws.Principal, loc located, op string, env []byte, body io.Reader, size int64) error {
	endpoint := c.Regions[loc.peer]
	secret, err := c.Secret(session.AccessKeyID)
	if err != nil {
		return fmt.Errorf("role session credentials: %w", err)
	}
	creds := sdkaws.Credentials{AccessKeyID: session.AccessKeyID, SecretAccessKey: secret, SessionToken: session.SessionToken}
	sum := sha256.Sum256(env)
	r := io.Reader(bytes.NewReader(env))
	length := int64(len(env))
	if body != nil {
		r, length = io.MultiReader(r, body), length+size
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, endpoint+Path+op, nil)
	if err != nil {
		return err
	}
	req.Header.Set(HeaderEnvelopeLength, strconv.Itoa(len(env)))
	req.Header.Set(HeaderEnvelopeSHA256, hex.EncodeToString(sum[:]))
	sign := func(req *http.Request) error {
		return v4.NewSigner().SignHTTP(req.Context(), creds, req, req.Header.Get("X-Amz-Content-Sha256"), "s3", loc.region, c.now())
	}
	if err := sigv4.SignStreaming(req, r, length, creds.SecretAccessKey, sign); err != nil {
		return err
	}
	status, raw, err := c.do(req)
	if err != nil {
		return fmt.Errorf("send to %s: %w", loc.region, err) // transient: retried
	}
	return answer(loc.region, status, raw)
}

// answer turns a peer's answer into nil, a *replication.Failure, or any
// other error, which the engine treats as transient.
func answer(region string, status int, raw []byte) error {
	switch status {
	case http.StatusOK:
		return nil
	case http.StatusConflict:
		var f failure
		if err := json.Unmarshal(raw, &f); err == nil && f.Reason != "" {
			return replication.Fail(f.Reason, errors.New(f.Error))
		}
	}
	return fmt.Errorf("%s answered %d: %s", region, status, strings.TrimSpace(string(raw))) // transient: retried
}

// send signs req, which has no body, for service s3 in region and returns
// the answer.
func (c *Client) send(req *http.Request, creds sdkaws.Credentials, region string) (int, []byte, error) {
	req.Header.Set("X-Amz-Content-Sha256", sigv4.EmptyPayloadHash)
	if err := v4.NewSigner().SignHTTP(req.Context(), creds, req, sigv4.EmptyPayloadHash, "s3", region, c.now()); err != nil {
		return 0, nil, fmt.Errorf("sign: %w", err)
	}
	return c.do(req)
}

// do sends a signed request and returns the answer.
func (c *Client) do(req *http.Request) (int, []byte, error) {
	resp, err := c.http().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, raw, nil
}
