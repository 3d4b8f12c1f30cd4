package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/ferrystore/ferry/internal/world"
)

// LoadProfiles reads the root keys of profiles ferry-a and ferry-b from
// <dataDir>/aws/credentials, the file a Ferry server writes.
func LoadProfiles(dataDir string) (a, b Credentials, err error) {
	path := filepath.Join(dataDir, "aws", "credentials")
	load := func(name string) (Credentials, error) {
		cfg, err := config.LoadSharedConfigProfile(context.Background(), world.ProfileName(name), func(o *config.LoadSharedConfigOptions) {
			o.CredentialsFiles, o.ConfigFiles = []string{path}, []string{}
		})
		if err != nil || cfg.Credentials.AccessKeyID == "" {
			return Credentials{}, fmt.Errorf("%s lacks profiles ferry-a and ferry-b: %v", path, err)
		}
		return Credentials{AccessKeyID: cfg.Credentials.AccessKeyID, SecretAccessKey: cfg.Credentials.SecretAccessKey}, nil
	}
	if a, err = load("a"); err != nil {
		return a, b, err
	}
	b, err = load("b")
	return a, b, err
}

// Reachable reports whether a Ferry server answers /_ferry/health at endpoint.
func Reachable(ctx context.Context, client *http.Client, endpoint string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/_ferry/health", nil)
	if err != nil {
		return false
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Server is a Ferry server the demo runs in-process on a data directory.
type Server struct {
	World    *world.World
	Endpoint string
	DataDir  string
	srv      *http.Server
	done     chan error
}

// StartServer opens and bootstraps a world on dataDir (a fresh directory),
// serves it on a free loopback port and writes its client files, so that
// LoadProfiles(dataDir) works. The replication engine polls every
// pollEvery (its default when zero).
func StartServer(dataDir string, pollEvery time.Duration) (*Server, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := world.Open(world.Config{DataDir: dataDir, Logger: log,
		Replication: world.ReplicationConfig{PollInterval: pollEvery, Backoff: pollEvery, MaxBackoff: 4 * pollEvery}})
	if err != nil {
		return nil, fmt.Errorf("open in-process server: %w", err)
	}
	if _, err := w.Bootstrap(); err != nil {
		w.Close()
		return nil, fmt.Errorf("bootstrap accounts: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{World: w, Endpoint: "http://" + ln.Addr().String(), DataDir: dataDir, done: make(chan error, 1),
		srv: &http.Server{Handler: w.HTTP, ReadHeaderTimeout: 10 * time.Second}}
	if err := w.WriteClientFiles(s.Endpoint); err != nil {
		ln.Close()
		w.Close()
		return nil, err
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops serving and closes the world.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return errors.Join(err, s.World.Close())
}
