package world

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ferrystore/ferry/internal/ferryapi"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/meta/remote"
	"github.com/ferrystore/ferry/internal/meta/router"
	"github.com/ferrystore/ferry/internal/peer"
)

// SharedPrefixes are the keyspaces of Ferry's global services, shared by
// every process of one deployment: IAM ('i': accounts, access keys, users,
// roles, policies) and STS ('t': sessions). Everything else (buckets,
// objects, KMS keys and the root key check, the replication queue and
// events, batch jobs) is regional and stays in each process's own store.
var SharedPrefixes = [][]byte{{'i'}, {'t'}}

// IAMHome says where a follower's IAM and STS state lives: the endpoint of
// the Ferry process that owns it (the IAM home) and that process's admin
// credentials, with which every call to it is signed.
type IAMHome struct {
	Endpoint string
	// AccessKeyID and SecretAccessKey are the home's admin key.
	AccessKeyID, SecretAccessKey string
}

// DefaultIAMRefresh is how often a process looks for IAM writes made by
// another process: the propagation delay of an IAM change between
// processes (IAM's eventual consistency).
const DefaultIAMRefresh = time.Second

// client is the signed client of the IAM home's admin API.
func (h *IAMHome) client() *ferryapi.Client {
	return &ferryapi.Client{Endpoint: h.Endpoint, HTTP: &http.Client{Timeout: 30 * time.Second},
		Credentials: sdkaws.Credentials{AccessKeyID: h.AccessKeyID, SecretAccessKey: h.SecretAccessKey, Source: "ferry-iam-home"}}
}

// openFollowerStore puts the shared keyspaces of local at the IAM home,
// checking that the home answers.
func openFollowerStore(local meta.Store, home *IAMHome) (meta.Store, error) {
	shared := remote.New(home.client())
	if _, err := shared.Get(SharedPrefixes[0]); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return nil, fmt.Errorf("reach the IAM home at %s: %w", home.Endpoint, err)
	}
	return &router.Store{Local: local, Shared: shared, Prefixes: SharedPrefixes}, nil
}

// homeProxy forwards IAM's API to the home, where IAM's control plane is:
// its writes read, change and write records under the home's in-process
// locks. The Host header is kept, so the caller's signature verifies there.
func homeProxy(home *IAMHome) (http.Handler, error) {
	u, err := url.Parse(home.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("IAM home endpoint %q: %w", home.Endpoint, err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
		http.Error(w, "the IAM home is unreachable: "+err.Error(), http.StatusServiceUnavailable)
	}
	return p, nil
}

// refreshIAM looks for IAM writes made elsewhere until stop is closed.
func (w *World) refreshIAM(every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := w.IAM.Refresh(); err != nil {
				w.Config.Logger.Warn("IAM refresh", "err", err)
			}
		}
	}
}

// Follower reports whether IAM and STS live at another process.
func (w *World) Follower() bool { return w.Config.IAMHome != nil }

// peerClient reaches the peers of Config.Peers: bucket lookups are signed
// with this process's admin key, replicas with the role session's.
func (w *World) peerClient() *peer.Client {
	return &peer.Client{
		Regions: w.Config.Peers,
		Admin:   (&adminCreds{dataDir: w.Config.DataDir}).get,
		Secret: func(akid string) (string, error) {
			sess, err := w.STS.Credentials(akid)
			if err != nil {
				return "", err
			}
			return sess.SecretAccessKey, nil
		},
		HTTP: &http.Client{Transport: peerTransport()},
		Now:  w.Config.Clock.Now,
	}
}

// adminCreds reads this process's admin key from admin.json once it exists
// (serve writes it after Open) and keeps it.
type adminCreds struct {
	dataDir string
	mu      sync.Mutex
	creds   *sdkaws.Credentials
}

func (a *adminCreds) get() (sdkaws.Credentials, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.creds != nil {
		return *a.creds, nil
	}
	c, err := ReadAdmin(a.dataDir)
	if err != nil {
		return sdkaws.Credentials{}, err
	}
	a.creds = &sdkaws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Source: "ferry-admin"}
	return *a.creds, nil
}

// peerTransport bounds the wait for a peer's answer (a replica's bytes may
// take as long as they take to send).
func peerTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = time.Minute
	return t
}
